package socket

// This file keeps a server's accept loop alive. A failed accept (EMFILE, ENFILE, ENOMEM, ENOBUFS, ECONNABORTED, ...)
// is retried after a backoff instead of ending the server: net/http's Server.Serve does so only for the errors that
// say they are temporary, and returns the rest (ENOMEM, ENOBUFS), which would stop the monitor.

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The backoff after a failed accept, net/http's: MinBackoff doubling to MaxBackoff, back to MinBackoff after a success.
const (
	MinBackoff = 5 * time.Millisecond
	MaxBackoff = time.Second
)

// LogInterval is the least time between two log lines of one Listener's failures (or of one Sometimes).
const LogInterval = time.Minute

// Listener is a net.Listener whose Accept returns an error only once the listener is closed. Safe for concurrent use,
// as net.Listener is.
type Listener struct {
	net.Listener
	name     string
	log      Sometimes
	logger   *slog.Logger
	done     chan struct{}
	close    sync.Once
	failures atomic.Int64
}

// Retry wraps ln; name says which listener it is in the log ("http", "ingest").
func Retry(ln net.Listener, name string, log *slog.Logger) *Listener {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Listener{Listener: ln, name: name, logger: log, done: make(chan struct{})}
}

// Accept waits for the next connection. An accept error other than a closed listener is logged (at most once per
// LogInterval) and retried after a backoff.
func (l *Listener) Accept() (net.Conn, error) {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			return c, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		select {
		case <-l.done:
			return nil, err
		default:
		}
		delay = min(max(2*delay, MinBackoff), MaxBackoff)
		l.failures.Add(1)
		l.log.Log(l.logger, slog.LevelWarn, "accept failed; retrying", "listener", l.name, "err", err, "retryIn", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-l.done:
			t.Stop()
			return nil, err
		}
	}
}

// Close closes the listener and ends any Accept waiting to retry.
func (l *Listener) Close() error {
	l.close.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Failures counts the failed accepts so far.
func (l *Listener) Failures() int64 { return l.failures.Load() }

// Sometimes logs at most once per LogInterval; the lines it holds back are counted and the count ("suppressed") goes
// with the next line it logs. The zero value is ready; safe for concurrent use.
type Sometimes struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int64
}

// Log logs msg with args at level, unless a line was logged less than LogInterval ago.
func (s *Sometimes) Log(log *slog.Logger, level slog.Level, msg string, args ...any) {
	s.mu.Lock()
	now := time.Now()
	if !s.last.IsZero() && now.Sub(s.last) < LogInterval {
		s.suppressed++
		s.mu.Unlock()
		return
	}
	n := s.suppressed
	s.last, s.suppressed = now, 0
	s.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	log.Log(context.Background(), level, msg, args...)
}
