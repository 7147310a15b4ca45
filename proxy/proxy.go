// Package proxy reverse-proxies the Spark driver UI of each registered application under the monitor's prefix:
// `{prefix}ui/{appId}/…` → the UI URL the application's listener announced. It knows nothing of Spark's state: a
// Resolver says where an application's UI is, and only those UIs are reachable (no open proxy).
package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// Resolver says where the Spark UI of an application is. Implementations must be safe for concurrent use; UIURL is
// called once per proxied request and should answer quickly. It answers false for unknown and ended applications.
type Resolver interface {
	UIURL(app string) (*url.URL, bool)
}

// SecretHeader is the header jupyter-server-proxy adds for the monitor; it never reaches Spark.
const SecretHeader = "X-Sparkmonitor-Proxy-Secret"

// Default timeouts of the upstream transport.
const (
	DefaultDialTimeout           = 5 * time.Second
	DefaultResponseHeaderTimeout = 2 * time.Minute
)

// Options configure the proxy.
type Options struct {
	// Prefix is the monitor's prefix as the browser sees it, e.g. "/user/alice/sparkmonitor/" (with both slashes).
	// The proxy serves Prefix + "ui/{appId}/…".
	Prefix string
	// CancelEnabled says whether Spark's own kill links may be followed for the application (nil: never).
	CancelEnabled func(app string) bool
	// WriteError writes the monitor's JSON error envelope (nil: an envelope of the same shape as spark/api's).
	WriteError func(w http.ResponseWriter, code int, errorType, msg string)
	// Transport reaches Spark (nil: a clone of http.DefaultTransport with the timeouts above and no HTTP proxy). A
	// request that meets a pooled connection Spark had closed is sent again on another (retry.go).
	Transport http.RoundTripper
	Logger    *slog.Logger
}

// target is where one request goes; it travels in the request's context from ServeHTTP to the Rewrite decorators.
type target struct {
	app      string
	upstream *url.URL // scheme and host:port of the Spark UI
	path     string   // cleaned path on the Spark UI, starting with "/"
	context  string   // X-Forwarded-Context: Prefix + "ui/" + app, as the browser sees it
}

type targetKey struct{}

type handler struct {
	opts Options
	base string // Prefix + "ui/"
	res  Resolver
	http *httputil.ReverseProxy
	ws   http.Handler
}

// New returns the handler of Prefix + "ui/"; mount it on that path prefix.
func New(resolver Resolver, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.WriteError == nil {
		opts.WriteError = writeError
	}
	if opts.Transport == nil {
		opts.Transport = newTransport()
	}
	opts.Prefix = normalizePrefix(opts.Prefix)
	h := &handler{opts: opts, base: opts.Prefix + "ui/", res: resolver}
	h.http = &httputil.ReverseProxy{
		Rewrite:        chain(toUpstream, forwardedContext, dropCredentials, replayableBody),
		Transport:      retryStale{next: opts.Transport},
		ModifyResponse: chainResponse(rewriteLocation, dropSetCookie, readAhead),
		ErrorHandler:   h.unreachable,
		BufferPool:     copyBuffers,
		ErrorLog:       slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	h.ws = newWebSocketProxy(opts.Logger, opts.WriteError, h.unreachable)
	return h
}

// normalizePrefix gives the prefix one leading and one trailing slash ("sparkmonitor" → "/sparkmonitor/", "" → "/").
func normalizePrefix(p string) string {
	if p = strings.Trim(p, "/"); p == "" {
		return "/"
	}
	return "/" + p + "/"
}

// maxIdlePerUI: a page's static resources arrive in parallel; keep their connections to Spark.
const maxIdlePerUI = 8

// newTransport is the transport to Spark, tuned for latency (P5: integration/bench/bench_proxy.py, BenchmarkProxy).
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil // the driver is local to the kernel; never send it through an HTTP_PROXY
	t.DialContext = (&net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	t.MaxIdleConnsPerHost = maxIdlePerUI
	t.IdleConnTimeout = 30 * time.Second
	// Spark answers with the encoding the client asked for. Without this, a client that asks for none (a script,
	// curl) would make Spark gzip every page and us gunzip it again.
	t.DisableCompression = true
	// Spark's pages arrive chunked, and ReverseProxy flushes after every read of such a body: a read buffer of
	// Spark's whole output buffer forwards it in one write instead of 4 KB pieces.
	t.ReadBufferSize = 64 << 10
	return t
}

// copyBuffers recycles ReverseProxy's 32 KB copy buffer (one per request otherwise).
var copyBuffers = &bufferPool{pool: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return *p.pool.Get().(*[]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(&b) }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, h.base)
	if !ok {
		h.opts.WriteError(w, http.StatusNotFound, "not_found", "no such monitor endpoint")
		return
	}
	app, sub, _ := strings.Cut(rest, "/")
	upstream, ok := h.resolve(app)
	if !ok {
		h.opts.WriteError(w, http.StatusNotFound, "not_found",
			fmt.Sprintf("no running Spark application %q is registered with this monitor (unknown, or it has ended)", app))
		return
	}
	t := target{app: app, upstream: upstream, path: upstreamPath(sub), context: h.base + url.PathEscape(app)}
	if isKill(t.path) && !h.mayKill(app, r) {
		h.opts.WriteError(w, http.StatusForbidden, "forbidden",
			"Spark UI kill links are refused: cancel is disabled for "+app+" or the request is not same-origin")
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), targetKey{}, t))
	if isWebSocket(r) {
		h.ws.ServeHTTP(w, r)
		return
	}
	h.http.ServeHTTP(w, r)
}

// resolve asks the Resolver and keeps only plain http(s) UIs with a host.
func (h *handler) resolve(app string) (*url.URL, bool) {
	if app == "" {
		return nil, false
	}
	u, ok := h.res.UIURL(app)
	if !ok || u == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, false
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, true
}

// upstreamPath is the cleaned path on the Spark UI. The UI root (`ui/{app}` or `ui/{app}/`) is the jobs page itself,
// served without a redirect (Spark would redirect `/` to `/jobs/`).
func upstreamPath(sub string) string {
	if sub == "" {
		return "/jobs/"
	}
	p := path.Clean("/" + sub) // no "..", no "//": the path can only name something on the registered UI
	if strings.HasSuffix(sub, "/") && p != "/" {
		p += "/"
	}
	if p == "/" {
		return "/jobs/"
	}
	return p
}

// unreachable is the ReverseProxy ErrorHandler: a 502 that says which application's UI failed and why.
func (h *handler) unreachable(w http.ResponseWriter, r *http.Request, err error) {
	t, _ := r.Context().Value(targetKey{}).(target)
	h.opts.Logger.Debug("spark ui not reachable", "app", t.app, "upstream", t.upstream.String(), "err", err)
	h.opts.WriteError(w, http.StatusBadGateway, "unavailable",
		fmt.Sprintf("Spark UI of %s not reachable: %v", t.app, err))
}

func writeError(w http.ResponseWriter, code int, errorType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": errorType, "error": msg})
}
