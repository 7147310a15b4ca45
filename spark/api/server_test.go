package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serveLimited serves h with lim on a loopback port until the test ends, and returns the address.
func serveLimited(t *testing.T, h http.Handler, lim ServerLimits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, lim, nil)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// short are limits a test sees pass: the timeouts of a fraction of a second.
var short = ServerLimits{ReadHeaderTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond,
	BodyReadTimeout: 200 * time.Millisecond}

func dialHTTP(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedByServer reads c until the server closes it, within 10 s; it fails the test if c is still open then.
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

// getOn sends a keep-alive GET on c and reads its response, within 10 s.
func getOn(t *testing.T, c net.Conn, r *bufio.Reader) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	return string(b)
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = io.WriteString(w, "ok")
})

// Idle keep-alive connections, half-sent headers and stalled bodies (read by the handler or not) are closed.
func TestIdleAndHalfSentConnectionsAreClosed(t *testing.T) {
	ignoresBody := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux := http.NewServeMux()
	mux.Handle("/read", okHandler)
	mux.Handle("/ignore", ignoresBody)
	addr := serveLimited(t, mux, short)

	idle := dialHTTP(t, addr)
	if body := getOn(t, idle, bufio.NewReader(idle)); body != "404 page not found\n" {
		t.Fatalf("GET: %q", body)
	}
	for what, sent := range map[string]string{
		"idle keep-alive":               "",
		"half-sent header":              "GET /read HTTP/1.1\r\nHost: x\r\n",
		"nothing sent":                  "",
		"stalled body, read":            "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
		"stalled body, not read":        "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789",
		"stalled chunked body, read":    "POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
		"stalled chunked body, ignored": "POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n",
	} {
		c := idle
		if what != "idle keep-alive" {
			c = dialHTTP(t, addr)
			if _, err := io.WriteString(c, sent); err != nil {
				t.Fatal(err)
			}
		}
		closedByServer(t, c, what)
	}
}

// A WebSocket and a long response outlive the timeouts: an idle connection opened at the same time is closed first.
func TestWebSocketsAndLongResponsesOutliveTheTimeouts(t *testing.T) {
	upgrader := websocket.Upgrader{}
	proceed := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		for {
			typ, b, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, b) != nil {
				return
			}
		}
	})
	mux.HandleFunc("/long", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // a body, read to its end, and once more
		_, _ = r.Body.Read(make([]byte, 1))
		_, _ = io.WriteString(w, "first\n")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-proceed:
			_, _ = io.WriteString(w, "second\n")
		case <-r.Context().Done():
		}
	})
	// The body deadline passes well before the idle connection below is closed.
	addr := serveLimited(t, mux, ServerLimits{ReadHeaderTimeout: 500 * time.Millisecond,
		IdleTimeout: 500 * time.Millisecond, BodyReadTimeout: 100 * time.Millisecond})

	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ws.Close() }()
	long := dialHTTP(t, addr)
	_, _ = io.WriteString(long, "POST /long HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody")
	lr := bufio.NewReader(long)
	_ = long.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(lr, nil)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); line != "first\n" {
		t.Fatalf("long response: %q %v", line, err)
	}

	closedByServer(t, dialHTTP(t, addr), "idle") // the timeouts have passed, for the long response too

	_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := ws.WriteMessage(websocket.TextMessage, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	if _, b, err := ws.ReadMessage(); err != nil || string(b) != "still here" {
		t.Fatalf("WebSocket after the timeouts: %q %v", b, err)
	}
	close(proceed)
	if line, err := br.ReadString('\n'); line != "second\n" {
		t.Fatalf("long response after the timeouts: %q %v", line, err)
	}
}

// An upload that keeps coming is not cut, however long it lasts: only a stall of BodyReadTimeout is.
func TestASlowUploadIsNotCut(t *testing.T) {
	const chunks = 12
	mux := http.NewServeMux()
	mux.Handle("/upload", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		_, _ = fmt.Fprintf(w, "%d %v", n, err)
	}))
	// Each pause below lasts until an idle connection is closed (100 ms), well under BodyReadTimeout; all of them
	// together last more than BodyReadTimeout.
	addr := serveLimited(t, mux, ServerLimits{ReadHeaderTimeout: 100 * time.Millisecond, BodyReadTimeout: time.Second})
	c := dialHTTP(t, addr)
	_, _ = fmt.Fprintf(c, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", chunks)
	start := time.Now()
	for range chunks {
		closedByServer(t, dialHTTP(t, addr), "idle")
		if _, err := io.WriteString(c, "x"); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) < time.Second {
		t.Fatalf("the upload took %v, less than BodyReadTimeout: the test proves nothing", time.Since(start))
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != fmt.Sprintf("%d <nil>", chunks) {
		t.Fatalf("upload: %q", b)
	}
}

// With MaxConns connections open, the next one is not served until one of them closes.
func TestOpenConnectionsAreCapped(t *testing.T) {
	addr := serveLimited(t, okHandler, ServerLimits{MaxConns: 2})
	var open []net.Conn
	for range 2 {
		c := dialHTTP(t, addr)
		if body := getOn(t, c, bufio.NewReader(c)); body != "ok" {
			t.Fatalf("GET: %q", body)
		}
		open = append(open, c)
	}
	third := dialHTTP(t, addr)
	if _, err := io.WriteString(third, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(third)
	// Not served while the two are open (the absence of an answer, checked for a short while only).
	_ = third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := r.Peek(1); err == nil {
		t.Fatal("a third connection was served with two open and MaxConns 2")
	}
	_ = open[0].Close()
	_ = third.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal("the third connection after one closed:", err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "ok" {
		t.Fatalf("third connection: %q", b)
	}
}

// Request headers over MaxHeaderBytes are refused.
func TestHeadersOverTheLimitAreRefused(t *testing.T) {
	addr := serveLimited(t, okHandler, ServerLimits{MaxHeaderBytes: 4 << 10})
	c := dialHTTP(t, addr)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = io.WriteString(c, "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}
