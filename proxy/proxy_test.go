package proxy

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func envelope(t *testing.T, resp *http.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body(t, resp)), &m); err != nil {
		t.Fatalf("not a JSON envelope: %v", err)
	}
	if m["status"] != "error" || m["errorType"] == nil || m["error"] == nil {
		t.Fatalf("not an error envelope: %v", m)
	}
	return m
}

func TestRootLandsOnJobsPageWithoutRedirect(t *testing.T) {
	testRootLandsOnJobsPageWithoutRedirect(t, setup(t))
}

func testRootLandsOnJobsPageWithoutRedirect(t *testing.T, f *fixture) {
	for _, p := range []string{"ui/" + appID, "ui/" + appID + "/"} {
		resp := f.do(t, http.MethodGet, prefix+p, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200 (no redirect jupyter-server-proxy could mangle)", p, resp.StatusCode)
		}
		if got := f.spark.last(t).URL.Path; got != "/jobs/" {
			t.Fatalf("%s reached Spark as %q, want /jobs/", p, got)
		}
		if b := body(t, resp); !strings.Contains(b, `href="`+ctxPath+`/stages/"`) {
			t.Fatalf("%s: Spark's links are not under the prefix: %s", p, b)
		}
	}
}

func TestRequestHeadersToSpark(t *testing.T) { testRequestHeadersToSpark(t, setup(t)) }

func testRequestHeadersToSpark(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/jobs/?id=3", http.Header{
		"Cookie":        {"_xsrf=abc; username-127-0-0-1-8888=secret"},
		"Authorization": {"token jupyter-token"},
		SecretHeader:    {"proxy-secret"},
		"X-Other":       {"kept"},
		// Hop-by-hop (also those the Connection header names), and the client's own forwarding headers.
		"Connection":          {"X-Client-Hop"},
		"X-Client-Hop":        {"for the proxy only"},
		"Keep-Alive":          {"timeout=5"},
		"Proxy-Authorization": {"Basic eDp5"},
		"X-Forwarded-For":     {"203.0.113.9"},
		"Forwarded":           {"for=203.0.113.9"},
		"X-Forwarded-Context": {"/elsewhere"},
		"User-Agent":          {""}, // none: Spark sees none either (no Go-http-client of ours)
	})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	r := f.spark.last(t)
	if r.Host != f.spark.host() {
		t.Errorf("Host = %q, want the UI's own %q", r.Host, f.spark.host())
	}
	if got := r.Header.Get("X-Forwarded-Context"); got != ctxPath {
		t.Errorf("X-Forwarded-Context = %q, want %q", got, ctxPath)
	}
	for _, h := range []string{"Cookie", "Authorization", SecretHeader, // credentials
		"Connection", "X-Client-Hop", "Keep-Alive", "Proxy-Authorization", "X-Forwarded-For", "Forwarded", "User-Agent"} {
		if v, ok := r.Header[h]; ok {
			t.Errorf("%s reached Spark: %q", h, v)
		}
	}
	if r.Header.Get("X-Other") != "kept" || r.URL.RawQuery != "id=3" {
		t.Errorf("other headers and the query must pass: %v %q", r.Header, r.URL.RawQuery)
	}
	if c := resp.Header.Get("Set-Cookie"); c != "" {
		t.Errorf("Spark's Set-Cookie reached the Jupyter origin: %q", c)
	}
}

func TestSparkRedirectsStayUnderThePrefix(t *testing.T) {
	testSparkRedirectsStayUnderThePrefix(t, setup(t))
}

func testSparkRedirectsStayUnderThePrefix(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/jobs", nil)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != ctxPath+"/jobs/" {
		t.Fatalf("/jobs: %d Location %q, want 302 %s/jobs/", resp.StatusCode, resp.Header.Get("Location"), ctxPath)
	}
	for loc, want := range map[string]string{
		"http://" + f.spark.host() + "/jobs/?a=1#x": ctxPath + "/jobs/?a=1#x",
		"http://" + f.spark.host():                  ctxPath,
		"/stages/":                                  ctxPath + "/stages/",
		ctxPath + "/stages/":                        ctxPath + "/stages/", // Spark already used the context
		"stage/?id=1":                               "stage/?id=1",        // relative: already under the prefix
		"https://example.org/docs":                  "https://example.org/docs",
	} {
		tg := target{app: appID, upstream: mustURL(t, f.spark.URL), context: ctxPath}
		if got := mapLocation(loc, tg); got != want {
			t.Errorf("mapLocation(%q) = %q, want %q", loc, got, want)
		}
	}
}

func TestGzipPassesThrough(t *testing.T) { testGzipPassesThrough(t, setup(t)) }

func testGzipPassesThrough(t *testing.T, f *fixture) {
	req, _ := http.NewRequest(http.MethodGet, f.proxy.URL+prefix+"ui/"+appID+"/static/big.js", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(b), "var spark = 1;") || len(b) != 15000 {
		t.Fatalf("gzip body damaged: %d bytes", len(b))
	}
}

func TestUnknownAppIs404Envelope(t *testing.T) {
	f := setup(t)
	for _, p := range []string{"ui/app-nope/jobs/", "ui/", "ui//jobs/", "ui/" + strings.ToUpper(appID) + "/"} {
		resp := f.do(t, http.MethodGet, prefix+p, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: status %d, want 404", p, resp.StatusCode)
		}
		if m := envelope(t, resp); m["errorType"] != "not_found" {
			t.Fatalf("%s: %v", p, m)
		}
	}
	if n := len(f.spark.requests()); n != 0 {
		t.Fatalf("Spark received %d requests for unknown apps", n)
	}
}

func TestUnreachableUIIs502WithReason(t *testing.T) { testUnreachableUIIs502WithReason(t, setup(t)) }

func testUnreachableUIIs502WithReason(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodGet, prefix+"ui/other/jobs/", nil)
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}
	m := envelope(t, resp)
	if msg := m["error"].(string); !strings.HasPrefix(msg, "Spark UI of other not reachable: ") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Fatalf("unclear 502: %q", msg)
	}
}

func TestKillLinks(t *testing.T) { testKillLinks(t, setup(t)) }

func testKillLinks(t *testing.T, f *fixture) {
	kill := prefix + "ui/" + appID + "/jobs/job/kill/?id=1"
	sameOrigin := http.Header{"Sec-Fetch-Site": {"same-origin"}}
	f.setCancel(appID, false)
	if resp := f.do(t, http.MethodGet, kill, sameOrigin); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cancel disabled: status %d, want 403", resp.StatusCode)
	}
	f.setCancel(appID, true)
	for name, h := range map[string]http.Header{
		"no origin":      nil,
		"cross-site":     {"Sec-Fetch-Site": {"cross-site"}},
		"same-site":      {"Sec-Fetch-Site": {"same-site"}, "Origin": {"http://" + strings.TrimPrefix(f.proxy.URL, "http://")}},
		"foreign origin": {"Origin": {"http://evil.example"}},
		"null origin":    {"Origin": {"null"}},
	} {
		for _, p := range []string{kill, prefix + "ui/" + appID + "/stages/stage/kill?id=2", prefix + "ui/" + appID + "/jobs/job/../job/kill"} {
			if resp := f.do(t, http.MethodPost, p, h); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: status %d, want 403", name, p, resp.StatusCode)
			}
		}
	}
	if n := len(f.spark.requests()); n != 0 {
		t.Fatalf("refused kills reached Spark %d times", n)
	}
	for _, h := range []http.Header{sameOrigin, {"Origin": {f.proxy.URL}}} {
		resp := f.do(t, http.MethodGet, kill, h)
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != ctxPath+"/jobs/" {
			t.Fatalf("allowed kill: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if r := f.spark.last(t); r.URL.Path != "/jobs/job/kill/" || r.URL.RawQuery != "id=1" {
			t.Fatalf("Spark got %s?%s", r.URL.Path, r.URL.RawQuery)
		}
	}
}

func TestWebSocket(t *testing.T) {
	f := setup(t)
	wsURL := "ws" + strings.TrimPrefix(f.proxy.URL, "http") + prefix + "ui/" + appID + "/ws"
	c, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{
		"Origin": {f.proxy.URL}, "Cookie": {"jupyter=secret"}, SecretHeader: {"s"},
	})
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	defer func() { _ = c.Close() }()
	if err := c.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.ReadMessage()
	if err != nil || string(msg) != ctxPath+" ping" {
		t.Fatalf("echo %q, %v", msg, err)
	}
	r := f.spark.last(t)
	if r.Host != f.spark.host() || r.Header.Get("Cookie") != "" || r.Header.Get(SecretHeader) != "" {
		t.Fatalf("upstream handshake: Host %q, headers %v", r.Host, r.Header)
	}
	// An unreachable UI is the same clear 502 as for pages.
	_, resp, err = websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(f.proxy.URL, "http")+prefix+"ui/other/ws", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway || !strings.Contains(envelope(t, resp)["error"].(string), "Spark UI of other not reachable") {
		t.Fatalf("unreachable WebSocket: %v %v", resp, err)
	}
	// A page of another origin cannot open it.
	if _, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Origin": {"http://evil.example"}}); err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin WebSocket: %v %v", resp, err)
	}
}

func TestHopByHopResponseHeadersStayHere(t *testing.T) {
	testHopByHopResponseHeadersStayHere(t, setup(t))
}

func testHopByHopResponseHeadersStayHere(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/hop", nil)
	if resp.StatusCode != http.StatusOK || body(t, resp) != "hop" {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, h := range []string{"X-Spark-Hop", "Keep-Alive"} {
		if v := resp.Header.Get(h); v != "" {
			t.Errorf("%s reached the client: %q", h, v)
		}
	}
	if resp.Header.Get("X-Spark-Kept") != "yes" {
		t.Errorf("Spark's other headers must pass: %v", resp.Header)
	}
}

func TestHeadRequest(t *testing.T) { testHeadRequest(t, setup(t)) }

func testHeadRequest(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodHead, prefix+"ui/"+appID+"/jobs/", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html" || body(t, resp) != "" {
		t.Fatalf("HEAD: status %d, header %v", resp.StatusCode, resp.Header)
	}
	if r := f.spark.last(t); r.Method != http.MethodHead || r.URL.Path != "/jobs/" {
		t.Fatalf("Spark got %s %s", r.Method, r.URL.Path)
	}
	// The connection to Spark is still good for the next request.
	if resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/jobs/", nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body(t, resp), ctxPath+"/stages/") {
		t.Fatalf("GET after HEAD: status %d", resp.StatusCode)
	}
}

// A Spark driver that dies in the middle of a page: the client's response ends broken, not short and complete.
func TestPageCutShortByTheDriverIsBroken(t *testing.T) {
	testPageCutShortByTheDriverIsBroken(t, setup(t))
}

func testPageCutShortByTheDriverIsBroken(t *testing.T, f *fixture) {
	for _, p := range []string{"/cut/length", "/cut/chunked"} {
		resp, err := http.Get(f.proxy.URL + prefix + "ui/" + appID + p)
		if err != nil {
			continue // nothing had left yet (a page with a length leaves whole): the connection closed without an answer
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err == nil {
			t.Errorf("%s: status %d, the body read as complete (%q)", p, resp.StatusCode, b)
		}
	}
	// The proxy goes on serving.
	if resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/jobs/", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a cut page: status %d", resp.StatusCode)
	}
}

// jupyter-server-proxy closes its connection to the monitor after every request; the monitor's connection to Spark
// stays open for the next one all the same.
func TestClientClosingKeepsTheConnectionToSpark(t *testing.T) {
	testClientClosingKeepsTheConnectionToSpark(t, setup(t))
}

func testClientClosingKeepsTheConnectionToSpark(t *testing.T, f *fixture) {
	for range 3 {
		req, err := http.NewRequest(http.MethodGet, f.proxy.URL+prefix+"ui/"+appID+"/jobs/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Close = true // Connection: close
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != http.StatusOK || !strings.Contains(b, ctxPath+"/stages/") {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		_ = resp.Body.Close()
	}
	rs := f.spark.requests()
	for _, r := range rs[1:] {
		if r.RemoteAddr != rs[0].RemoteAddr {
			t.Fatalf("Spark saw the requests on new connections: %s then %s", rs[0].RemoteAddr, r.RemoteAddr)
		}
	}
}

// A page that Spark sends in parts (a long page as Jetty's output buffer fills) reaches the browser part by part.
func TestPageInPartsArrivesPartByPart(t *testing.T) { testPageInPartsArrivesPartByPart(t, setup(t)) }

func testPageInPartsArrivesPartByPart(t *testing.T, f *fixture) {
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/parts/", nil)
	first := make([]byte, len("part one;"))
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "part one;" {
		t.Fatalf("first part: %q, %v", first, err)
	}
	if !f.spark.release() {
		t.Fatal("the first part reached the client only once Spark had ended the page")
	}
	if rest := body(t, resp); rest != "part two" {
		t.Fatalf("second part: %q", rest)
	}
}

// A page of unknown length that the proxy has whole at once goes on with its length (readAhead).
func TestWholePageArrivesWithItsLength(t *testing.T) {
	f := setup(t)
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/whole/", nil)
	if b := body(t, resp); resp.StatusCode != http.StatusOK || b != wholePage {
		t.Fatalf("status %d: %d bytes", resp.StatusCode, len(b))
	}
	if resp.ContentLength != int64(len(wholePage)) || len(resp.TransferEncoding) != 0 {
		t.Fatalf("Content-Length %d, Transfer-Encoding %v", resp.ContentLength, resp.TransferEncoding)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html" {
		t.Fatalf("Content-Type %q", ct)
	}
}

// A driver that dies after a page's header and before its first byte: nothing has left for the client yet, which
// gets a 502 that says so (readAhead).
func TestPageBrokenBeforeItsFirstByteIs502(t *testing.T) {
	f := setup(t)
	resp := f.do(t, http.MethodGet, prefix+"ui/"+appID+"/cut/header", nil)
	if b := body(t, resp); resp.StatusCode != http.StatusBadGateway || !strings.Contains(b, "broke off before its first byte") {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	// The error is the monitor's, with none of the header of the page that broke (its encoding above all).
	if ct, ce := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"); ct != "application/json" || ce != "" {
		t.Fatalf("Content-Type %q, Content-Encoding %q", ct, ce)
	}
}

// An upgrade other than WebSocket goes through ReverseProxy, and the switched connection carries bytes both ways
// (readAhead leaves a 101's stream alone).
func TestOtherUpgradeSwitchesProtocols(t *testing.T) {
	f := setup(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.proxy.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(conn, "GET "+prefix+"ui/"+appID+"/upgrade HTTP/1.1\r\nHost: jupyter.example\r\n"+
		"Connection: Upgrade\r\nUpgrade: spark-echo\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if line, err := br.ReadString('\n'); err != nil || line != "echo ping\n" {
		t.Fatalf("over the switched connection: %q, %v", line, err)
	}
}
