package api

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// The history endpoints (API.md "History"): opening a Spark event log from the dashboard.

// EventLogs opens Spark event logs uploaded from the dashboard; cmd adapts spark/history to it. Safe for concurrent
// use.
type EventLogs interface {
	// Open reads an event log (plain or zstd-compressed JSON lines) from r, keeps it and adds its application.
	// Errors wrap ErrBadEventLog (the reason names the line), ErrEventLogTooLarge or ErrEventLogExists.
	Open(ctx context.Context, r io.Reader) (appID string, err error)
}

// Errors an EventLogs returns, wrapped with the reason.
var (
	ErrBadEventLog      = errors.New("not a readable Spark event log")
	ErrEventLogTooLarge = errors.New("event log too large")
	ErrEventLogExists   = errors.New("application already listed")
)

func (h *handler) history() *HistoryStatus {
	if h.opts.History == nil {
		return nil
	}
	s := h.opts.History()
	return &s
}

// openEventLog is POST api/eventlogs: the body is the file.
func (h *handler) openEventLog(w http.ResponseWriter, r *http.Request) {
	if err := checkCSRF(r); err != nil {
		var ce *errCancel
		errors.As(err, &ce)
		respondError(w, ce.code, ce.errorType, ce.msg)
		return
	}
	if h.opts.EventLogs == nil {
		respondError(w, http.StatusServiceUnavailable, "unavailable",
			"opening event logs needs the monitor's history (history.enabled is false in its config file)")
		return
	}
	id, err := h.opts.EventLogs.Open(r.Context(), r.Body)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		respondBody(w, map[string]any{"appId": id})
	case errors.Is(err, ErrBadEventLog):
		h.opts.Logger.Debug("event log refused", "err", err)
		respondError(w, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, ErrEventLogTooLarge):
		respondError(w, http.StatusRequestEntityTooLarge, "bad_request", err.Error())
	case errors.Is(err, ErrEventLogExists):
		respondError(w, http.StatusConflict, "conflict", err.Error())
	default:
		h.opts.Logger.Error("opening an event log failed", "err", err)
		respondError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}
