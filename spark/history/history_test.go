package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The recordings are real listener streams captured from PySpark by spark/event/testdata/record.py.
const recordings = "../event/testdata"

func readRecording(t testing.TB, name string) (string, []event.Event) {
	t.Helper()
	f, err := os.Open(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r := event.NewReader(f)
	var app string
	var evs []event.Event
	for {
		line, n, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ev, err := event.Decode(bytes.Clone(line))
		if err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		if h, ok := ev.(*event.Hello); ok {
			h.Secret = ""
			if app == "" {
				app = h.AppID
			}
		}
		evs = append(evs, ev)
	}
	return app, evs
}

func recordingNames(t testing.TB) []string {
	names, err := filepath.Glob(filepath.Join(recordings, "*.jsonl"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no recordings in %s: %v", recordings, err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// startStore runs a state store until the test ends.
func startStore(t testing.TB) *state.Store {
	t.Helper()
	s := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

// startRecorder runs a recorder on dir until the test ends (or stop is called); stop waits for Run to return.
func startRecorder(t testing.TB, opts Options) (*Recorder, func()) {
	t.Helper()
	r := NewRecorder(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("recorder: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return r, stop
}

func snapshotApp(t testing.TB, s *state.Store, app string) wire.App {
	t.Helper()
	apps, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if a.AppID == app {
			return a
		}
	}
	t.Fatalf("app %s not in the snapshot (%d apps)", app, len(apps))
	return wire.App{}
}

func submitAll(t testing.TB, sink Sink, app string, evs []event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := sink.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRoundTrip: every recorded stream, written as an event log by the recorder and replayed from the file, gives
// the same jobs (their stages, task counts, metrics, failures, hints) and application counts as the live stream.
func TestRoundTrip(t *testing.T) {
	for _, name := range recordingNames(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			app, evs := readRecording(t, name)
			live := startStore(t)
			rec, stop := startRecorder(t, Options{Dir: dir})
			submitAll(t, Tee(live, rec), app, evs)
			stop()
			if st := rec.Status(); st.Dropped != 0 || st.Error != "" {
				t.Fatalf("recorder status %+v", st)
			}
			files, err := List(dir)
			if err != nil || len(files) != 1 || files[0].InProgress || !strings.HasSuffix(files[0].Path, Ext) {
				t.Fatalf("history folder: %+v, %v; want one finished %s log", files, err, Ext)
			}
			if want := BaseName(app, nil) + Ext; filepath.Base(files[0].Path) != want {
				t.Errorf("file %s, want Spark's name %s", filepath.Base(files[0].Path), want)
			}
			restored := startStore(t)
			n, err := Restore(context.Background(), dir, restored, slog.New(slog.DiscardHandler))
			if err != nil || n != 1 {
				t.Fatalf("Restore: %d, %v", n, err)
			}
			want, got := snapshotApp(t, live, app), snapshotApp(t, restored, app)
			if len(want.Jobs) == 0 || len(got.Jobs) != len(want.Jobs) {
				t.Fatalf("restored %d jobs, live %d", len(got.Jobs), len(want.Jobs))
			}
			if got.Source != wire.SourceHistory || want.Source != wire.SourceLive {
				t.Errorf("sources: restored %q, live %q", got.Source, want.Source)
			}
			if got.State != want.State || got.NumJobs != want.NumJobs || got.NumCompletedJobs != want.NumCompletedJobs ||
				got.NumFailedJobs != want.NumFailedJobs || got.TotalCores != want.TotalCores ||
				got.KernelID != want.KernelID || got.NotebookPath != want.NotebookPath || got.StartTime != want.StartTime ||
				*got.EndTime != *want.EndTime || got.SparkVersion != want.SparkVersion || got.Master != want.Master {
				t.Errorf("app differs:\nrestored %+v\nlive     %+v", header(got), header(want))
			}
			if !reflect.DeepEqual(got.Jobs, want.Jobs) {
				gj, _ := json.Marshal(got.Jobs)
				wj, _ := json.Marshal(want.Jobs)
				t.Errorf("jobs differ:\nrestored %s\nlive     %s", gj, wj)
			}
			if !reflect.DeepEqual(got.SQLExecutions, want.SQLExecutions) {
				t.Errorf("SQL executions differ:\nrestored %+v\nlive     %+v", got.SQLExecutions, want.SQLExecutions)
			}
		})
	}
}

func header(a wire.App) wire.App {
	a.Jobs, a.SQLExecutions = nil, nil
	return a
}
