package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkProxy: one GET of a 50 KB page over keep-alive, direct to an upstream and through the proxy, so that
// ns/op(proxy) − ns/op(direct) is what the proxy adds per request (issue 5, P5; the end-to-end figure with a real
// Spark is integration/bench/bench_proxy.py). Pages are sent as Spark's Jetty sends them: HTML chunked (no
// Content-Length), static files with a Content-Length.
func BenchmarkProxy(b *testing.B) {
	page := strings.Repeat(`<tr><td><a href="/jobs/job/?id=1">collect at cell 3</a></td><td>2026/11/25</td></tr>`+"\n", 600)[:50_000]
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("Content-Length", strconv.Itoa(len(page)))
			_, _ = io.WriteString(w, page)
			return
		}
		w.Header().Set("Content-Type", "text/html;charset=utf-8")
		for rest := page; rest != ""; { // Jetty writes its output buffer (8 KB) at a time
			n := min(8192, len(rest))
			_, _ = io.WriteString(w, rest[:n])
			rest = rest[n:]
		}
	}))
	b.Cleanup(upstream.Close)
	proxied := httptest.NewServer(New(apps{appID: upstream.URL}, Options{Prefix: prefix}))
	b.Cleanup(proxied.Close)

	for _, path := range []string{"/jobs/", "/static/app.css"} {
		for _, via := range []struct{ name, base string }{
			{"direct", upstream.URL},
			{"proxy", proxied.URL + prefix + "ui/" + appID},
		} {
			b.Run(strings.Trim(path, "/")+"/"+via.name, func(b *testing.B) {
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}}
				b.Cleanup(client.CloseIdleConnections)
				url := via.base + path
				b.SetBytes(int64(len(page)))
				b.ReportAllocs()
				for b.Loop() {
					resp, err := client.Get(url)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if resp.StatusCode != http.StatusOK || n != 50_000 {
						b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
					}
				}
			})
		}
	}
}
