package api

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/net/netutil"

	"github.com/sparkmonitor/sparkmonitor-go/socket"
)

// ServerLimits bound what HTTP clients can hold of the monitor. The zero value of a field means its default.
type ServerLimits struct {
	// MaxConns caps the connections open at once (DefaultMaxConns); the next one waits in the kernel's backlog until
	// one closes.
	MaxConns int
	// ReadHeaderTimeout closes a connection whose request headers are not all sent in time (DefaultReadHeaderTimeout).
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no new request in time (DefaultIdleTimeout).
	IdleTimeout time.Duration
	// BodyReadTimeout closes a connection whose request body stalls that long (DefaultBodyReadTimeout). It is a
	// deadline renewed by every read of the body, not one for the whole request as http.Server.ReadTimeout would be:
	// that one would cut the upload of a large event log on a slow link. It ends with the body: a long response (a
	// download from the Spark UI) and a WebSocket (net/http lifts a hijacked connection's deadlines, and each
	// WebSocket sets its own) are not affected.
	BodyReadTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers (DefaultMaxHeaderBytes).
	MaxHeaderBytes int
}

// Defaults of ServerLimits.
const (
	DefaultMaxConns          = 512
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultBodyReadTimeout   = 30 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

func (l ServerLimits) withDefaults() ServerLimits {
	orDefault := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	orDefault(&l.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	orDefault(&l.IdleTimeout, DefaultIdleTimeout)
	orDefault(&l.BodyReadTimeout, DefaultBodyReadTimeout)
	if l.MaxConns <= 0 {
		l.MaxConns = DefaultMaxConns
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// Server is the monitor's HTTP server: net/http's, with the limits of ServerLimits and an accept loop that survives
// a failed accept (socket.Retry).
type Server struct {
	srv *http.Server
	max int
	log *slog.Logger
}

// NewServer serves h within lim; log (optional) gets the failed accepts.
func NewServer(h http.Handler, lim ServerLimits, log *slog.Logger) *Server {
	lim = lim.withDefaults()
	return &Server{
		srv: &http.Server{
			Handler:           bodyDeadline(h, lim.BodyReadTimeout),
			ReadHeaderTimeout: lim.ReadHeaderTimeout,
			IdleTimeout:       lim.IdleTimeout,
			MaxHeaderBytes:    lim.MaxHeaderBytes,
			// net/http answers "OPTIONS *" itself otherwise, before the proxy-secret check.
			DisableGeneralOptionsHandler: true,
		},
		max: lim.MaxConns,
		log: log,
	}
}

// Serve serves on ln until Shutdown; it returns http.ErrServerClosed then, like http.Server.Serve. A failed accept
// does not end it.
func (s *Server) Serve(ln net.Listener) error {
	return s.srv.Serve(netutil.LimitListener(socket.Retry(ln, "http", s.log), s.max))
}

// Shutdown stops accepting, and waits for the open requests until ctx ends (http.Server.Shutdown).
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// bodyDeadline puts a read deadline of d on the connection of each request with a body, renewed by every read of the
// body and lifted when the body ends. It also bounds net/http's own reading of what the handler left of the body.
func bodyDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		b := &deadlineBody{body: r.Body, rc: http.NewResponseController(w), d: d}
		if b.rc.SetReadDeadline(time.Now().Add(d)) != nil {
			h.ServeHTTP(w, r)
			return
		}
		r.Body = b
		defer b.set(func() { b.done = true })
		h.ServeHTTP(w, r)
	})
}

// deadlineBody is a request body whose reads renew the connection's read deadline, until the body ends.
type deadlineBody struct {
	body io.ReadCloser
	rc   *http.ResponseController
	d    time.Duration
	mu   sync.Mutex
	// done: the handler returned, the connection is net/http's again. ended: the body ended; net/http may be reading
	// the connection in the background (to see the client go), where a deadline would cancel the request's context.
	done, ended bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	b.set(func() { _ = b.rc.SetReadDeadline(time.Now().Add(b.d)) })
	n, err := b.body.Read(p)
	if errors.Is(err, io.EOF) {
		b.set(func() {
			_ = b.rc.SetReadDeadline(time.Time{})
			b.ended = true
		})
	}
	return n, err
}

func (b *deadlineBody) Close() error { return b.body.Close() }

// set runs f under the lock, unless the handler returned or the body ended.
func (b *deadlineBody) set(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done && !b.ended {
		f()
	}
}
