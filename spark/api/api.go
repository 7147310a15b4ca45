// Package api serves the browser-facing REST and WebSocket API (API.md) and the dashboard page over the state store.
package api

import (
	"context"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// SecretHeader is the header jupyter-server-proxy adds (request_headers_override) after Jupyter authenticated the user.
const SecretHeader = "X-Sparkmonitor-Proxy-Secret"

//go:embed static
var static embed.FS

// Source is what the API reads; *state.Store implements it. Safe for concurrent use.
type Source interface {
	Snapshot(ctx context.Context) ([]wire.App, error)
	Subscribe(ctx context.Context) (<-chan wire.Update, error)
	Timeline(ctx context.Context, cell state.Cell, maxTasks int) (wire.Timeline, error)
	QueueLen() (int, int)
}

// Options configure the API.
type Options struct {
	// Prefix is the path the API is served under, e.g. "/user/alice/sparkmonitor/" (with both slashes).
	Prefix string
	// ProxySecret must arrive in SecretHeader on every request.
	ProxySecret string
	Source      Source
	Version     string
	IngestAddr  string
	// SparkUI, when set, serves "ui/" under Prefix (the Spark UI proxy), behind the same secret check.
	SparkUI http.Handler
	Logger  *slog.Logger
	// ReadOnly, when set and true, refuses every cancel (403); it is asked on every request (the config file can
	// change it). Targets and Controller serve the cancel endpoints (cancel.go); without them cancel answers 503.
	ReadOnly   func() bool
	Targets    Targets
	Controller Controller
	// Streams answers the stop endpoint of streaming queries (streaming.go); without it stop answers 503.
	Streams Streams
	// CellRuns records the cell runs the browser reports (notebook.go); without it they are refused (503).
	CellRuns CellRuns
	// Config, when set, reports the monitor's config file in api/health and on the dashboard.
	Config func() ConfigStatus
	// Profiles, when set, lists the config file's Spark configuration profiles (api/profiles, profiles.go); it is
	// asked on every request. Safe for concurrent use.
	Profiles func() ProfileList
	// Metrics, when set, serves the Prometheus metrics at "metrics" under Prefix, behind the same secret check.
	Metrics http.Handler
	// EventLogs, when set, serves POST api/eventlogs (eventlog.go); History reports the history in api/health.
	EventLogs EventLogs
	History   func() HistoryStatus

	// Plans, when set, serves api/apps/{appId}/sql/{executionId}/plan (plan.go), asking for plans through Controller.
	Plans Plans
	// Waits, when set, serves GET api/cells/{cellId}/waits (waits.go); without it that answers 503.
	Waits Waits
	// Explain, when set and returning non-nil, serves POST api/apps/{appId}/jobs/{jobId}/explain (explain.go); it is
	// asked on every request (the config file can change it). Safe for concurrent use.
	Explain func() *ExplainConfig
}

// Handler returns the monitor's HTTP handler: everything under Prefix, and a 401 for anything else.
func Handler(opts Options) (http.Handler, error) {
	if opts.ProxySecret == "" {
		return nil, errors.New("api: empty proxy secret")
	}
	if !strings.HasPrefix(opts.Prefix, "/") || !strings.HasSuffix(opts.Prefix, "/") {
		return nil, errors.New("api: prefix must start and end with /")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handler{opts: opts}
	r := mux.NewRouter()
	p := r.PathPrefix(opts.Prefix).Subrouter()
	if opts.SparkUI != nil {
		// First: mux tries the routes in order, and the Spark UI's pages and their resources are most of the requests.
		p.PathPrefix("/ui/").Handler(opts.SparkUI)
	}
	p.HandleFunc("/", h.dashboard).Methods(http.MethodGet)
	p.HandleFunc("/dashboard.js", h.asset("static/dashboard.js", "text/javascript; charset=utf-8")).Methods(http.MethodGet)
	p.HandleFunc("/api/health", h.health).Methods(http.MethodGet)
	p.HandleFunc("/api/apps", h.apps).Methods(http.MethodGet)
	p.HandleFunc("/api/apps/{appId}", h.app).Methods(http.MethodGet)
	p.HandleFunc("/api/ws", h.websocket).Methods(http.MethodGet)
	p.HandleFunc("/api/timeline", h.timeline).Methods(http.MethodGet)
	p.HandleFunc("/api/logs", h.logs).Methods(http.MethodGet)
	p.HandleFunc("/api/profiles", h.profiles).Methods(http.MethodGet)
	if opts.Metrics != nil {
		p.Handle("/metrics", opts.Metrics).Methods(http.MethodGet)
	}
	h.registerCancel(p)
	h.registerPlan(p)
	h.registerStreams(p)
	h.registerExplain(p)
	p.HandleFunc("/api/cells/{cellId}/runs", h.cellRun).Methods(http.MethodPost)
	p.HandleFunc("/api/cells/{cellId}/waits", h.cellWaits).Methods(http.MethodGet)
	p.HandleFunc("/api/eventlogs", h.openEventLog).Methods(http.MethodPost)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		respondError(w, http.StatusNotFound, "not_found", "no such monitor endpoint")
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		respondError(w, http.StatusMethodNotAllowed, "bad_request", "method not allowed")
	})
	return drainBody(h.requireSecret(r)), nil
}

type handler struct {
	opts     Options
	planReqs *planRequests  // plan.go
	explains *explainLimits // explain.go
}

// requireSecret refuses every request that did not come through jupyter-server-proxy (and so through Jupyter's auth).
func (h *handler) requireSecret(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get(SecretHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(h.opts.ProxySecret)) != 1 {
			respondError(w, http.StatusUnauthorized, "unauthorized",
				"open the monitor through Jupyter ({base_url}sparkmonitor/); direct access is not allowed")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dashboard serves the page with the config file's error, if any, already in its banner (dashboard.js keeps it
// current).
func (h *handler) dashboard(w http.ResponseWriter, _ *http.Request) {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		respondError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	page := string(b)
	if c := h.config(); c != nil && c.Error != nil {
		page = strings.Replace(page, `<div id="config-error" class="banner" role="alert" hidden></div>`,
			`<div id="config-error" class="banner" role="alert">`+html.EscapeString(configBanner(c))+`</div>`, 1)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = io.WriteString(w, page)
}

// configBanner is the dashboard's sentence about a broken config file (dashboard.js writes the same).
func configBanner(c *ConfigStatus) string {
	inUse := "the defaults are in use"
	if c.LoadedAt != nil {
		inUse = "the last good configuration is in use"
	}
	return "The monitor's config file is broken; " + inUse + " until it is fixed (no restart needed).\n" + *c.Error
}

func (h *handler) config() *ConfigStatus {
	if h.opts.Config == nil {
		return nil
	}
	c := h.opts.Config()
	return &c
}

func (h *handler) readOnly() bool { return h.opts.ReadOnly != nil && h.opts.ReadOnly() }

func (h *handler) asset(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		b, err := static.ReadFile(name)
		if err != nil {
			respondError(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	}
}

// health is api/health: ok, unless the state store's queue is full (its goroutine is behind the listeners, which
// wait): then 503 with the reason, and the same data.
func (h *handler) health(w http.ResponseWriter, _ *http.Request) {
	n, c := h.opts.Source.QueueLen()
	full := c > 0 && n >= c
	data := map[string]any{"ok": !full, "version": h.opts.Version, "ingest": h.opts.IngestAddr, "queue": n, "queueCap": c,
		"readOnly": h.readOnly(), "config": h.config(), "history": h.history(),
		"explain": h.explainEnabled()}
	if !full {
		respond(w, data)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": "unavailable", "data": data,
		"error": fmt.Sprintf("the state queue is full (%d events): the monitor is behind, and its listeners wait "+
			"until it catches up (their own bounded buffers absorb the wait, dropping and counting past them)", c)})
}

func (h *handler) apps(w http.ResponseWriter, r *http.Request) {
	apps, err := h.opts.Source.Snapshot(r.Context())
	if err != nil {
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	for i := range apps {
		apps[i].Jobs, apps[i].SQLExecutions, apps[i].StreamingQueries = nil, nil, nil
	}
	respond(w, apps)
}

func (h *handler) app(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["appId"]
	apps, err := h.opts.Source.Snapshot(r.Context())
	if err != nil {
		respondError(w, http.StatusServiceUnavailable, "internal", err.Error())
		return
	}
	for _, a := range apps {
		if a.AppID == id {
			if a.Jobs == nil {
				a.Jobs = []wire.Job{}
			}
			respond(w, a)
			return
		}
	}
	respondError(w, http.StatusNotFound, "not_found", "unknown application "+id)
}

func respond(w http.ResponseWriter, data any) {
	w.Header().Set("Content-Type", "application/json")
	respondBody(w, data)
}

// respondBody writes the success envelope after the status line.
func respondBody(w http.ResponseWriter, data any) {
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "success", "data": data})
}

// WriteError writes the API's error envelope; other handlers under the prefix (the Spark UI proxy) answer with it too.
func WriteError(w http.ResponseWriter, code int, errorType, msg string) {
	respondError(w, code, errorType, msg)
}

func respondError(w http.ResponseWriter, code int, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": errorType, "error": msg})
}
