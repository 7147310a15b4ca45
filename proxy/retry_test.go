package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// idleClosingSpark is a Spark UI stand-in that closes its idle keep-alive connections when told to (Jetty's idle
// timeout), and records what it received.
type idleClosingSpark struct {
	*httptest.Server
	opened atomic.Int32
	mu     sync.Mutex
	got    []string // method, the size of X-Large, and the body of each request
}

func newIdleClosingSpark(t *testing.T) *idleClosingSpark {
	t.Helper()
	s := &idleClosingSpark{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, r.Method+" "+strconv.Itoa(len(r.Header.Get("X-Large")))+" "+string(b))
		s.mu.Unlock()
		_, _ = io.WriteString(w, "page "+r.URL.Path)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.opened.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *idleClosingSpark) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// lateConn is a connection to Spark whose reader learns that Spark closed it only once a write on it failed: the
// instant in which Spark's close is on its way while the transport takes the connection from its pool and writes a
// request, and the reset meets the writer first (http.Transport's reader would otherwise see the close before and
// drop the connection from its pool, and a test could not tell the two apart). closed says that the close arrived.
type lateConn struct {
	net.Conn
	closed, writeFailed, closedHere  chan struct{}
	onceClosed, onceFailed, onceHere sync.Once
}

func newLateConn(c net.Conn) *lateConn {
	return &lateConn{Conn: c, closed: make(chan struct{}), writeFailed: make(chan struct{}), closedHere: make(chan struct{})}
}

func (c *lateConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil {
		c.onceClosed.Do(func() { close(c.closed) })
		select {
		case <-c.writeFailed:
		case <-c.closedHere:
		}
	}
	return n, err
}

func (c *lateConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.onceFailed.Do(func() { close(c.writeFailed) })
	}
	return n, err
}

func (c *lateConn) Close() error {
	c.onceHere.Do(func() { close(c.closedHere) })
	return c.Conn.Close()
}

// A request that leaves on a pooled connection Spark has just closed is sent again on a new one, whatever its size:
// a GET without a body, and a POST (Spark's kill links) whose body the proxy holds. Requests larger than the
// transport's 4 KiB write buffer meet the reset while they are being written, which http.Transport alone answers
// with an error, and the user saw the 502 page.
func TestRequestOnAConnectionSparkClosedIsSentAgain(t *testing.T) {
	spark := newIdleClosingSpark(t)
	conns := make(chan *lateConn, 16)
	tr := newTransport()
	dial := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		lc := newLateConn(c)
		conns <- lc
		return lc, nil
	}
	t.Cleanup(tr.CloseIdleConnections)
	h := New(apps{appID: spark.URL}, Options{Prefix: prefix, Transport: tr, CancelEnabled: func(string) bool { return true }})
	p := httptest.NewServer(h)
	t.Cleanup(p.Close)

	send := func(method, path, body string, large int) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, p.URL+prefix+"ui/"+appID+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body == "" {
			req.Body = nil
		}
		req.Header.Set("X-Large", strings.Repeat("x", large))
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	if resp := send(http.MethodGet, "/jobs/", "", 0); resp.StatusCode != http.StatusOK {
		t.Fatalf("first page: status %d", resp.StatusCode)
	}
	want := []string{"GET 0 "}
	for i, c := range []struct {
		method, path, body string
		large              int
	}{
		{http.MethodGet, "/stages/", "", 16 << 10},
		{http.MethodGet, "/jobs/", "", 64 << 10},
		{http.MethodPost, "/jobs/job/kill/", "id=3", 16 << 10},
	} {
		idle := <-conns // the connection the last request left in the pool
		spark.CloseClientConnections()
		<-idle.closed
		resp := send(c.method, c.path, c.body, c.large)
		if b := body(t, resp); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s with %d bytes of header, on a connection Spark closed: status %d: %s",
				c.method, c.path, c.large, resp.StatusCode, b)
		}
		want = append(want, c.method+" "+strconv.Itoa(c.large)+" "+c.body)
		if got := spark.received(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("Spark received %q, want %q", got, want)
		}
		if n := spark.opened.Load(); n != int32(i+2) {
			t.Fatalf("%d connections opened, want %d (one new one per closed one)", n, i+2)
		}
	}
}
