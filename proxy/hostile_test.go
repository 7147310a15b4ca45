package proxy

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// rawGet sends a request line exactly as written (no client-side normalisation) and returns the response.
func rawGet(t *testing.T, addr, requestTarget string, extra ...string) *http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	headers := strings.Join(extra, "")
	if !strings.Contains(headers, "Connection:") {
		headers += "Connection: close\r\n"
	}
	req := "GET " + requestTarget + " HTTP/1.1\r\nHost: jupyter.example:8888\r\n" + headers + "\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", requestTarget, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// Hostile paths only ever reach the registered UI's host:port (or are refused); nothing reaches another host, no
// header is injected, and no redirect leaves the prefix.
func TestHostilePathsStayOnTheRegisteredUI(t *testing.T) {
	testHostilePathsStayOnTheRegisteredUI(t, setup(t))
}

func testHostilePathsStayOnTheRegisteredUI(t *testing.T, f *fixture) {
	var evilHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { evilHits.Add(1) }))
	defer evil.Close()
	evilHost := strings.TrimPrefix(evil.URL, "http://")
	addr := strings.TrimPrefix(f.proxy.URL, "http://")
	ui := prefix + "ui/" + appID
	targets := []string{
		ui + "/../../api/apps",
		ui + "/%2e%2e/%2e%2e/%2e%2e/x",
		ui + "/%2E%2E%2F%2E%2E%2Fapi",
		ui + "/..%2f..%2f" + evilHost + "/",
		ui + "//" + evilHost + "/x",
		ui + "///" + evilHost,
		ui + "/http://" + evilHost + "/",
		ui + "/http:%2f%2f" + evilHost + "/",
		ui + "/@" + evilHost + "/",
		ui + "@" + evilHost + "/jobs/",
		prefix + "ui/" + appID + "%2f..%2f..%2f" + evilHost,
		prefix + "ui/..%2f" + appID + "/jobs/",
		prefix + "ui/%2e%2e/api/apps",
		prefix + "ui/" + evilHost + "/jobs/",
		prefix + "ui/http:%2f%2f" + evilHost + "/jobs/",
		ui + "/jobs/%0d%0aX-Injected:%20yes",
		ui + "/jobs/?x=%0d%0aX-Injected:%20yes",
		ui + "/jobs/%00",
		ui + "\\..\\..\\" + evilHost,
		"http://" + evilHost + ui + "/jobs/", // absolute-form request target
		"http://" + evilHost + "@" + addr + ui + "/jobs/",
	}
	for _, target := range targets {
		before := len(f.spark.requests())
		resp := rawGet(t, addr, target)
		if loc := resp.Header.Get("Location"); loc != "" && !strings.HasPrefix(loc, ui) {
			t.Errorf("%q: redirect leaves the prefix: %q", target, loc)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("%q: status %d", target, resp.StatusCode)
		}
		t.Logf("%q -> %d %q, Spark saw %d", target, resp.StatusCode, resp.Header.Get("Location"), len(f.spark.requests())-before)
		for _, r := range f.spark.requests()[before:] {
			if r.Host != f.spark.host() || r.Header.Get("X-Injected") != "" {
				t.Errorf("%q reached Spark with Host %q, headers %v", target, r.Host, r.Header)
			}
			if strings.Contains(r.URL.Path, "..") {
				t.Errorf("%q reached Spark as %q", target, r.URL.Path)
			}
		}
		if resp.Header.Get("X-Injected") != "" {
			t.Errorf("%q injected a response header", target)
		}
	}
	if n := evilHits.Load(); n != 0 {
		t.Fatalf("another host received %d requests", n)
	}
}

// A Resolver's URL with a path, user info or an unusual scheme still only gives scheme://host:port.
func TestResolverURLIsReducedToHost(t *testing.T) {
	spark := newFakeSpark(t)
	h := New(apps{
		"a":   "http://user:pw@" + spark.host() + "/some/base?q=1",
		"ftp": "ftp://" + spark.host(),
		"rel": "/relative/only",
	}, Options{Prefix: "sparkmonitor"}) // normalised to /sparkmonitor/
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/sparkmonitor/ui/a/stages/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if r := spark.last(t); r.URL.Path != "/stages/" || r.Header.Get("Authorization") != "" || r.Header.Get("X-Forwarded-Context") != "/sparkmonitor/ui/a" {
		t.Fatalf("Spark got %s %v", r.URL, r.Header)
	}
	for _, app := range []string{"ftp", "rel"} {
		resp, err := http.Get(srv.URL + "/sparkmonitor/ui/" + app + "/")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", app, resp.StatusCode)
		}
	}
}

func TestCrossOriginWebSocketNeverDialsSpark(t *testing.T) {
	f := setup(t)
	resp := rawGet(t, strings.TrimPrefix(f.proxy.URL, "http://"), prefix+"ui/"+appID+"/ws",
		"Upgrade: websocket\r\n", "Connection: Upgrade\r\n", "Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
		"Origin: http://evil.example\r\n")
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("status %d, want 403", resp.StatusCode)
	}
	if n := len(f.spark.requests()); n != 0 {
		t.Fatalf("Spark was dialed %d times", n)
	}
}
