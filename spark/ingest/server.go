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
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// HelloTimeout bounds how long a new connection may take to send its hello.
const HelloTimeout = 10 * time.Second

// Sink receives decoded events; *state.Store implements it. Safe for concurrent use.
type Sink interface {
	Submit(ctx context.Context, appID string, ev event.Event) error
}

// Options configure a Server.
type Options struct {
	// Addr is "unix:/path/to/socket" or "host:port".
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

// Rejected counts connections refused at the handshake.
func (s *Server) Rejected() int64 { return s.rejected.Load() }

// Ready delivers the bound address once Run listens.
func (s *Server) Ready() <-chan net.Addr { return s.ready }

// Run listens until ctx ends, then closes the listener and every connection.
func (s *Server) Run(ctx context.Context) error {
	ln, err := listen(s.opts.Addr)
	if err != nil {
		return err
	}
	s.ready <- ln.Addr()
	s.opts.Logger.Info("ingest listening", "addr", s.opts.Addr)
	var wg sync.WaitGroup
	conns := map[net.Conn]bool{}
	var mu sync.Mutex
	go func() {
		<-ctx.Done()
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
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
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serve(ctx, c)
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

func listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("ingest: removing stale socket %s: %w", path, err)
		}
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("ingest: listen on unix socket %s: %w", path, err)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			ln.Close()
			return nil, fmt.Errorf("ingest: chmod %s: %w", path, err)
		}
		return ln, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ingest: listen on %s: %w", addr, err)
	}
	return ln, nil
}

func (s *Server) serve(ctx context.Context, c net.Conn) {
	log := s.opts.Logger.With("remote", c.RemoteAddr().String())
	r := event.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(HelloTimeout))
	hello, err := s.handshake(r)
	if err != nil {
		s.rejected.Add(1)
		log.Warn("listener connection refused", "err", err)
		reply(c, map[string]any{"type": "error", "error": err.Error()})
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if err := reply(c, map[string]any{"type": "welcome", "protocol": event.ProtocolVersion}); err != nil {
		log.Warn("listener connection lost during handshake", "err", err)
		return
	}
	app := hello.AppID
	log = log.With("app", app, "connection", hello.Connection)
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
	for {
		line, n, err := r.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				log.Warn("listener connection closed", "err", err)
			} else {
				log.Info("listener disconnected")
			}
			return
		}
		ev, err := event.Decode(line)
		if err != nil {
			s.malformed.Add(1)
			log.Debug("skipping malformed frame", "line", n, "err", err)
			continue
		}
		if _, unknown := ev.(*event.Unknown); unknown {
			continue
		}
		if _, again := ev.(*event.Hello); again {
			s.malformed.Add(1)
			log.Debug("skipping a second hello", "line", n)
			continue
		}
		if _, end := ev.(*event.AppEnd); end {
			ended = true
		}
		if err := s.opts.Sink.Submit(ctx, app, ev); err != nil {
			return
		}
	}
}

func (s *Server) handshake(r *event.Reader) (*event.Hello, error) {
	line, _, err := r.Next()
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

func reply(c net.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write(append(b, '\n'))
	return err
}
