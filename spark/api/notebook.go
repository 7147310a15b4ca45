package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Which cell owns a job is decided here, on the server only (state.Cell.Owns, state's jobCell and cell runs); the
// extension shows what it is sent (API.md § Cells).

// notebookView filters a WebSocket's updates for one notebook's page (api/ws?kernelId=…&notebookPath=…): of the jobs,
// only those under a cell of that notebook; applications and SQL executions whole. It remembers the notebook of each
// application it has seen (a delta's jobs come without their app when the app did not change); at most one entry per
// application the state holds. Not safe for concurrent use (the connection's writer goroutine owns it).
type notebookView struct {
	kernelID, path string
	apps           map[string]wire.App // app id -> the app's kernelId and notebookPath
}

// newNotebookView returns the view the request asks for, or nil for every job (the dashboard's).
func newNotebookView(r *http.Request) *notebookView {
	q := r.URL.Query()
	if !q.Has("kernelId") && !q.Has("notebookPath") {
		return nil
	}
	return &notebookView{kernelID: q.Get("kernelId"), path: q.Get("notebookPath"), apps: map[string]wire.App{}}
}

func (v *notebookView) filter(u wire.Update) wire.Update {
	if v == nil {
		return u
	}
	if u.Type == wire.UpdateSnapshot {
		clear(v.apps)
	}
	apps := make([]wire.App, len(u.Apps))
	for i, a := range u.Apps {
		v.apps[a.AppID] = wire.App{AppID: a.AppID, KernelID: a.KernelID, NotebookPath: a.NotebookPath}
		a.Jobs = v.owned(a.Jobs)
		apps[i] = a
	}
	u.Apps, u.Jobs = apps, v.owned(u.Jobs)
	u.StreamingQueries = v.streams(u.StreamingQueries)
	for i := range u.Apps {
		u.Apps[i].StreamingQueries = v.streams(u.Apps[i].StreamingQueries)
	}
	return u
}

func (v *notebookView) owned(jobs []wire.Job) []wire.Job {
	var out []wire.Job
	for _, j := range jobs {
		app, ok := v.apps[j.AppID]
		if ok && j.CellID != nil && (state.Cell{ID: *j.CellID, KernelID: v.kernelID, NotebookPath: v.path}).Owns(&app, &j) {
			out = append(out, j)
		}
	}
	return out
}

// CellRuns records the runs of cells of notebooks whose kernel has no cell-id hook; *state.Store implements it. Safe
// for concurrent use.
type CellRuns interface {
	AddCellRun(ctx context.Context, r state.CellRun) error
}

// maxRunBody bounds a cell run report's body.
const maxRunBody = 1 << 10

// cellRun answers POST api/cells/{cellId}/runs?notebookPath=… with the body {"start": ms, "end": ms|null} (API.md
// § Cells): the browser saw the cell of a notebook whose kernel has no cell-id hook start (or end) running.
func (h *handler) cellRun(w http.ResponseWriter, r *http.Request) {
	var refused *errCancel
	if errors.As(checkCSRF(r), &refused) {
		respondError(w, refused.code, refused.errorType, refused.msg)
		return
	}
	var body struct {
		Start *int64 `json:"start"`
		End   *int64 `json:"end"`
	}
	path := r.URL.Query().Get("notebookPath")
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRunBody)).Decode(&body)
	switch {
	case err != nil:
		respondError(w, http.StatusBadRequest, "bad_request", "the body must be {\"start\": ms, \"end\": ms|null}: "+err.Error())
		return
	case body.Start == nil || *body.Start <= 0 || (body.End != nil && *body.End < *body.Start) || path == "":
		respondError(w, http.StatusBadRequest, "bad_request", "a cell run needs notebookPath, start > 0 and end ≥ start (or null)")
		return
	case h.opts.CellRuns == nil:
		respondError(w, http.StatusServiceUnavailable, "unavailable", "cell runs are not recorded by this server")
		return
	}
	run := state.CellRun{NotebookPath: path, CellID: mux.Vars(r)["cellId"], Start: *body.Start}
	if body.End != nil {
		run.End = *body.End
	}
	if err := h.opts.CellRuns.AddCellRun(r.Context(), run); err != nil {
		respondError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
