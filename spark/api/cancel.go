package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The cancel endpoints (API.md "Cancel"). jupyter-server-proxy does not check Jupyter's XSRF token on proxied POSTs,
// so these check their own: a custom header (a cross-site form cannot send it, and a cross-site fetch with it needs a
// CORS preflight this server never answers) and, when the browser sends Origin, that it names the request's Host
// (jupyter-server-proxy forwards the browser's Host).

// CSRFHeader must be "1" on every cancel request.
const CSRFHeader = "X-Sparkmonitor-Csrf"

// Reasons passed to Spark, which appends them to its error: "Job 3 cancelled via SparkMonitor"; a stage's jobs read
// "Job 3 cancelled because stage 4 was cancelled via SparkMonitor" (Spark prefixes a stage's reason with "because").
const (
	CancelReason     = "via SparkMonitor"
	cellCancelReason = "via SparkMonitor (the cell was cancelled)"
)

func stageCancelReason(stageID int) string {
	return fmt.Sprintf("stage %d was cancelled via SparkMonitor", stageID)
}

// Targets answers what a cancel request needs to know; *state.Store implements it. Safe for concurrent use.
type Targets interface {
	CheckJob(ctx context.Context, appID string, jobID int) (state.CancelCheck, error)
	CheckStage(ctx context.Context, appID string, stageID int) (state.CancelCheck, error)
	CellRunningJobs(ctx context.Context, cell state.Cell) ([]state.CellJobs, error)
}

// Controller delivers a control frame to an application's listener; *ingest.Server implements it. Safe for
// concurrent use; it never blocks: no live connection or a full outbox is an error.
type Controller interface {
	Send(appID string, c event.Control) error
}

// errCancel is a refused cancel request: its HTTP status, envelope errorType and message.
type errCancel struct {
	code      int
	errorType string
	msg       string
}

func (e *errCancel) Error() string { return e.msg }

func refuse(code int, errorType, format string, args ...any) error {
	return &errCancel{code, errorType, fmt.Sprintf(format, args...)}
}

func (h *handler) registerCancel(p *mux.Router) {
	p.HandleFunc("/api/apps/{appId}/jobs/{jobId:[0-9]+}/cancel", h.cancel(h.cancelJob)).Methods(http.MethodPost)
	p.HandleFunc("/api/apps/{appId}/stages/{stageId:[0-9]+}/cancel", h.cancel(h.cancelStage)).Methods(http.MethodPost)
	p.HandleFunc("/api/cells/{cellId}/cancel", h.cancel(h.cancelCell)).Methods(http.MethodPost)
}

// cancel runs the checks every cancel request shares, then do, which returns how many jobs were asked to stop.
func (h *handler) cancel(do func(r *http.Request) (int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := 0
		err := h.checkCancel(r)
		if err == nil {
			n, err = do(r)
		}
		var ce *errCancel
		switch {
		case err == nil:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			respondBody(w, map[string]any{"requested": n})
		case errors.As(err, &ce):
			h.opts.Logger.Debug("cancel refused", "path", r.URL.Path, "code", ce.code, "err", ce.msg)
			respondError(w, ce.code, ce.errorType, ce.msg)
		default:
			h.opts.Logger.Error("cancel failed", "path", r.URL.Path, "err", err)
			respondError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
		}
	}
}

// checkCSRF refuses a POST without the CSRF header, or from another origin (cancel, opening an event log).
func checkCSRF(r *http.Request) error {
	if r.Header.Get(CSRFHeader) != "1" {
		return refuse(http.StatusForbidden, "forbidden", "a %s request needs the header %s: 1", what(r), CSRFHeader)
	}
	if !sameOrigin(r) {
		return refuse(http.StatusForbidden, "forbidden", "cross-origin %s request refused", what(r))
	}
	return nil
}

func what(r *http.Request) string {
	if strings.HasSuffix(r.URL.Path, "/cancel") {
		return "cancel"
	}
	return "POST"
}

func (h *handler) checkCancel(r *http.Request) error {
	if err := checkCSRF(r); err != nil {
		return err
	}
	if h.readOnly() {
		return refuse(http.StatusForbidden, "forbidden",
			"the monitor is read-only (--read-only, SPARKMONITOR_READ_ONLY=1 or readOnly: true in its config file)")
	}
	if h.opts.Targets == nil || h.opts.Controller == nil {
		return refuse(http.StatusServiceUnavailable, "unavailable", "cancel is not available in this monitor")
	}
	return nil
}

// canSend refuses an application whose listener cannot take a cancel now.
func canSend(app *wire.App) error {
	if app.State != wire.AppRunning {
		return refuse(http.StatusServiceUnavailable, "unavailable", "application %s: its listener is not connected (%s)",
			app.AppID, app.State)
	}
	if !app.CancelEnabled {
		return refuse(http.StatusForbidden, "forbidden", "application %s: cancel is off (spark.ui.killEnabled=false)", app.AppID)
	}
	return nil
}

func (h *handler) cancelJob(r *http.Request) (int, error) {
	return h.cancelOne(r, "job", h.opts.Targets.CheckJob, func(id int) event.Control { return event.CancelJob(id, CancelReason) })
}

func (h *handler) cancelStage(r *http.Request) (int, error) {
	return h.cancelOne(r, "stage", h.opts.Targets.CheckStage, func(id int) event.Control {
		return event.CancelStage(id, stageCancelReason(id))
	})
}

// cancelOne cancels the job or stage named by the route variable {what}Id of the route's app.
func (h *handler) cancelOne(r *http.Request, what string, lookup func(context.Context, string, int) (state.CancelCheck, error),
	frame func(int) event.Control,
) (int, error) {
	appID := mux.Vars(r)["appId"]
	id, err := strconv.Atoi(mux.Vars(r)[what+"Id"])
	if err != nil {
		return 0, refuse(http.StatusBadRequest, "bad_request", "%s id: %v", what, err)
	}
	c, err := lookup(r.Context(), appID, id)
	if err != nil {
		return 0, err
	}
	if err := check(c, appID, what, id); err != nil {
		return 0, err
	}
	return 1, h.send(appID, frame(id))
}

// check maps what the store knows of a job or stage to 404, 409, 503 or 403, in that order.
func check(c state.CancelCheck, appID, what string, id int) error {
	switch {
	case c.App == nil:
		return refuse(http.StatusNotFound, "not_found", "unknown application %s", appID)
	case !c.Found:
		return refuse(http.StatusNotFound, "not_found", "application %s has no %s %d", appID, what, id)
	case !c.Running:
		return refuse(http.StatusConflict, "conflict", "%s %d of application %s is not running", what, id, appID)
	}
	return canSend(c.App)
}

// cancelCell asks every application of the cell's notebook that runs jobs of the cell to cancel them. Applications
// that cannot take it (disconnected, killEnabled=false) are skipped; when none could, the first one's refusal is the
// answer.
func (h *handler) cancelCell(r *http.Request) (int, error) {
	cellID := mux.Vars(r)["cellId"]
	apps, err := h.opts.Targets.CellRunningJobs(r.Context(), cellOf(r, cellID))
	if err != nil {
		return 0, err
	}
	n, sent := 0, 0
	var first error
	for _, a := range apps {
		err := canSend(&a.App)
		switch {
		case err != nil:
		case a.ByJob: // other notebooks' jobs carry the same cell id in this app
			for _, id := range a.JobIDs {
				if err = h.send(a.App.AppID, event.CancelJob(id, cellCancelReason)); err != nil {
					break
				}
			}
		default:
			err = h.send(a.App.AppID, event.CancelCell(cellID, cellCancelReason))
		}
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		sent++
		n += len(a.JobIDs)
	}
	if sent == 0 && first != nil {
		return 0, first
	}
	return n, nil
}

// send delivers a control frame; a listener that cannot take it now is 503.
func (h *handler) send(appID string, c event.Control) error {
	if err := h.opts.Controller.Send(appID, c); err != nil {
		return refuse(http.StatusServiceUnavailable, "unavailable", "%v", err)
	}
	return nil
}
