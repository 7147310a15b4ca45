package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func cellJob(id int, t int64, cell string) *event.JobStart {
	js := &event.JobStart{Header: event.Header{Time: t}, JobID: id, Stages: []event.StageInfo{{StageID: id, NumTasks: 1}}}
	if cell != "" {
		js.CellID = &cell
	}
	return js
}

func submitTo(t *testing.T, s *state.Store, app string, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// jobIDs lists "app/job" of an update's jobs (snapshot or delta).
func jobIDs(u wire.Update) []string {
	var out []string
	add := func(j wire.Job) { out = append(out, j.AppID+"/"+string(rune('0'+j.JobID))) }
	for _, a := range u.Apps {
		for _, j := range a.Jobs {
			add(j)
		}
	}
	for _, j := range u.Jobs {
		add(j)
	}
	return out
}

// A notebook's page subscribes with its kernel and path and gets only the jobs under its cells, decided by the
// server: copies of the notebook share cell ids; a leading "/" in the path changes nothing; jobs of no cell are left
// out; every application's header still comes.
func TestWebSocketOfANotebookCarriesOnlyItsCellsJobs(t *testing.T) {
	srv, store, tick := setup(t)
	for _, nb := range []struct{ app, kernel, path string }{
		{"app-a", "k-a", "/home/u/work/a.ipynb"},
		{"app-b", "k-b", "/home/u/work/a-Copy1.ipynb"},
	} {
		submitTo(t, store, nb.app, &event.Hello{AppID: nb.app, KernelID: nb.kernel, NotebookPath: nb.path},
			cellJob(0, 10, "c"), cellJob(1, 11, ""))
	}
	tick <- time.Now() // what was started so far goes out now, not in the deltas below
	for i, path := range []string{"work/a.ipynb", "/work/a.ipynb"} {
		h := http.Header{}
		h.Set(SecretHeader, secret)
		q := url.Values{"kernelId": {"k-a"}, "notebookPath": {path}}
		conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+prefix+"api/ws?"+q.Encode(), h)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var u wire.Update
		if err := conn.ReadJSON(&u); err != nil {
			t.Fatal(err)
		}
		want := []string{"app-a/0 app-a/2", "app-a/0 app-a/2 app-a/3"}[i][:7+8*i]
		if got := jobIDs(u); len(u.Apps) != 2 || strings.Join(got, " ") != want {
			t.Errorf("%s: snapshot has %d apps, jobs %v; want 2 apps, [%s]", path, len(u.Apps), got, want)
		}
		submitTo(t, store, "app-b", cellJob(2+i, 12, "c"))
		submitTo(t, store, "app-a", cellJob(2+i, 12, "c"))
		tick <- time.Now()
		var d wire.Update
		if err := conn.ReadJSON(&d); err != nil {
			t.Fatal(err)
		}
		if got, want := jobIDs(d), "app-a/"+string(rune('2'+i)); d.Type != "delta" || strings.Join(got, " ") != want {
			t.Errorf("%s: delta %s jobs %v, want [%s]", path, d.Type, got, want)
		}
		_ = conn.Close()
	}
}

func postRun(t *testing.T, srv string, cell, path, body string, csrf bool) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv+prefix+"api/cells/"+cell+"/runs?notebookPath="+url.QueryEscape(path),
		strings.NewReader(body))
	req.Header.Set(SecretHeader, secret)
	if csrf {
		req.Header.Set(CSRFHeader, "1")
	}
	code, _, _ := roundTrip(t, req)
	return code
}

// A kernel without the cell-id hook tags nothing: the browser reports its cells' runs, and the server puts each job
// of that notebook's app under the cell whose run contains its submission, whichever arrives first. A hooked
// kernel's app (it has a kernel id) is left alone.
func TestReportedCellRunsPlaceJobsOfKernelsWithoutTheHook(t *testing.T) {
	srv, store := serve(t, state.Options{}, Options{})
	submitTo(t, store, "mini", &event.Hello{AppID: "mini", NotebookPath: "/home/u/nb/mini.ipynb"}, cellJob(0, 100, ""))
	submitTo(t, store, "hooked", &event.Hello{AppID: "hooked", KernelID: "k", NotebookPath: "/home/u/nb/mini.ipynb"},
		cellJob(0, 100, ""))
	for _, c := range []struct {
		cell, body string
		csrf       bool
		want       int
	}{
		{"m1", `{"start":50,"end":150}`, false, http.StatusForbidden},
		{"m1", `{"start":50,"end":40}`, true, http.StatusBadRequest},
		{"m1", `{"end":40}`, true, http.StatusBadRequest},
		{"m1", `not json`, true, http.StatusBadRequest},
		{"m1", `{"start":50,"end":150}`, true, http.StatusNoContent},
		{"m2", `{"start":180,"end":null}`, true, http.StatusNoContent},
	} {
		if code := postRun(t, srv.URL, c.cell, "nb/mini.ipynb", c.body, c.csrf); code != c.want {
			t.Errorf("POST run %s %s (csrf %v): %d, want %d", c.cell, c.body, c.csrf, code, c.want)
		}
	}
	submitTo(t, store, "mini", cellJob(1, 190, ""), cellJob(2, 30, ""))
	cells := map[string]string{}
	apps, err := store.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		for _, j := range a.Jobs {
			if j.CellID != nil {
				cells[a.AppID+"/"+string(rune('0'+j.JobID))] = *j.CellID
			}
		}
	}
	if want := map[string]string{"mini/0": "m1", "mini/1": "m2"}; len(cells) != 2 || cells["mini/0"] != "m1" || cells["mini/1"] != "m2" {
		t.Errorf("cells %v, want %v", cells, want)
	}
	running, err := store.CellRunningJobs(context.Background(), state.Cell{ID: "m2", NotebookPath: "nb/mini.ipynb"})
	if err != nil || len(running) != 1 || !running[0].ByJob || len(running[0].JobIDs) != 1 {
		t.Errorf("m2's running jobs %+v, %v: want job 1, cancelled by id", running, err)
	}
}
