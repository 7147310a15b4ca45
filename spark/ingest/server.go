// Package ingest is the listener-facing endpoint: it accepts listener connections on a unix socket or TCP address,
// checks the hello (protocol version and secret), decodes frames and feeds them to the state store.
package ingest

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/socket"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of the listener endpoint: what connections that have not (yet) proved they know the secret can hold.
const (
	// HelloTimeout bounds how long a new connection may take to send its hello.
	HelloTimeout = 10 * time.Second
	// MaxHelloBytes bounds the hello frame. A real one is under 1 KiB: its only free-form fields are the application's
	// name and the notebook's path (at most 4 KiB on Linux, 24 KiB if every byte were \u-escaped).
	MaxHelloBytes = 32 << 10
	// MaxHandshakes bounds the connections waiting for their hello; a connection beyond it is refused at once.
	MaxHandshakes = 32
	// MaxConns bounds the listener connections open at once (each Spark application keeps one); one beyond it is
	// refused at once.
	MaxConns = 256
)

// Sink receives decoded events; *state.Store implements it. Safe for concurrent use.
type Sink interface {
	Submit(ctx context.Context, appID string, ev event.Event) error
}

// Options configure a Server.
type Options struct {
	// Addr is "unix:/path/to/socket" (in a folder only this user can enter: socket.Listen) or "host:port".
	Addr   string
	Secret string
	Sink   Sink
	Logger *slog.Logger
	// DriverLostAfter is the grace period of connected.go (0: DefaultDriverLostAfter).
	DriverLostAfter time.Duration
}

// Server accepts listener connections.
type Server struct {
	opts      Options
	malformed atomic.Int64
	rejected  atomic.Int64
	refusals  socket.Sometimes // the log of refused connections, at most one line a minute
	open      atomic.Int64     // connections open (MaxConns)
	greeting  atomic.Int64     // connections waiting for their hello (MaxHandshakes)
	ready     chan net.Addr
	mu        sync.Mutex
	live      map[string]*outbox     // app id -> its live connection's control path (control.go)
	lost      map[string]*time.Timer // app id -> its driver-lost grace period (connected.go)
	handover  sync.Mutex             // connected.go
}

// New returns a Server; call Run.
func New(opts Options) (*Server, error) {
	if opts.Addr == "" {
		return nil, errors.New("ingest: no address")
	}
	if opts.Secret == "" {
		return nil, errors.New("ingest: empty secret")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{opts: opts, ready: make(chan net.Addr, 1), live: map[string]*outbox{},
		lost: map[string]*time.Timer{}}, nil
}

// Malformed counts frames skipped because they could not be decoded.
func (s *Server) Malformed() int64 { return s.malformed.Load() }

// Rejected counts connections refused: at the handshake, or at once beyond MaxConns or MaxHandshakes.
func (s *Server) Rejected() int64 { return s.rejected.Load() }

// Ready delivers the bound address once Run listens.
func (s *Server) Ready() <-chan net.Addr { return s.ready }

// Run listens until ctx ends, then closes the listener and every connection. A failed accept (out of file
// descriptors, of memory) is retried after a backoff: it never ends Run.
func (s *Server) Run(ctx context.Context) error {
	raw, err := socket.Listen(s.opts.Addr)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	ln := socket.Retry(raw, "ingest", s.opts.Logger)
	s.ready <- ln.Addr()
	s.opts.Logger.Info("ingest listening", "addr", s.opts.Addr)
	var wg sync.WaitGroup
	conns := map[net.Conn]bool{}
	var mu sync.Mutex
	go func() {
		<-ctx.Done()
		_ = ln.Close()
		mu.Lock()
		for c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("ingest accept on %s: %w", s.opts.Addr, err)
		}
		if err := s.admit(); err != nil {
			s.refuse(c, s.opts.Logger, err)
			_ = c.Close()
			continue
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.open.Add(-1)
			s.serve(ctx, c)
			_ = c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

// serve runs one listener connection: its handshake, then its frames into the sink while it owns its application.
func (s *Server) serve(ctx context.Context, c net.Conn) {
	log := s.opts.Logger.With("remote", c.RemoteAddr().String())
	r := event.NewReader(c)
	hello, err := s.greet(c, r, log)
	if err != nil {
		return
	}
	log = log.With("app", hello.AppID, "connection", hello.Connection)
	log.Info("listener connected", "appName", hello.AppName, "spark", hello.SparkVersion)
	cn := &outbox{frames: make(chan []byte, ControlOutbox), done: make(chan struct{})}
	go writeControl(c, cn, func(err error) { log.Warn("control frame not delivered; closing the connection", "err", err) })
	ended := false
	defer func() {
		s.release(ctx, hello, cn, ended)
		close(cn.done)
	}()
	if err := s.own(ctx, hello, cn); err != nil {
		return
	}
	ended = s.forward(ctx, r, hello.AppID, log)
}

// greet reads the connection's hello, within HelloTimeout and MaxHelloBytes, and welcomes it. A refused connection
// is answered with the reason (refuse); a connection lost while being welcomed is logged.
func (s *Server) greet(c net.Conn, r *event.Reader, log *slog.Logger) (*event.Hello, error) {
	r.Limit(MaxHelloBytes)
	_ = c.SetReadDeadline(time.Now().Add(HelloTimeout))
	hello, err := s.handshake(r)
	s.greeting.Add(-1)
	if err != nil {
		s.refuse(c, log, err)
		return nil, err
	}
	r.Limit(event.MaxFrameBytes)
	_ = c.SetReadDeadline(time.Time{})
	if err := reply(c, map[string]any{"type": "welcome", "protocol": event.ProtocolVersion}); err != nil {
		log.Warn("listener connection lost during handshake", "err", err)
		return nil, err
	}
	return hello, nil
}

// forward submits the connection's events to the sink as the application app's until the connection closes or the
// sink stops taking them; it reports whether the application's end came through.
func (s *Server) forward(ctx context.Context, r *event.Reader, app string, log *slog.Logger) (ended bool) {
	for {
		line, n, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				log.Warn("listener connection closed", "err", err)
			} else {
				log.Info("listener disconnected")
			}
			return ended
		}
		ev := s.decode(line, n, log)
		if ev == nil {
			continue
		}
		if _, end := ev.(*event.AppEnd); end {
			ended = true
		}
		if err := s.opts.Sink.Submit(ctx, app, ev); err != nil {
			return ended
		}
	}
}

// decode returns the event of frame n, or nil for one skipped: malformed or a second hello (both counted as
// malformed), or of a type this monitor does not know.
func (s *Server) decode(line []byte, n int, log *slog.Logger) event.Event {
	ev, err := event.Decode(line)
	if err != nil {
		s.malformed.Add(1)
		log.Debug("skipping malformed frame", "line", n, "err", err)
		return nil
	}
	switch ev.(type) {
	case *event.Unknown:
		return nil
	case *event.Hello:
		s.malformed.Add(1)
		log.Debug("skipping a second hello", "line", n)
		return nil
	}
	return ev
}

func (s *Server) handshake(r *event.Reader) (*event.Hello, error) {
	line, _, err := r.Next()
	if errors.Is(err, event.ErrFrameTooLong) {
		return nil, fmt.Errorf("hello longer than %d bytes: %w", MaxHelloBytes, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reading hello: %w", err)
	}
	ev, err := event.Decode(line)
	if err != nil {
		return nil, fmt.Errorf("malformed hello: %w", err)
	}
	h, ok := ev.(*event.Hello)
	if !ok {
		return nil, fmt.Errorf("first frame must be hello, got %q", event.TypeOf(ev))
	}
	if subtle.ConstantTimeCompare([]byte(h.Secret), []byte(s.opts.Secret)) != 1 {
		return nil, errors.New("wrong secret")
	}
	if h.Protocol != event.ProtocolVersion {
		return nil, fmt.Errorf("unsupported protocol version %d (this monitor speaks %d)", h.Protocol, event.ProtocolVersion)
	}
	h.Secret = ""
	return h, nil
}

// admit counts a new connection in, or says why it is refused (then it is not counted).
func (s *Server) admit() error {
	if n := s.open.Add(1); n > MaxConns {
		s.open.Add(-1)
		return fmt.Errorf("too many listener connections (%d); try again later", MaxConns)
	}
	if n := s.greeting.Add(1); n > MaxHandshakes {
		s.greeting.Add(-1)
		s.open.Add(-1)
		return fmt.Errorf("too many connections waiting for their hello (%d); try again later", MaxHandshakes)
	}
	return nil
}

// refuse answers a refused connection with its reason; it counts it, logs it at Debug, and at Warn at most once a
// minute (a flood of refusals cannot flood the log).
func (s *Server) refuse(c net.Conn, log *slog.Logger, err error) {
	s.rejected.Add(1)
	log.Debug("listener connection refused", "err", err)
	s.refusals.Log(log, slog.LevelWarn, "listener connection refused", "err", err, "rejectedTotal", s.rejected.Load())
	_ = reply(c, map[string]any{"type": "error", "error": err.Error()})
}

func reply(c net.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(append(b, '\n'))
	return err
}
