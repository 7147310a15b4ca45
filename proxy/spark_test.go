package proxy

import (
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wholePage is the page of /whole/: more than net/http's server holds back before it chooses chunking (so that the
// length is the proxy's doing), less than the proxy's read buffer, and of even length (it is sent in two halves).
var wholePage = strings.Repeat("<tr><td>stage</td></tr>\n", 400)

// fakeSpark imitates a Spark driver UI: absolute redirects built from Host, pages whose links come from
// X-Forwarded-Context, a gzip-encoded resource, the kill handler, and a WebSocket echo. It records what it received.
type fakeSpark struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
	// gate holds back the second part of /parts/ until release; gaveUp says that it was sent without.
	gate    chan struct{}
	release func() bool
	gaveUp  atomic.Bool
}

func newFakeSpark(t *testing.T) *fakeSpark {
	t.Helper()
	f := &fakeSpark{gate: make(chan struct{})}
	mux := http.NewServeMux()
	redirect := func(dest string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://"+r.Host+dest, http.StatusFound) // Spark: new URL(request.getRequestURL, dest)
		}
	}
	mux.HandleFunc("/{$}", redirect("/jobs/"))
	mux.HandleFunc("/jobs", redirect("/jobs/"))
	for _, p := range []string{"/jobs/job/kill", "/jobs/job/kill/"} { // Jetty serves a context path with and without "/"
		mux.HandleFunc(p, redirect("/jobs/"))
	}
	for _, p := range []string{"/stages/stage/kill", "/stages/stage/kill/"} {
		mux.HandleFunc(p, redirect("/stages/"))
	}
	mux.HandleFunc("/jobs/", func(w http.ResponseWriter, r *http.Request) {
		root := r.Header.Get("X-Forwarded-Context")
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Set-Cookie", "JSESSIONID=x; Path=/")
		_, _ = fmt.Fprintf(w, `<html><head><script src="%s/static/utils.js"></script></head>`+
			`<body><a href="%s/stages/">Stages</a><script>setUIRoot('%s')</script></body></html>`, root, root, root)
	})
	mux.HandleFunc("/static/big.js", func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			http.Error(w, "expected gzip", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "text/javascript")
		zw := gzip.NewWriter(w)
		_, _ = fmt.Fprint(zw, strings.Repeat("var spark = 1;\n", 1000))
		_ = zw.Close()
	})
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			_ = c.WriteMessage(mt, append([]byte(r.Header.Get("X-Forwarded-Context")+" "), msg...))
		}
	})
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Spark-Hop")
		w.Header().Set("X-Spark-Hop", "for the proxy only")
		w.Header().Set("Keep-Alive", "timeout=30")
		w.Header().Set("X-Spark-Kept", "yes")
		_, _ = fmt.Fprint(w, "hop")
	})
	// A driver that dies in the middle of a page: the header and part of the body, then the connection closes.
	mux.HandleFunc("/cut/", func(w http.ResponseWriter, r *http.Request) {
		c, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		switch {
		case strings.HasSuffix(r.URL.Path, "/chunked"):
			_, _ = fmt.Fprint(bw, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
		case strings.HasSuffix(r.URL.Path, "/header"):
			_, _ = fmt.Fprint(bw, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"+
				"Transfer-Encoding: chunked\r\n\r\n")
		default:
			_, _ = fmt.Fprint(bw, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello")
		}
		_ = bw.Flush()
	})
	// A page of unknown length that comes whole: header, two chunks and the last chunk in one write, as Jetty sends
	// a page that fits its output buffer.
	mux.HandleFunc("/whole/", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		half := wholePage[:len(wholePage)/2]
		_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"+
			"Connection: close\r\n\r\n%x\r\n%s\r\n%[1]x\r\n%[2]s\r\n0\r\n\r\n", len(half), half)
	})
	// A page in two parts: the second waits until the test has seen the first arrive (release), or gives up.
	mux.HandleFunc("/parts/", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprint(w, "part one;")
		_ = http.NewResponseController(w).Flush()
		select {
		case <-f.gate:
		case <-time.After(5 * time.Second):
			f.gaveUp.Store(true)
		}
		_, _ = fmt.Fprint(w, "part two")
	})
	// An upgrade to a protocol of its own: each line it reads comes back after "echo ".
	mux.HandleFunc("/upgrade", func(w http.ResponseWriter, r *http.Request) {
		c, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer func() { _ = c.Close() }()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second)) // a proxy that never switches does not hold the test
		_, _ = fmt.Fprint(bw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: spark-echo\r\n\r\n")
		_ = bw.Flush()
		for {
			line, err := bw.ReadString('\n')
			if err != nil {
				return
			}
			_, _ = fmt.Fprint(bw, "echo "+line)
			_ = bw.Flush()
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = fmt.Fprint(w, "path="+r.URL.Path) })
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.Clone(r.Context()))
		f.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	var once sync.Once
	f.release = func() bool {
		once.Do(func() { close(f.gate) })
		return !f.gaveUp.Load()
	}
	return f
}

func (f *fakeSpark) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.seen...)
}

func (f *fakeSpark) last(t *testing.T) *http.Request {
	t.Helper()
	rs := f.requests()
	if len(rs) == 0 {
		t.Fatal("Spark received no request")
	}
	return rs[len(rs)-1]
}

func (f *fakeSpark) host() string { return strings.TrimPrefix(f.URL, "http://") }

// apps is a Resolver over a fixed map; safe for concurrent reads.
type apps map[string]string

func (a apps) UIURL(app string) (*url.URL, bool) {
	s, ok := a[app]
	if !ok {
		return nil, false
	}
	u, err := url.Parse(s)
	return u, err == nil
}

const (
	prefix  = "/user/alice/sparkmonitor/"
	appID   = "local-1795574118234"
	ctxPath = prefix + "ui/" + appID
)

type fixture struct {
	spark  *fakeSpark
	proxy  *httptest.Server
	mu     sync.Mutex
	cancel map[string]bool
}

func (f *fixture) setCancel(app string, on bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancel[app] = on
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// setup is the proxy as the monitor runs it (default transport), in front of a fakeSpark.
func setup(t *testing.T) *fixture { return setupWith(t, nil) }

func setupWith(t *testing.T, transport http.RoundTripper) *fixture {
	t.Helper()
	f := &fixture{spark: newFakeSpark(t), cancel: map[string]bool{}}
	h := New(apps{appID: f.spark.URL, "other": "http://127.0.0.1:1"}, Options{
		Prefix:    prefix,
		Transport: transport,
		CancelEnabled: func(app string) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.cancel[app]
		},
	})
	f.proxy = httptest.NewServer(h)
	t.Cleanup(f.proxy.Close)
	return f
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (f *fixture) do(t *testing.T, method, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, f.proxy.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}
