package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// The explain endpoint (API.md "Explain"): POST api/apps/{appId}/jobs/{jobId}/explain sends the job's failure card to
// the OpenAI-compatible endpoint of the config file's explain section and answers the assistant's text. It is
// protected as cancel is (the proxy secret, the CSRF header and same origin, refused in read-only mode), and bounded:
// one request in flight per job, MaxExplainsInFlight in all.

// MaxExplainsInFlight bounds the explain requests in flight at once, so that a click storm cannot flood the endpoint.
const MaxExplainsInFlight = 2

// explainLimits holds the jobs being explained; a map of at most MaxExplainsInFlight keys, under mu.
type explainLimits struct {
	mu     sync.Mutex
	inUse  map[string]bool
	client *http.Client
}

func newExplainLimits() *explainLimits {
	return &explainLimits{inUse: map[string]bool{}, client: &http.Client{
		// Never follow a redirect: it could carry the key elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// acquire takes the job's slot and one of the global ones, or says why not.
func (l *explainLimits) acquire(key string, jobID int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.inUse[key]:
		return &explainError{http.StatusConflict, "conflict", fmt.Sprintf("job %d is already being explained", jobID)}
	case len(l.inUse) >= MaxExplainsInFlight:
		return &explainError{http.StatusTooManyRequests, "unavailable",
			fmt.Sprintf("%d explanations are already being asked; try again when one has answered", MaxExplainsInFlight)}
	}
	l.inUse[key] = true
	return nil
}

func (l *explainLimits) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.inUse, key)
}

// explainEnabled is what api/health reports as "explain": the button is shown.
func (h *handler) explainEnabled() bool {
	return h.explainConfig() != nil && !h.readOnly()
}

func (h *handler) explainConfig() *ExplainConfig {
	if h.opts.Explain == nil {
		return nil
	}
	return h.opts.Explain()
}

func (h *handler) registerExplain(p *mux.Router) {
	h.explains = newExplainLimits()
	p.HandleFunc("/api/apps/{appId}/jobs/{jobId:[0-9]+}/explain", h.explain).Methods(http.MethodPost)
}

func (h *handler) explain(w http.ResponseWriter, r *http.Request) {
	out, err := h.doExplain(r)
	var ee *explainError
	var ce *errCancel
	switch {
	case err == nil:
		respond(w, out)
	case errors.As(err, &ce):
		h.opts.Logger.Debug("explain refused", "path", r.URL.Path, "code", ce.code, "err", ce.msg)
		respondError(w, ce.code, ce.errorType, ce.msg)
	case errors.As(err, &ee) && ee.code < 500: // busy: the user clicked again
		h.opts.Logger.Debug("explain refused", "path", r.URL.Path, "code", ee.code, "err", ee.msg)
		respondError(w, ee.code, ee.errorType, ee.msg)
	case errors.As(err, &ee):
		h.opts.Logger.Warn("explain failed", "path", r.URL.Path, "code", ee.code, "err", ee.msg)
		respondError(w, ee.code, ee.errorType, ee.msg)
	default:
		h.opts.Logger.Error("explain failed", "path", r.URL.Path, "err", err)
		respondError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

func (h *handler) doExplain(r *http.Request) (*wire.Explanation, error) {
	if err := checkCSRF(r); err != nil {
		return nil, err
	}
	c := h.explainConfig()
	if c == nil {
		return nil, refuse(http.StatusNotFound, "not_found",
			"explain is off: the monitor's config file (sparkmonitor.yaml) has no explain section")
	}
	if h.readOnly() {
		return nil, refuse(http.StatusForbidden, "forbidden",
			"the monitor is read-only (--read-only, SPARKMONITOR_READ_ONLY=1 or readOnly: true in its config file)")
	}
	appID := mux.Vars(r)["appId"]
	jobID, err := strconv.Atoi(mux.Vars(r)["jobId"])
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "bad_request", "job id: %v", err)
	}
	card, err := h.failureCard(r, appID, jobID)
	if err != nil {
		return nil, err
	}
	key := appID + "/" + strconv.Itoa(jobID)
	if err := h.explains.acquire(key, jobID); err != nil {
		return nil, err
	}
	defer h.explains.release(key)
	h.opts.Logger.Debug("explain: asking", "app", appID, "job", jobID, "url", c.URL, "model", c.Model)
	text, cutOff, err := askLLM(r.Context(), h.explains.client, *c, card)
	if err != nil {
		return nil, err
	}
	return &wire.Explanation{Text: text, Cut: cutOff}, nil
}

// failureCard finds the job's card in a snapshot of the state.
func (h *handler) failureCard(r *http.Request, appID string, jobID int) (*wire.FailureCard, error) {
	apps, err := h.opts.Source.Snapshot(r.Context())
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if a.AppID != appID {
			continue
		}
		for _, j := range a.Jobs {
			if j.JobID != jobID {
				continue
			}
			if j.FailureCard == nil {
				return nil, refuse(http.StatusConflict, "conflict", "job %d of application %s has no failure card (it did not fail)", jobID, appID)
			}
			return j.FailureCard, nil
		}
		return nil, refuse(http.StatusNotFound, "not_found", "application %s has no job %d", appID, jobID)
	}
	return nil, refuse(http.StatusNotFound, "not_found", "unknown application %s", appID)
}
