package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

const (
	prefix = "/user/alice/sparkmonitor/"
	secret = "proxy-secret"
)

func setup(t *testing.T) (*httptest.Server, *state.Store, chan time.Time) {
	t.Helper()
	tick := make(chan time.Time)
	srv, store := serve(t, state.Options{Tick: tick}, Options{})
	return srv, store, tick
}

// serve runs a store and the API over it; opts gets the prefix, secret, store and version filled in.
func serve(t *testing.T, storeOpts state.Options, opts Options) (*httptest.Server, *state.Store) {
	t.Helper()
	store := state.New(storeOpts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- store.Run(ctx) }()
	opts.Prefix, opts.ProxySecret, opts.Source, opts.Version = prefix, secret, store, "test"
	if opts.Targets == nil && opts.Controller != nil {
		opts.Targets = store
	}
	if opts.CellRuns == nil {
		opts.CellRuns = store
	}
	if opts.Plans == nil {
		opts.Plans = store
	}
	h, err := Handler(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("store: %v", err)
		}
	})
	return srv, store
}

func get(t *testing.T, url string, withSecret bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if withSecret {
		req.Header.Set(SecretHeader, secret)
	}
	code, m, _ := roundTrip(t, req)
	return code, m
}

// roundTrip sends req and decodes the JSON answer.
func roundTrip(t *testing.T, req *http.Request) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m, resp.Header
}

func submit(t *testing.T, s *state.Store, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Submit(context.Background(), "app-1", ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEveryRouteNeedsTheProxySecret(t *testing.T) {
	srv, _, _ := setup(t)
	for _, path := range []string{"/", prefix, prefix + "api/apps", prefix + "api/health", prefix + "api/ws", prefix + "api/apps/x"} {
		code, body := get(t, srv.URL+path, false)
		if code != http.StatusUnauthorized || body["errorType"] != "unauthorized" {
			t.Errorf("GET %s without the secret: %d %v", path, code, body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+prefix+"api/apps", nil)
	req.Header.Set(SecretHeader, "wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong secret: %v %v", resp.StatusCode, err)
	}
}

func TestAppsAndAppEndpoints(t *testing.T) {
	srv, store, _ := setup(t)
	ui := "http://127.0.0.1:4040"
	cell := "c-1"
	submit(t, store, &event.Hello{AppID: "app-1", AppName: "demo", UIURL: &ui, KernelID: "k-1", NotebookPath: "nb.ipynb"},
		&event.JobStart{JobID: 0, CellID: &cell, Stages: []event.StageInfo{{StageID: 0, NumTasks: 8}}})
	code, body := get(t, srv.URL+prefix+"api/apps", true)
	apps, _ := body["data"].([]any)
	if code != 200 || body["status"] != "success" || len(apps) != 1 {
		t.Fatalf("api/apps: %d %v", code, body)
	}
	app := apps[0].(map[string]any)
	if app["appId"] != "app-1" || app["uiUrl"] != ui || app["kernelId"] != "k-1" || app["numJobs"] != 1.0 || app["state"] != "RUNNING" {
		t.Errorf("app = %v", app)
	}
	if _, hasJobs := app["jobs"]; hasJobs {
		t.Error("api/apps must not carry jobs")
	}
	code, body = get(t, srv.URL+prefix+"api/apps/app-1", true)
	jobs := body["data"].(map[string]any)["jobs"].([]any)
	if code != 200 || len(jobs) != 1 || jobs[0].(map[string]any)["cellId"] != cell || jobs[0].(map[string]any)["numTasks"] != 8.0 {
		t.Errorf("api/apps/app-1: %d %v", code, body)
	}
	if code, body := get(t, srv.URL+prefix+"api/apps/nope", true); code != 404 || body["errorType"] != "not_found" {
		t.Errorf("unknown app: %d %v", code, body)
	}
}

func TestDashboardIsServedUnderThePrefix(t *testing.T) {
	srv, _, _ := setup(t)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+prefix, nil)
	req.Header.Set(SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `id="apps"`) || !strings.Contains(string(body), `src="dashboard.js"`) {
		t.Fatalf("dashboard: %d %s", resp.StatusCode, body)
	}
}

func dialWS(t *testing.T, srv *httptest.Server, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	h := http.Header{}
	h.Set(SecretHeader, secret)
	if origin != "" {
		h.Set("Origin", origin)
	}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+prefix+"api/ws", h)
}

func TestWebSocketSendsSnapshotThenDeltas(t *testing.T) {
	srv, store, tick := setup(t)
	submit(t, store, &event.Hello{AppID: "app-1"}, &event.JobStart{JobID: 0, Stages: []event.StageInfo{{StageID: 0, NumTasks: 2}}})
	conn, _, err := dialWS(t, srv, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var u wire.Update
	if err := conn.ReadJSON(&u); err != nil {
		t.Fatal(err)
	}
	if u.Type != "snapshot" || len(u.Apps) != 1 || len(u.Apps[0].Jobs) != 1 {
		t.Fatalf("first frame = %+v", u)
	}
	submit(t, store, &event.StageSubmitted{StageID: 0, NumTasks: 2}, &event.TaskStart{StageID: 0, TaskID: 1},
		&event.TaskEnd{StageID: 0, TaskID: 1, Status: "SUCCESS"})
	tick <- time.Now()
	if err := conn.ReadJSON(&u); err != nil {
		t.Fatal(err)
	}
	if u.Type != "delta" || len(u.Jobs) != 1 || u.Jobs[0].NumCompletedTasks != 1 {
		t.Fatalf("delta = %+v", u)
	}
}

func TestWebSocketRefusesCrossOrigin(t *testing.T) {
	srv, _, _ := setup(t)
	_, resp, err := dialWS(t, srv, "http://evil.example")
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: err=%v resp=%v", err, resp)
	}
}

func TestMergeCoalescesDeltas(t *testing.T) {
	a := wire.Update{Type: "delta", Apps: []wire.App{{AppID: "x", NumJobs: 1}}, Jobs: []wire.Job{{AppID: "x", JobID: 0, NumCompletedTasks: 1}}}
	b := wire.Update{Type: "delta", Apps: []wire.App{{AppID: "x", NumJobs: 2}}, Jobs: []wire.Job{{AppID: "x", JobID: 0, NumCompletedTasks: 2}, {AppID: "x", JobID: 1}}}
	m := merge(a, b)
	if len(m.Apps) != 1 || m.Apps[0].NumJobs != 2 || len(m.Jobs) != 2 || m.Jobs[0].NumCompletedTasks != 2 {
		t.Fatalf("merged = %+v", m)
	}
	snap := wire.Update{Type: "snapshot", Apps: []wire.App{{AppID: "x", Jobs: []wire.Job{{AppID: "x", JobID: 0}}}}}
	m = merge(snap, b)
	if m.Type != "snapshot" || len(m.Apps[0].Jobs) != 2 || m.Apps[0].Jobs[0].NumCompletedTasks != 2 || m.Apps[0].NumJobs != 2 {
		t.Fatalf("snapshot merged = %+v", m)
	}
}

func TestTimelineEndpoint(t *testing.T) {
	srv, store, _ := setup(t)
	cell := "c-1"
	submit(t, store, &event.Hello{AppID: "app-1"},
		&event.ExecutorAdded{Header: event.Header{Time: 1}, ExecutorID: "driver", Host: "h", Cores: 2},
		&event.JobStart{Header: event.Header{Time: 2}, JobID: 0, CellID: &cell, Stages: []event.StageInfo{{StageID: 0, NumTasks: 3}}},
		&event.StageSubmitted{Header: event.Header{Time: 3}, StageID: 0, NumTasks: 3})
	for i := range 3 {
		submit(t, store, &event.TaskStart{Header: event.Header{Time: 4}, StageID: 0, TaskID: int64(i), ExecutorID: "driver"},
			&event.TaskEnd{Header: event.Header{Time: 9}, StageID: 0, TaskID: int64(i), ExecutorID: "driver", LaunchTime: 4, Status: "SUCCESS"})
	}
	submit(t, store, &event.JobEnd{Header: event.Header{Time: 10}, JobID: 0, Result: "SUCCEEDED"})

	code, body := get(t, srv.URL+prefix+"api/timeline?cellId=c-1&maxTasks=2", true)
	if code != 200 || body["status"] != "success" {
		t.Fatalf("timeline: %d %v", code, body)
	}
	data := body["data"].(map[string]any)
	apps := data["apps"].([]any)
	if data["cellId"] != cell || len(apps) != 1 {
		t.Fatalf("timeline data = %v", data)
	}
	app := apps[0].(map[string]any)
	for _, field := range []string{"appId", "start", "end", "jobs", "stages", "tasks", "numTasks", "sampled", "executors", "activity"} {
		if _, ok := app[field]; !ok {
			t.Errorf("timeline app lacks %q: %v", field, app)
		}
	}
	if app["numTasks"] != 3.0 || len(app["tasks"].([]any)) != 2 || app["sampled"] != true || app["end"] != 10.0 {
		t.Errorf("timeline app = %v", app)
	}
	span := app["tasks"].([]any)[0].(map[string]any)
	if span["status"] != "SUCCESS" || span["start"] != 4.0 || span["end"] != 9.0 || span["executorId"] != "driver" {
		t.Errorf("span = %v", span)
	}
	if code, body := get(t, srv.URL+prefix+"api/timeline?cellId=nope", true); code != 200 || len(body["data"].(map[string]any)["apps"].([]any)) != 0 {
		t.Errorf("unknown cell: %d %v", code, body)
	}
	if code, body := get(t, srv.URL+prefix+"api/timeline?cellId=c-1&maxTasks=999999", true); code != 200 ||
		len(body["data"].(map[string]any)["apps"].([]any)[0].(map[string]any)["tasks"].([]any)) != 3 {
		t.Errorf("maxTasks above the bound is clamped, not refused: %d %v", code, body)
	}
	if code, body := get(t, srv.URL+prefix+"api/timeline?cellId=c-1&maxTasks=0", true); code != 200 {
		t.Errorf("maxTasks=0: %d %v", code, body)
	} else if app := body["data"].(map[string]any)["apps"].([]any)[0].(map[string]any); len(app["tasks"].([]any)) != 0 ||
		app["numTasks"] != 3.0 || app["sampled"] != true || len(app["activity"].([]any)) == 0 || len(app["executors"].([]any)) != 1 {
		t.Errorf("maxTasks=0 leaves out the task spans, and only them: %v", app)
	}
	for _, q := range []string{"", "?maxTasks=5", "?cellId=", "?cellId=c-1&maxTasks=abc", "?cellId=c-1&maxTasks=-3", "?cellId=c-1&maxTasks=1.5"} {
		code, body := get(t, srv.URL+prefix+"api/timeline"+q, true)
		if msg, _ := body["error"].(string); code != 400 || body["errorType"] != "bad_request" || !strings.Contains(msg, "cellId") && !strings.Contains(msg, "maxTasks") {
			t.Errorf("GET api/timeline%s: %d %v", q, code, body)
		}
	}
	if code, body := get(t, srv.URL+prefix+"api/timeline?cellId=c-1", false); code != 401 || body["errorType"] != "unauthorized" {
		t.Errorf("without the secret: %d %v", code, body)
	}
}

func TestMergeCoalescesSQLExecutions(t *testing.T) {
	run := func(id int64, status string) wire.SQLExecution {
		return wire.SQLExecution{AppID: "x", ExecutionID: id, Status: status}
	}
	a := wire.Update{Type: "delta", Apps: []wire.App{{AppID: "x"}}, SQLExecutions: []wire.SQLExecution{run(0, "RUNNING")}}
	b := wire.Update{Type: "delta", Apps: []wire.App{{AppID: "x"}}, SQLExecutions: []wire.SQLExecution{run(0, "COMPLETED"), run(1, "RUNNING")}}
	m := merge(a, b)
	if len(m.SQLExecutions) != 2 || m.SQLExecutions[0].Status != "COMPLETED" || m.SQLExecutions[1].ExecutionID != 1 {
		t.Fatalf("merged = %+v", m.SQLExecutions)
	}
	snap := wire.Update{Type: "snapshot", Apps: []wire.App{{AppID: "x", SQLExecutions: []wire.SQLExecution{run(0, "RUNNING")}}}}
	m = merge(snap, b)
	if got := m.Apps[0].SQLExecutions; m.Type != "snapshot" || len(got) != 2 || got[0].Status != "COMPLETED" || len(m.SQLExecutions) != 0 {
		t.Fatalf("snapshot merged = %+v", m)
	}
}
