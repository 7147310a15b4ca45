package metrics

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The recordings are real listener streams captured from PySpark (spark/event/testdata/record.py).
const recordings = "../event/testdata"

func readRecording(t *testing.T, name string) (string, []event.Event) {
	t.Helper()
	app, evs, err := event.ReadRecording(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	return app, evs
}

// expected counts one recording's frames, independently of the state code: what Spark's REST API says of the app.
type expected struct {
	jobs, stages                      map[string]int
	completed, failed, killed, active int
	executors, cores                  int
	stageStatus                       map[[2]int]string
	stageJobs                         map[[2]int][]int
	jobEnded                          map[int]bool
	executorCores                     map[string]int
	taskStarts                        int
	finished                          bool
	sparkVersion, appName, notebook   string
}

func expect(evs []event.Event) *expected {
	x := &expected{jobs: map[string]int{}, stages: map[string]int{}, stageStatus: map[[2]int]string{},
		stageJobs: map[[2]int][]int{}, jobEnded: map[int]bool{}, executorCores: map[string]int{}}
	running := map[int]bool{}
	for _, ev := range evs {
		switch e := ev.(type) {
		case *event.Hello:
			x.sparkVersion, x.appName, x.notebook = e.SparkVersion, e.AppName, e.NotebookPath
		case *event.ExecutorAdded:
			x.executorCores[e.ExecutorID] = e.Cores
		case *event.ExecutorRemoved:
			delete(x.executorCores, e.ExecutorID)
		case *event.JobStart:
			running[e.JobID] = true
			for _, s := range e.Stages {
				k := [2]int{s.StageID, s.AttemptID}
				if _, ok := x.stageStatus[k]; !ok {
					x.stageStatus[k] = "PENDING"
				}
				x.stageJobs[k] = append(x.stageJobs[k], e.JobID)
			}
		case *event.StageSubmitted:
			x.stageStatus[[2]int{e.StageID, e.AttemptID}] = "ACTIVE"
		case *event.StageCompleted:
			x.stageStatus[[2]int{e.StageID, e.AttemptID}] = e.Status
		case *event.TaskStart:
			x.taskStarts++
		case *event.TaskEnd:
			switch e.Status {
			case "SUCCESS":
				x.completed++
			case "KILLED":
				x.killed++
			default:
				x.failed++
			}
		case *event.JobEnd:
			delete(running, e.JobID)
			x.jobEnded[e.JobID] = true
			status := e.Result
			if e.Error != nil && strings.Contains(*e.Error, "cancelled") && strings.Contains(*e.Error, "Job ") {
				status = "CANCELLED"
			}
			x.jobs[status]++
		case *event.AppEnd:
			x.finished = true
		}
	}
	x.jobs["RUNNING"] = len(running)
	for k, st := range x.stageStatus {
		if st == "PENDING" {
			ended := true
			for _, j := range x.stageJobs[k] {
				ended = ended && x.jobEnded[j]
			}
			if ended {
				st = "SKIPPED"
			}
		}
		x.stages[st]++
	}
	x.active = x.taskStarts - x.completed - x.failed - x.killed
	for id, c := range x.executorCores {
		if id != "driver" {
			x.executors++
			x.cores += c
		}
	}
	if x.executors == 0 {
		x.executors, x.cores = 1, x.executorCores["driver"]
	}
	return x
}

type fakeIngest struct{}

func (fakeIngest) Connected() int   { return 3 }
func (fakeIngest) Malformed() int64 { return 4 }
func (fakeIngest) Rejected() int64  { return 5 }

// startStore runs a store with opts until the test ends; a store that ends with an error fails the test.
func startStore(t *testing.T, opts state.Options) *state.Store {
	t.Helper()
	s := state.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("store: %v", err)
		}
	})
	return s
}

func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d %s", rec.Code, rec.Body.String())
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("the scrape is not the Prometheus text format: %v", err)
	}
	return fams
}

// value returns the sample of family name whose labels include want; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
	for _, m := range f.GetMetric() {
		match := true
		for k, v := range want {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == k && l.GetValue() == v)
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func TestMetricsOfRecordedApplicationsAreSparksCounts(t *testing.T) {
	store := startStore(t, state.Options{})
	loaded := time.Unix(1_800_000_000, 0)
	h := Handler(Options{Store: store, Ingest: fakeIngest{}, Version: "9.9.9",
		Config: func() ConfigState {
			return ConfigState{Good: true, LoadedAt: loaded, ValidProfiles: 2, InvalidProfiles: 1}
		}})
	wants := map[string]*expected{}
	events := 0
	for _, name := range []string{"failing_task.jsonl", "shuffle_skip.jsonl", "cancelled_job.jsonl", "range_sum.jsonl"} {
		app, evs := readRecording(t, name)
		for _, ev := range evs {
			if err := store.Submit(context.Background(), app, ev); err != nil {
				t.Fatal(err)
			}
		}
		events += len(evs)
		wants[app] = expect(evs)
	}
	fams := scrape(t, h)

	check := func(what string, got float64, ok bool, want int) {
		t.Helper()
		if !ok || got != float64(want) {
			t.Errorf("%s: got %v (present %v), want %d", what, got, ok, want)
		}
	}
	states := map[string]int{}
	for app, x := range wants {
		// The recordings end without the connection closing: an app without appEnd is still RUNNING.
		state := "RUNNING"
		if x.finished {
			state = "FINISHED"
		}
		states[state]++
		v, ok := value(fams, "sparkmonitor_app_info", map[string]string{"app_id": app, "state": state,
			"spark_version": x.sparkVersion, "app_name": x.appName, "notebook": x.notebook})
		check(app+" app_info", v, ok, 1)
		for _, s := range jobStatuses {
			v, ok := value(fams, "sparkmonitor_jobs", map[string]string{"app_id": app, "status": s})
			check(app+" jobs "+s, v, ok, x.jobs[s])
		}
		for _, s := range stageStates {
			v, ok := value(fams, "sparkmonitor_stages", map[string]string{"app_id": app, "status": s})
			check(app+" stages "+s, v, ok, x.stages[s])
		}
		for s, n := range map[string]int{"completed": x.completed, "failed": x.failed, "killed": x.killed, "active": x.active} {
			v, ok := value(fams, "sparkmonitor_tasks", map[string]string{"app_id": app, "status": s})
			check(app+" tasks "+s, v, ok, n)
		}
		v, ok = value(fams, "sparkmonitor_executors", map[string]string{"app_id": app})
		check(app+" executors", v, ok, x.executors)
		v, ok = value(fams, "sparkmonitor_executor_cores", map[string]string{"app_id": app})
		check(app+" cores", v, ok, x.cores)
		v, ok = value(fams, "sparkmonitor_listener_dropped_events_total", map[string]string{"app_id": app})
		check(app+" dropped", v, ok, 0)
	}
	// The recordings hold what the test needs: failed tasks, skipped stages, a cancelled job.
	var failed, skipped, cancelled int
	for _, x := range wants {
		failed, skipped, cancelled = failed+x.failed, skipped+x.stages["SKIPPED"], cancelled+x.jobs["CANCELLED"]
	}
	if failed == 0 || skipped == 0 || cancelled == 0 {
		t.Fatalf("recordings lack failed tasks (%d), skipped stages (%d) or cancelled jobs (%d)", failed, skipped, cancelled)
	}
	for _, s := range appStates {
		v, ok := value(fams, "sparkmonitor_apps", map[string]string{"state": s})
		check("apps "+s, v, ok, states[s])
	}
	for name, want := range map[string]int{
		"sparkmonitor_events_ingested_total":                        events,
		"sparkmonitor_ingest_queue_capacity":                        state.DefaultQueueSize,
		"sparkmonitor_ingest_queue_length":                          0,
		"sparkmonitor_listeners_connected":                          3,
		"sparkmonitor_ingest_malformed_frames_total":                4,
		"sparkmonitor_ingest_rejected_connections_total":            5,
		"sparkmonitor_websocket_clients":                            0,
		"sparkmonitor_config_last_reload_successful":                1,
		"sparkmonitor_config_last_reload_success_timestamp_seconds": 1_800_000_000,
	} {
		v, ok := value(fams, name, nil)
		check(name, v, ok, want)
	}
	v, ok := value(fams, "sparkmonitor_profiles", map[string]string{"valid": "false"})
	check("invalid profiles", v, ok, 1)
	v, ok = value(fams, "sparkmonitor_build_info", map[string]string{"version": "9.9.9"})
	check("build_info", v, ok, 1)
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("%s missing: the Go runtime and process collectors are registered", name)
		}
	}

	// A live subscriber (a browser's WebSocket) is counted.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := store.Subscribe(ctx); err != nil {
		t.Fatal(err)
	}
	v, ok = value(scrape(t, h), "sparkmonitor_websocket_clients", nil)
	check("websocket clients", v, ok, 1)
}

func TestPerApplicationSeriesAreBounded(t *testing.T) {
	var apps []state.AppCounts
	for i := range 10 {
		st := wire.AppFinished
		if i == 1 || i == 2 {
			st = wire.AppRunning
		}
		apps = append(apps, state.AppCounts{AppID: string(rune('a' + i)), State: st})
	}
	got := ""
	for _, a := range shown(apps, 4) {
		got += a.AppID
	}
	// Both running apps, then the two most recent others.
	if got != "jicb" {
		t.Fatalf("shown %q, want jicb", got)
	}
}

// A store that does not answer costs the scrape its Spark series, not the whole answer.
func TestStoppedStoreGivesAnErrorAndTheOtherSeries(t *testing.T) {
	s := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("store: %v", err)
	}
	rec := httptest.NewRecorder()
	Handler(Options{Store: s, Version: "x"}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	if !strings.Contains(body, "sparkmonitor_build_info") || strings.Contains(body, "sparkmonitor_apps{") {
		t.Fatalf("%d\n%s", rec.Code, body)
	}
}
