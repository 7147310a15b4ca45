package api

import (
	"net/http"
	"strconv"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// timeline answers GET api/timeline?cellId=…[&kernelId=…][&notebookPath=…][&maxTasks=N]: the cell's jobs, stages, sampled tasks and executor
// activity (API.md). maxTasks=0 leaves the task spans out (the Executors tab draws none); above
// state.MaxTimelineTasks it is clamped.
func (h *handler) timeline(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cellID := q.Get("cellId")
	if cellID == "" {
		respondError(w, http.StatusBadRequest, "bad_request", "missing query parameter cellId (the notebook cell's id)")
		return
	}
	maxTasks := state.DefaultTimelineTasks
	if s := q.Get("maxTasks"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			respondError(w, http.StatusBadRequest, "bad_request",
				"maxTasks must be a whole number, 0 or more (0: no task spans; at most "+strconv.Itoa(state.MaxTimelineTasks)+" are used), got "+strconv.Quote(s))
			return
		}
		maxTasks = n // Store.Timeline clamps it
	}
	tl, err := h.opts.Source.Timeline(r.Context(), cellOf(r, cellID), maxTasks)
	if err != nil {
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	respond(w, tl)
}

// cellOf names the cell cellID of the notebook given by the request's optional kernelId and notebookPath query
// parameters (API.md § Cells).
func cellOf(r *http.Request, cellID string) state.Cell {
	q := r.URL.Query()
	return state.Cell{ID: cellID, KernelID: q.Get("kernelId"), NotebookPath: q.Get("notebookPath")}
}
