package api

import (
	"context"
	"net/http"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// LogSource serves the driver log lines of a cell; a Source that also implements it serves api/logs (state.Store
// does). Safe for concurrent use.
type LogSource interface {
	Logs(ctx context.Context, cell state.Cell) (wire.CellLogs, error)
}

// logs answers GET api/logs?cellId=…[&kernelId=…][&notebookPath=…]: the driver log lines logged while the cell ran
// (API.md).
func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	cellID := r.URL.Query().Get("cellId")
	if cellID == "" {
		respondError(w, http.StatusBadRequest, "bad_request", "missing query parameter cellId (the notebook cell's id)")
		return
	}
	src, ok := h.opts.Source.(LogSource)
	if !ok {
		respondError(w, http.StatusServiceUnavailable, "unavailable", "this monitor keeps no driver log lines")
		return
	}
	logs, err := src.Logs(r.Context(), cellOf(r, cellID))
	if err != nil {
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	respond(w, logs)
}
