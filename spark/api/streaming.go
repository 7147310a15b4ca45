package api

import (
	"context"
	"net/http"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Structured Streaming queries (API.md "Streaming queries"): they travel in api/ws beside the jobs; the stop
// endpoint follows the cancel endpoints' rules (CSRF header, read-only, spark.ui.killEnabled).

// Streams answers what a stop request needs to know; *state.Store implements it. Safe for concurrent use.
type Streams interface {
	CheckStream(ctx context.Context, appID, queryID string) (state.StreamCheck, error)
}

func (h *handler) registerStreams(p *mux.Router) {
	p.HandleFunc("/api/apps/{appId}/streams/{queryId}/stop", h.cancel(h.stopStream)).Methods(http.MethodPost)
}

// stopStream asks the listener to stop an active streaming query: 404 unknown app or query, 409 not active, then
// canSend's 503 and 403.
func (h *handler) stopStream(r *http.Request) (int, error) {
	if h.opts.Streams == nil {
		return 0, refuse(http.StatusServiceUnavailable, "unavailable", "stopping streams is not available in this monitor")
	}
	appID, queryID := mux.Vars(r)["appId"], mux.Vars(r)["queryId"]
	c, err := h.opts.Streams.CheckStream(r.Context(), appID, queryID)
	if err != nil {
		return 0, err
	}
	switch {
	case c.App == nil:
		return 0, refuse(http.StatusNotFound, "not_found", "unknown application %s", appID)
	case !c.Found:
		return 0, refuse(http.StatusNotFound, "not_found", "application %s has no streaming query %s", appID, queryID)
	case !c.Active:
		return 0, refuse(http.StatusConflict, "conflict", "streaming query %s of application %s is not active", queryID, appID)
	}
	if err := canSend(c.App); err != nil {
		return 0, err
	}
	return 1, h.send(appID, event.StopStream(queryID))
}

// mergeStreams folds b's changed queries into a: into the snapshot's apps (apps indexes them), or a's changes.
func mergeStreams(a *wire.Update, b wire.Update, apps map[string]int) {
	same := func(x, y wire.StreamingQuery) bool { return x.AppID == y.AppID && x.QueryID == y.QueryID }
	for _, x := range b.StreamingQueries {
		if a.Type == wire.UpdateSnapshot {
			app := &a.Apps[apps[x.AppID]]
			app.StreamingQueries = upsert(app.StreamingQueries, x, same)
		} else {
			a.StreamingQueries = upsert(a.StreamingQueries, x, same)
		}
	}
}

// streams keeps the queries of the view's notebook: under a cell, of an application of that notebook.
func (v *notebookView) streams(qs []wire.StreamingQuery) []wire.StreamingQuery {
	var out []wire.StreamingQuery
	for _, q := range qs {
		app, ok := v.apps[q.AppID]
		if ok && q.CellID != nil && (state.Cell{ID: *q.CellID, KernelID: v.kernelID, NotebookPath: v.path}).Runs(&app) {
			out = append(out, q)
		}
	}
	return out
}
