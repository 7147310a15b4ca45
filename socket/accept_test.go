package socket

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
)

// failing is a listener whose Accept returns the errors in errs, one per call, then connections of a pipe.
type failing struct {
	net.Listener
	errs   chan error
	closed chan struct{}
}

func (f *failing) Accept() (net.Conn, error) {
	select {
	case err := <-f.errs:
		return nil, err
	case <-f.closed:
		return nil, net.ErrClosed
	default:
	}
	c, _ := net.Pipe()
	return c, nil
}

func (f *failing) Close() error { close(f.closed); return nil }

// Errors that net/http's Serve would return (ENOMEM, ENOBUFS: not temporary) are retried like EMFILE, logged once.
func TestAcceptRetriesEveryErrorButClosed(t *testing.T) {
	var out bytes.Buffer
	f := &failing{errs: make(chan error, 3), closed: make(chan struct{})}
	for _, e := range []syscall.Errno{syscall.ENOMEM, syscall.ENOBUFS, syscall.EMFILE} {
		f.errs <- &net.OpError{Op: "accept", Net: "tcp", Err: e}
	}
	ln := Retry(f, "test", slog.New(slog.NewTextHandler(&out, nil)))
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept: %v, want a connection after the errors", err)
	}
	_ = c.Close()
	if ln.Failures() != 3 {
		t.Fatalf("failures = %d, want 3", ln.Failures())
	}
	if got := strings.Count(out.String(), "accept failed; retrying"); got != 1 || !strings.Contains(out.String(), "cannot allocate memory") {
		t.Fatalf("log %q: want one line, of the first error", out.String())
	}
}
