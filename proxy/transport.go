package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// uiTransport is the RoundTripper to the Spark UIs (issue 5, P5). A GET or HEAD without a body to a plain-http UI
// makes its round trip on the caller's goroutine, over a pooled keep-alive connection: the request is written, the
// response read, and the connection is back in the pool once its body is read to the end. http.Transport does the
// same work with two goroutines per connection (one writes, one reads) and hands each request and response across
// channels; on the 2-core machines the monitor runs on, those hand-offs cost about as much as the rest of the proxy.
// Anything else (a body, https, an upgrade) goes to the fallback, a tuned clone of http.DefaultTransport.
//
// Safe for concurrent use. A connection is used by one request at a time; an idle one holds no goroutine, and idle
// ones are closed after idleTimeout.
type uiTransport struct {
	fallback      http.RoundTripper
	dial          func(ctx context.Context, network, addr string) (net.Conn, error)
	headerTimeout time.Duration // from the request written to the response's header read
	idleTimeout   time.Duration // an idle connection older than this is closed
	maxIdle       int           // idle connections kept per UI
	readBuffer    int

	mu    sync.Mutex
	idle  map[string][]*uiConn // by host:port; the most recently used last
	sweep *time.Timer          // closes expired idle connections; nil when none are idle
}

type uiConn struct {
	net.Conn
	host  string
	br    *bufio.Reader
	bw    *bufio.Writer
	since time.Time // idle since
}

func newUITransport() *uiTransport {
	d := &net.Dialer{Timeout: DefaultDialTimeout, KeepAlive: 30 * time.Second}
	return &uiTransport{
		fallback:      newTransport(),
		dial:          d.DialContext,
		headerTimeout: DefaultResponseHeaderTimeout,
		idleTimeout:   30 * time.Second,
		maxIdle:       8, // a page's static resources arrive in parallel; keep their connections to Spark
		readBuffer:    64 << 10,
		idle:          map[string][]*uiConn{},
	}
}

// errStale: a reused connection that Spark had closed (its idle timeout) before it read the request.
var errStale = errors.New("idle connection closed by the Spark UI")

func (t *uiTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !plainGet(req.URL.Scheme, req) {
		return t.fallback.RoundTrip(req)
	}
	return t.exchange(req, req.URL.Host, req.Write, req.Close)
}

// plainGet says whether a request is one uiTransport makes itself: a GET or HEAD without a body or an upgrade, to a
// UI of that scheme that is plain http.
func plainGet(scheme string, req *http.Request) bool {
	return scheme == "http" && (req.Method == http.MethodGet || req.Method == http.MethodHead) &&
		(req.Body == nil || req.Body == http.NoBody) && req.ContentLength <= 0 && req.Header.Get("Upgrade") == ""
}

// exchange makes one plain GET or HEAD to host: write puts the request on the connection's buffer (RoundTrip: the
// http.Request's own Write; the proxy's forward: the request as it goes to Spark, written without building one), and
// req gives the method, which says how the response is framed, and the context that ends the wait. closes says that
// the request written asks Spark to close the connection after its response (Connection: close).
func (t *uiTransport) exchange(req *http.Request, host string, write func(io.Writer) error, closes bool) (*http.Response, error) {
	for {
		c, reused, err := t.conn(req.Context(), host)
		if err != nil {
			return nil, err
		}
		resp, err := t.roundTrip(c, req, write, closes, reused)
		if errors.Is(err, errStale) {
			continue // GET and HEAD are idempotent, and Spark never saw this one: once more on another connection
		}
		return resp, err
	}
}

// conn is an idle connection to host, or a new one.
func (t *uiTransport) conn(ctx context.Context, host string) (c *uiConn, reused bool, err error) {
	t.mu.Lock()
	for cs := t.idle[host]; len(cs) > 0; cs = t.idle[host] {
		c = cs[len(cs)-1]
		t.idle[host] = cs[:len(cs)-1]
		if time.Since(c.since) < t.idleTimeout {
			t.mu.Unlock()
			return c, true, nil
		}
		_ = c.Close()
	}
	t.mu.Unlock()
	nc, err := t.dial(ctx, "tcp", host)
	if err != nil {
		return nil, false, err
	}
	return &uiConn{Conn: nc, host: host, br: bufio.NewReaderSize(nc, t.readBuffer), bw: bufio.NewWriter(nc)}, false, nil
}

// put makes c idle again, or closes it when the pool of its host is full.
func (t *uiTransport) put(c *uiConn) {
	c.since = time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if cs := t.idle[c.host]; len(cs) < t.maxIdle {
		t.idle[c.host] = append(cs, c)
		if t.sweep == nil {
			t.sweep = time.AfterFunc(t.idleTimeout, t.closeExpired)
		}
		return
	}
	_ = c.Close()
}

// closeExpired closes the connections idle for idleTimeout, and comes back while any are left.
func (t *uiTransport) closeExpired() {
	t.mu.Lock()
	defer t.mu.Unlock()
	left := 0
	for host, cs := range t.idle {
		kept := cs[:0]
		for _, c := range cs {
			if time.Since(c.since) >= t.idleTimeout {
				_ = c.Close()
			} else {
				kept = append(kept, c)
			}
		}
		if len(kept) == 0 {
			delete(t.idle, host)
		} else {
			t.idle[host] = kept
		}
		left += len(kept)
	}
	t.sweep = nil
	if left > 0 {
		t.sweep = time.AfterFunc(t.idleTimeout, t.closeExpired)
	}
}

// CloseIdleConnections closes every idle connection (http.Client and tests call it).
func (t *uiTransport) CloseIdleConnections() {
	t.mu.Lock()
	for host, cs := range t.idle {
		for _, c := range cs {
			_ = c.Close()
		}
		delete(t.idle, host)
	}
	t.mu.Unlock()
	if f, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		f.CloseIdleConnections()
	}
}

// aLongTimeAgo is a deadline that makes every pending read or write on a connection fail at once.
var aLongTimeAgo = time.Unix(1, 0)

func (t *uiTransport) roundTrip(c *uiConn, req *http.Request, write func(io.Writer) error, closes, reused bool) (*http.Response, error) {
	ctx := req.Context()
	// The client going away (or the request's context ending) ends the wait for Spark.
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		_ = c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := c.SetReadDeadline(time.Now().Add(t.headerTimeout)); err != nil {
		return fail(err)
	}
	if err := write(c.bw); err != nil {
		return fail(err)
	}
	if err := c.bw.Flush(); err != nil {
		if reused && ctx.Err() == nil {
			err = errStale
		}
		return fail(err)
	}
	resp, err := http.ReadResponse(c.br, req)
	for err == nil && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
		resp, err = http.ReadResponse(c.br, req) // 1xx (Spark sends none unasked): skip to the final response
	}
	if err != nil {
		if reused && ctx.Err() == nil && c.br.Buffered() == 0 && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
			err = errStale
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() && ctx.Err() == nil {
			err = fmt.Errorf("no response header within %v", t.headerTimeout)
		}
		return fail(err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return fail(err)
	}
	keep := !resp.Close && !closes
	if resp.Body == http.NoBody || resp.Body == nil {
		t.release(c, stop, keep)
		resp.Body = http.NoBody
		return resp, nil
	}
	resp.Body = &uiBody{rc: resp.Body, t: t, c: c, stop: stop, keep: keep}
	return resp, nil
}

// release ends a round trip on c: back to the pool when its response was read to the end and both sides keep it.
func (t *uiTransport) release(c *uiConn, stop func() bool, keep bool) {
	if !stop() {
		keep = false // the context ended meanwhile: the deadline of the past is set on c
	}
	if keep {
		t.put(c)
	} else {
		_ = c.Close()
	}
}

func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }

// uiBody is a response body that gives its connection back once read to the end (or closes it when abandoned).
type uiBody struct {
	rc   io.ReadCloser
	t    *uiTransport
	c    *uiConn
	stop func() bool
	keep bool
	done bool
}

func (b *uiBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	if err == io.EOF {
		b.done = true
		b.t.release(b.c, b.stop, b.keep)
	} else if err != nil {
		b.done = true
		b.t.release(b.c, b.stop, false)
	}
	return n, err
}

func (b *uiBody) Close() error {
	if !b.done {
		b.done = true
		b.t.release(b.c, b.stop, false) // not read to the end: the rest of the response is still on the wire
	}
	return nil
}
