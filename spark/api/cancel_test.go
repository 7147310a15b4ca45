package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// fakeController records the control frames sent, or fails with err.
type fakeController struct {
	mu   sync.Mutex
	sent []string // "appId type id"
	err  error
}

func (f *fakeController) Send(appID string, c event.Control) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	b, _ := json.Marshal(c)
	f.sent = append(f.sent, appID+" "+string(b))
	return nil
}

func (f *fakeController) frames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

func setupCancel(t *testing.T, readOnly bool) (*httptest.Server, *state.Store, *fakeController) {
	t.Helper()
	ctl := &fakeController{}
	srv, store := serve(t, state.Options{ReadOnly: readOnly}, Options{ReadOnly: func() bool { return readOnly }, Controller: ctl})
	return srv, store, ctl
}

func ptr[T any](v T) *T { return &v }

// runningApp: app appID (kernel "kernel-{appID}") with job 0 (cell c1, stage 0 active, stage 1 pending) running and job 1 (cell c1) done.
func runningApp(t testing.TB, s *state.Store, appID string, killEnabled bool) {
	t.Helper()
	evs := []event.Event{
		&event.Hello{AppID: appID, Protocol: 1, KillEnabled: &killEnabled, KernelID: "kernel-" + appID},
		&event.JobStart{JobID: 1, CellID: ptr("c1"), Stages: []event.StageInfo{{StageID: 5, NumTasks: 1}}},
		&event.StageSubmitted{StageID: 5, NumTasks: 1},
		&event.StageCompleted{StageID: 5, Status: "COMPLETE"},
		&event.JobEnd{JobID: 1, Result: "SUCCEEDED"},
		&event.JobStart{JobID: 0, CellID: ptr("c1"), Stages: []event.StageInfo{{StageID: 0, NumTasks: 2}, {StageID: 1, NumTasks: 2}}},
		&event.StageSubmitted{StageID: 0, NumTasks: 2},
	}
	for _, ev := range evs {
		if err := s.Submit(context.Background(), appID, ev); err != nil {
			t.Fatal(err)
		}
	}
}

func post(t *testing.T, url string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set(SecretHeader, secret)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	code, m, h := roundTrip(t, req)
	if h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("POST %s answered with CORS headers", url)
	}
	return code, m
}

var csrf = map[string]string{CSRFHeader: "1"}

func TestCancelSendsTheControlFrameAndAnswers202(t *testing.T) {
	srv, store, ctl := setupCancel(t, false)
	runningApp(t, store, "app-1", true)
	runningApp(t, store, "app-2", true)
	base := srv.URL + prefix + "api/"
	cases := []struct{ path, frame string }{
		{"apps/app-1/jobs/0/cancel", `app-1 {"type":"cancelJob","jobId":0,"reason":"via SparkMonitor"}`},
		{"apps/app-1/stages/0/cancel", `app-1 {"type":"cancelStage","stageId":0,"reason":"stage 0 was cancelled via SparkMonitor"}`},
		{"apps/app-1/stages/1/cancel", `app-1 {"type":"cancelStage","stageId":1,"reason":"stage 1 was cancelled via SparkMonitor"}`}, // PENDING
	}
	for i, c := range cases {
		code, body := post(t, base+c.path, csrf)
		if code != http.StatusAccepted || body["status"] != "success" || body["data"].(map[string]any)["requested"] != 1.0 {
			t.Fatalf("POST %s: %d %v", c.path, code, body)
		}
		if got := ctl.frames(); len(got) != i+1 || got[i] != c.frame {
			t.Fatalf("POST %s sent %v, want %s", c.path, got, c.frame)
		}
	}
	code, body := post(t, base+"cells/c1/cancel", map[string]string{CSRFHeader: "1", "Origin": srv.URL})
	if code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 2.0 {
		t.Fatalf("cell cancel: %d %v", code, body)
	}
	got := ctl.frames()[3:]
	want := []string{`app-1 {"type":"cancelCell","cellId":"c1","reason":"via SparkMonitor (the cell was cancelled)"}`,
		`app-2 {"type":"cancelCell","cellId":"c1","reason":"via SparkMonitor (the cell was cancelled)"}`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("cell cancel sent %v", got)
	}
	code, body = post(t, base+"cells/idle-cell/cancel", csrf)
	if code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 0.0 || len(ctl.frames()) != 5 {
		t.Fatalf("a cell with nothing running: %d %v", code, body)
	}
	// The same cell id in the notebook of app-2's kernel only (a copy of a notebook has the same cell ids).
	code, body = post(t, base+"cells/c1/cancel?kernelId=kernel-app-2&notebookPath=copy.ipynb", csrf)
	if got := ctl.frames()[5:]; code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 1.0 ||
		len(got) != 1 || !strings.HasPrefix(got[0], "app-2 ") {
		t.Fatalf("cell cancel in app-2's notebook: %d %v, sent %v", code, body, got)
	}
}

func TestCancelRefusals(t *testing.T) {
	srv, store, ctl := setupCancel(t, false)
	runningApp(t, store, "app-1", true)
	runningApp(t, store, "no-kill", false)
	runningApp(t, store, "gone", true)
	if err := store.Submit(context.Background(), "gone", &state.Disconnected{}); err != nil {
		t.Fatal(err)
	}
	base := srv.URL + prefix + "api/"
	cases := []struct {
		name, path string
		hdr        map[string]string
		code       int
		errorType  string
	}{
		{"no CSRF header", "apps/app-1/jobs/0/cancel", nil, 403, "forbidden"},
		{"wrong CSRF value", "apps/app-1/jobs/0/cancel", map[string]string{CSRFHeader: "yes"}, 403, "forbidden"},
		{"cross origin", "apps/app-1/jobs/0/cancel", map[string]string{CSRFHeader: "1", "Origin": "https://evil.example"}, 403, "forbidden"},
		{"unknown app", "apps/nope/jobs/0/cancel", csrf, 404, "not_found"},
		{"unknown job", "apps/app-1/jobs/7/cancel", csrf, 404, "not_found"},
		{"unknown stage", "apps/app-1/stages/9/cancel", csrf, 404, "not_found"},
		{"finished job", "apps/app-1/jobs/1/cancel", csrf, 409, "conflict"},
		{"completed stage", "apps/app-1/stages/5/cancel", csrf, 409, "conflict"},
		{"killEnabled=false", "apps/no-kill/jobs/0/cancel", csrf, 403, "forbidden"},
		{"listener disconnected", "apps/gone/jobs/0/cancel", csrf, 503, "unavailable"},
	}
	for _, c := range cases {
		code, body := post(t, base+c.path, c.hdr)
		if code != c.code || body["errorType"] != c.errorType || body["error"] == "" {
			t.Errorf("%s: %d %v, want %d %s", c.name, code, body, c.code, c.errorType)
		}
	}
	if got := ctl.frames(); len(got) != 0 {
		t.Errorf("refused requests sent %v", got)
	}
	// A cell whose only apps cannot take a cancel gets the first refusal; one app that can is enough.
	if code, body := post(t, base+"cells/c1/cancel", csrf); code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 1.0 {
		t.Errorf("cell with one cancellable app: %d %v", code, body)
	}
	ctl.err = errors.New(`app "app-1": the application's listener is not connected`)
	if code, body := post(t, base+"apps/app-1/jobs/0/cancel", csrf); code != 503 || !strings.Contains(body["error"].(string), "not connected") {
		t.Errorf("controller failure: %d %v", code, body)
	}
	if code, body := post(t, base+"cells/c1/cancel", csrf); code != 503 || !strings.Contains(body["error"].(string), "app-1") {
		t.Errorf("cell with no app that can take it (the first, app-1, fails to send): %d %v", code, body)
	}
	if code, _ := get(t, base+"apps/app-1/jobs/0/cancel", true); code == http.StatusAccepted {
		t.Errorf("GET on a cancel endpoint: %d", code)
	}
}

func TestReadOnlyRefusesCancelAndSaysSo(t *testing.T) {
	srv, store, ctl := setupCancel(t, true)
	runningApp(t, store, "app-1", true)
	code, body := post(t, srv.URL+prefix+"api/apps/app-1/jobs/0/cancel", csrf)
	if code != 403 || !strings.Contains(body["error"].(string), "read-only") || len(ctl.frames()) != 0 {
		t.Fatalf("read-only: %d %v", code, body)
	}
	_, body = get(t, srv.URL+prefix+"api/apps/app-1", true)
	if body["data"].(map[string]any)["cancelEnabled"] != false {
		t.Errorf("read-only app says cancelEnabled: %v", body["data"])
	}
}

func TestCancelEnabledFollowsKillEnabledAndTheConnection(t *testing.T) {
	srv, store, _ := setupCancel(t, false)
	runningApp(t, store, "app-1", true)
	runningApp(t, store, "no-kill", false)
	enabled := func() map[string]any {
		_, body := get(t, srv.URL+prefix+"api/apps", true)
		out := map[string]any{}
		for _, a := range body["data"].([]any) {
			out[a.(map[string]any)["appId"].(string)] = a.(map[string]any)["cancelEnabled"]
		}
		return out
	}
	if got := enabled(); got["app-1"] != true || got["no-kill"] != false {
		t.Fatalf("cancelEnabled = %v", got)
	}
	if err := store.Submit(context.Background(), "app-1", &state.Disconnected{}); err != nil {
		t.Fatal(err)
	}
	if got := enabled(); got["app-1"] != false {
		t.Fatalf("a disconnected app: cancelEnabled = %v", got)
	}
}

// A Spark Connect server runs two notebooks' jobs under one cell id: cancelling the cell in one notebook cancels its
// own jobs, one by one, and not the other notebook's.
func TestCancelCellOfAConnectServerCancelsOnlyItsNotebooksJobs(t *testing.T) {
	srv, store, ctl := setupCancel(t, false)
	kill := true
	for _, ev := range []event.Event{
		&event.Hello{AppID: "connect", Protocol: 1, KillEnabled: &kill},
		&event.JobStart{JobID: 0, CellID: ptr("c1"), KernelID: "kernel-a", Stages: []event.StageInfo{{StageID: 0, NumTasks: 1}}},
		&event.JobStart{JobID: 1, CellID: ptr("c1"), KernelID: "kernel-b", Stages: []event.StageInfo{{StageID: 1, NumTasks: 1}}},
		&event.JobStart{JobID: 2, CellID: ptr("c1"), KernelID: "kernel-a", Stages: []event.StageInfo{{StageID: 2, NumTasks: 1}}},
	} {
		if err := store.Submit(context.Background(), "connect", ev); err != nil {
			t.Fatal(err)
		}
	}
	code, body := post(t, srv.URL+prefix+"api/cells/c1/cancel?kernelId=kernel-a&notebookPath=a.ipynb", csrf)
	want := []string{`connect {"type":"cancelJob","jobId":0,"reason":"via SparkMonitor (the cell was cancelled)"}`,
		`connect {"type":"cancelJob","jobId":2,"reason":"via SparkMonitor (the cell was cancelled)"}`}
	if got := ctl.frames(); code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 2.0 ||
		strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("cell cancel: %d %v, sent %v", code, body, got)
	}
}
