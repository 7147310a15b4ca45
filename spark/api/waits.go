package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Waits says why nothing moves in a running cell; *state.Store implements it. Safe for concurrent use.
type Waits interface {
	CellWaits(ctx context.Context, cell state.Cell, runStart, now int64, stallAfter time.Duration) (wire.CellWaits, error)
}

// Bounds of the stallAfterMs query parameter.
const (
	minStallAfter = time.Second
	maxStallAfter = 10 * time.Minute
)

// cellWaits answers GET api/cells/{cellId}/waits?since=ms[&kernelId=…][&notebookPath=…][&stallAfterMs=N] (API.md
// § Waits): why nothing moved in the cell, whose run started at since (epoch ms, the kernel's clock), for
// stallAfterMs (default state.DefaultStallAfter), and its running tasks slower than 5× their stage's median.
func (h *handler) cellWaits(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := strconv.ParseInt(q.Get("since"), 10, 64)
	if err != nil || since <= 0 {
		respondError(w, http.StatusBadRequest, "bad_request",
			"since must be the cell run's start in epoch ms (a whole number above 0), got "+strconv.Quote(q.Get("since")))
		return
	}
	after := state.DefaultStallAfter
	if s := q.Get("stallAfterMs"); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || time.Duration(ms)*time.Millisecond < minStallAfter || time.Duration(ms)*time.Millisecond > maxStallAfter {
			respondError(w, http.StatusBadRequest, "bad_request",
				"stallAfterMs must be a whole number of ms from 1000 to 600000, got "+strconv.Quote(s))
			return
		}
		after = time.Duration(ms) * time.Millisecond
	}
	if h.opts.Waits == nil {
		respondError(w, http.StatusServiceUnavailable, "unavailable", "this server does not report waits")
		return
	}
	out, err := h.opts.Waits.CellWaits(r.Context(), cellOf(r, mux.Vars(r)["cellId"]), since, time.Now().UnixMilli(), after)
	if err != nil {
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	respond(w, out)
}
