package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// FuzzForward sends requests of any path, query and header, as raw bytes, through net/http's server to forward (the
// path that writes the request to Spark itself), and checks what Spark receives: for every request the server
// accepted, exactly one request on the registered UI, with its Host, a path without "..", the query as the client
// sent it, X-Forwarded-Context, and otherwise only headers the client sent, with the values it sent. Nothing the
// client writes can add a header, a second request or another host.
func FuzzForward(f *testing.F) {
	for _, seed := range []struct{ path, query, name, value string }{
		{"jobs/", "id=1", "X-Other", "kept"},
		{"../../api/apps", "", "Cookie", "a=b"},
		{"jobs/%0d%0aX-Injected:%20yes", "x=%0d%0a", "X-A", "1\tb"},
		{"stages/stage/", "id=1&attempt=0", "Connection", "X-Other"},
		{"static/x.js", "", "Te", "trailers"},
		{"//evil.example/x", "", "Host", "evil.example"},
		{"jobs/", "a=b HTTP/1.1\r\nX-Injected: 1\r\n", "X-B", "c\r\nX-Injected: 1"},
	} {
		f.Add(seed.path, seed.query, seed.name, seed.value)
	}

	var mu sync.Mutex
	var seen []*http.Request // what Spark received
	spark := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(r.Context()))
		mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	defer spark.Close()
	var in *http.Request // the request as the proxy received it
	h := New(apps{appID: spark.URL}, Options{Prefix: prefix})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		in = r.Clone(r.Context())
		mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	sparkHost := strings.TrimPrefix(spark.URL, "http://")

	f.Fuzz(func(t *testing.T, path, query, name, value string) {
		target := prefix + "ui/" + appID + "/" + path
		if query != "" {
			target += "?" + query
		}
		header := name + ": " + value + "\r\n"
		if low := strings.ToLower(target + header); strings.Contains(low, "content-length") || strings.Contains(low, "transfer-encoding") {
			return // a request with a body: the server would wait for it, and it is not forward's
		}
		mu.Lock()
		before := len(seen)
		in = nil
		mu.Unlock()
		resp := rawGet(t, strings.TrimPrefix(srv.URL, "http://"), target, header)
		raw := target + " " + header
		mu.Lock()
		got, received := seen[before:], in
		mu.Unlock()
		if received == nil || received.Method != http.MethodGet || received.ContentLength > 0 || received.Header.Get("Upgrade") != "" {
			return // refused by the server (400), or not a plain GET: not forward's
		}
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden {
			if len(got) != 0 {
				t.Fatalf("%q: refused (%d), but Spark received %d requests", raw, resp.StatusCode, len(got))
			}
			return
		}
		if resp.StatusCode != http.StatusOK || len(got) != 1 {
			t.Fatalf("%q: status %d, Spark received %d requests, want 200 and 1", raw, resp.StatusCode, len(got))
		}
		r := got[0]
		if r.Host != sparkHost || r.Method != http.MethodGet || slices.Contains(strings.Split(r.URL.Path, "/"), "..") {
			t.Fatalf("%q: Spark received %s %q for Host %q", raw, r.Method, r.URL.Path, r.Host)
		}
		if r.URL.RawQuery != received.URL.RawQuery {
			t.Fatalf("%q: Spark received the query %q, the client sent %q", raw, r.URL.RawQuery, received.URL.RawQuery)
		}
		if r.Header.Get("X-Forwarded-Context") != ctxPath {
			t.Fatalf("%q: X-Forwarded-Context %q", raw, r.Header.Get("X-Forwarded-Context"))
		}
		for k, vs := range r.Header {
			if k == "X-Forwarded-Context" {
				continue
			}
			if !slices.Equal(vs, received.Header[k]) {
				t.Fatalf("%q: Spark received %s: %q, the client sent %q", raw, k, vs, received.Header[k])
			}
		}
	})
}
