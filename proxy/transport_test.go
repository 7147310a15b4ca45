package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a Spark UI stand-in that counts the connections it accepted and closed.
type upstream struct {
	*httptest.Server
	opened, closed atomic.Int32
}

func newUpstream(t *testing.T, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{Server: httptest.NewUnstartedServer(h)}
	u.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			u.opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			u.closed.Add(1)
		}
	}
	u.Start()
	t.Cleanup(u.Close)
	return u
}

func testTransport(t *testing.T) *uiTransport {
	t.Helper()
	tr := newUITransport()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

func get(t *testing.T, tr http.RoundTripper, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, string(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTransportReusesOneConnectionForSequentialPages(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked" {
			_, _ = io.WriteString(w, "part one, ")
			w.(http.Flusher).Flush()
		}
		_, _ = io.WriteString(w, "page "+r.URL.Path)
	})
	tr := testTransport(t)
	for _, p := range []string{"/jobs/", "/chunked", "/stages/", "/chunked"} {
		resp, b := get(t, tr, http.MethodGet, u.URL+p)
		if resp.StatusCode != http.StatusOK || !strings.HasSuffix(b, "page "+p) {
			t.Fatalf("%s: %d %q", p, resp.StatusCode, b)
		}
	}
	for _, m := range []string{http.MethodHead, http.MethodGet} { // HEAD: no body to read, the connection still returns
		if resp, _ := get(t, tr, m, u.URL+"/jobs/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", m, resp.StatusCode)
		}
	}
	if n := u.opened.Load(); n != 1 {
		t.Fatalf("%d connections to Spark for six sequential requests, want 1", n)
	}
}

// Spark closes keep-alive connections that idle (Jetty's idle timeout); the next request on such a connection must
// not fail: it is sent again on a new connection.
func TestTransportRetriesOnAConnectionSparkClosed(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	tr := testTransport(t)
	get(t, tr, http.MethodGet, u.URL+"/jobs/")
	u.CloseClientConnections() // the idle one, from Spark's side, without telling us
	waitFor(t, "Spark to close the idle connection", func() bool { return u.closed.Load() == 1 })
	resp, b := get(t, tr, http.MethodGet, u.URL+"/jobs/")
	if resp.StatusCode != http.StatusOK || b != "ok" {
		t.Fatalf("after Spark closed the idle connection: %d %q", resp.StatusCode, b)
	}
	if n := u.opened.Load(); n != 2 {
		t.Fatalf("%d connections opened, want 2", n)
	}
}

func TestTransportDropsConnectionsItCannotReuse(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		_, _ = io.WriteString(w, strings.Repeat("x", 100_000))
	})
	tr := testTransport(t)
	get(t, tr, http.MethodGet, u.URL+"/close") // Spark says close
	waitFor(t, "the connection Spark closed to be closed", func() bool { return u.closed.Load() == 1 })

	req, _ := http.NewRequest(http.MethodGet, u.URL+"/big", nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close() // abandoned before its end: the rest is still on the wire
	waitFor(t, "the abandoned connection to be closed", func() bool { return u.closed.Load() == 2 })

	if resp, b := get(t, tr, http.MethodGet, u.URL+"/big"); resp.StatusCode != http.StatusOK || len(b) != 100_000 {
		t.Fatalf("then: %d, %d bytes", resp.StatusCode, len(b))
	}
	if n := u.opened.Load(); n != 3 {
		t.Fatalf("%d connections opened, want 3 (none reused after close or abandon)", n)
	}
}

func TestTransportEndsTheWaitWhenTheRequestIsCancelled(t *testing.T) {
	release := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	tr := testTransport(t)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.URL+"/slow", nil)
	errc := make(chan error, 1)
	go func() {
		_, err := tr.RoundTrip(req)
		errc <- err
	}()
	waitFor(t, "the request to reach Spark", func() bool { return u.opened.Load() == 1 })
	cancel()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the round trip went on after its request was cancelled")
	}
}

func TestTransportSaysWhenSparkSendsNoHeader(t *testing.T) {
	release := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	tr := testTransport(t)
	tr.headerTimeout = 50 * time.Millisecond
	req, _ := http.NewRequest(http.MethodGet, u.URL+"/stuck", nil)
	_, err := tr.RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "no response header within 50ms") {
		t.Fatalf("err = %v, want one that names the header timeout", err)
	}
}

func TestTransportSendsRequestsWithABodyThroughTheFallback(t *testing.T) {
	var got string
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + string(b)
	})
	tr := testTransport(t)
	req, _ := http.NewRequest(http.MethodPost, u.URL+"/jobs/job/kill/", strings.NewReader("id=3"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || got != "POST id=3" {
		t.Fatalf("%d, Spark got %q", resp.StatusCode, got)
	}
}

func TestTransportClosesIdleConnectionsInTime(t *testing.T) {
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {})
	tr := testTransport(t)
	tr.idleTimeout = 20 * time.Millisecond
	get(t, tr, http.MethodGet, u.URL+"/")
	waitFor(t, "the idle connection to be closed", func() bool { return u.closed.Load() == 1 })
	tr.mu.Lock()
	left, sweeping := len(tr.idle), tr.sweep != nil
	tr.mu.Unlock()
	if left != 0 || sweeping {
		t.Fatalf("after the sweep: %d hosts with idle connections, sweep scheduled %v", left, sweeping)
	}
}

func TestTransportKeepsAtMostMaxIdlePerUI(t *testing.T) {
	var inFlight sync.WaitGroup
	all := make(chan struct{})
	u := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		inFlight.Done()
		<-all // every request holds its connection until all of them have arrived
	})
	tr := testTransport(t)
	tr.maxIdle = 2
	const n = 5
	inFlight.Add(n)
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			req, _ := http.NewRequest(http.MethodGet, u.URL+"/", nil)
			if resp, err := tr.RoundTrip(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
		}()
	}
	inFlight.Wait()
	close(all)
	for range n {
		<-done
	}
	waitFor(t, "the connections beyond maxIdle to be closed", func() bool { return u.closed.Load() == n-2 })
	tr.mu.Lock()
	idle := len(tr.idle[u.Listener.Addr().String()])
	tr.mu.Unlock()
	if idle != 2 {
		t.Fatalf("%d idle connections kept, want 2", idle)
	}
}

// A response split oddly on the wire (header and body in separate writes, a 1xx before it) still arrives whole.
func TestTransportReadsARawSparkResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		for _, part := range []string{
			"HTTP/1.1 103 Early Hints\r\nLink: </static/a.css>\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n",
			"5\r\nhello\r\n", "6\r\n world\r\n", "0\r\n\r\n",
		} {
			if _, err := io.WriteString(c, part); err != nil {
				return
			}
		}
		_, _ = br.ReadByte() // until the transport closes the connection
	}()
	tr := testTransport(t)
	resp, b := get(t, tr, http.MethodGet, "http://"+ln.Addr().String()+"/jobs/")
	if resp.StatusCode != http.StatusOK || b != "hello world" || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("%d %q %v", resp.StatusCode, b, resp.Header)
	}
}

// The proxy's default transport is uiTransport (it was once written and never wired in: every GET went through
// http.Transport's reader and writer goroutines, and the bench figures did not show it).
func TestProxyUsesUITransportByDefault(t *testing.T) {
	h := New(apps{appID: "http://127.0.0.1:1"}, Options{Prefix: prefix}).(*handler)
	tr, ok := h.http.Transport.(*uiTransport)
	if !ok {
		t.Fatalf("default transport is %T, want *uiTransport", h.http.Transport)
	}
	tr.CloseIdleConnections()
}
