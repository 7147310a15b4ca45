package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/metrics"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// sparkUIStub stands for the Spark UI proxy: whatever reaches it is marked, so an answer that carries the mark came
// from behind the secret check.
const sparkUIStub = "SPARK-UI-STUB"

// replayed are the recordings FuzzAPI's store holds (spark/event/testdata), and liveApp the running app it adds.
var replayed = []string{"cancelled_job.jsonl", "failing_task.jsonl", "sql_query.jsonl", "skewed_task.jsonl"}

const liveApp = "app-live"

// replay submits a recorded listener stream to the store, under the app id of its hello.
func replay(t testing.TB, store *state.Store, name string) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "event", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	r := event.NewReader(f)
	app := ""
	for {
		line, n, err := r.Next()
		if err == io.EOF {
			return app
		}
		if err != nil {
			t.Fatal(err)
		}
		ev, err := event.Decode(line)
		if err != nil {
			t.Fatalf("%s:%d: %v", name, n, err)
		}
		if h, ok := ev.(*event.Hello); ok {
			app = h.AppID
		}
		if err := store.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
}

// errorLog collects the HTTP server's own log (a handler's panic is logged there).
type errorLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *errorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *errorLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	l.buf.Reset()
	return s
}

// apiFixture is the real router over a store holding recorded applications, served on loopback.
type apiFixture struct {
	addr string
	apps []string // every app id the store holds: none may appear in an unauthenticated answer
	log  *errorLog
}

func newAPIFixture(t testing.TB) *apiFixture {
	t.Helper()
	store := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- store.Run(ctx) }()
	fx := &apiFixture{log: &errorLog{}}
	for _, name := range replayed {
		fx.apps = append(fx.apps, replay(t, store, name))
	}
	runningApp(t, store, liveApp, true)
	fx.apps = append(fx.apps, liveApp)
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, sparkUIStub+" "+r.URL.Path)
	})
	h, err := Handler(Options{Prefix: prefix, ProxySecret: secret, Source: store, Version: "test", IngestAddr: "unix:/x",
		SparkUI: ui, Targets: store, Controller: &fakeController{},
		Metrics: metrics.Handler(metrics.Options{Store: store, Version: "test"})})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(fx.log, "", 0)
	srv.Config.DisableGeneralOptionsHandler = true // as cmd/sparkmonitor: "OPTIONS *" reaches the secret check too
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("store: %v", err)
		}
	})
	fx.addr = strings.TrimPrefix(srv.URL, "http://")
	return fx
}

// secretHeaders are the ways a request may carry the proxy secret (FuzzAPI's secretMode, modulo their number).
var secretHeaders = []string{
	"",
	SecretHeader + ": " + secret + "\r\n",
	SecretHeader + ": " + secret[:len(secret)-1] + "\r\n",
	SecretHeader + ": " + strings.ToUpper(secret) + "\r\n",
	SecretHeader + ": wrong\r\n" + SecretHeader + ": " + secret + "\r\n",
	SecretHeader + ":\r\n",
	"X-Sparkmonitor-Proxy-Secre: " + secret + "\r\n",
}

// rawRequest is the request FuzzAPI sends, byte for byte.
func rawRequest(method, target, headers string, secretMode uint8, upgrade bool) []byte {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n")
	b.WriteString(secretHeaders[int(secretMode)%len(secretHeaders)])
	if upgrade {
		b.WriteString("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
	}
	b.WriteString(headers)
	b.WriteString("\r\n")
	return []byte(b.String())
}

// documentedErrorTypes are the envelope's errorType values (API.md).
var documentedErrorTypes = map[string]bool{"not_found": true, "bad_request": true, "unauthorized": true,
	"forbidden": true, "conflict": true, "unavailable": true, "internal": true}

// answer is what the server answered to one raw request.
type answer struct {
	code int
	body []byte
}

// send writes req on a new connection and reads the answer; ok is false when the connection closed without one.
// authorized says whether the request, as net/http parses it, carries the right secret.
func (fx *apiFixture) send(t *testing.T, req []byte) (a answer, ok, authorized bool, method string) {
	t.Helper()
	parsed, parseErr := http.ReadRequest(bufio.NewReader(bytes.NewReader(req)))
	authorized = parseErr == nil && parsed.Header.Get(SecretHeader) == secret
	method = http.MethodGet
	if parseErr == nil {
		method = parsed.Method
	}
	c, err := net.DialTimeout("tcp", fx.addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	_, _ = c.Write(req)
	_ = c.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if panics := fx.log.take(); strings.Contains(panics, "panic") {
		t.Fatalf("request %q: the server panicked: %s", req, panics)
	}
	if err != nil {
		// net/http closes a request it cannot read; gorilla/websocket closes an upgrade (past the secret check) whose
		// client sent bytes before the handshake completed. Anything else must be answered.
		upgrade := parseErr == nil && strings.EqualFold(parsed.Header.Get("Upgrade"), "websocket")
		if parseErr == nil && (!authorized || !upgrade) {
			t.Fatalf("request %q: no answer: %v", req, err)
		}
		return answer{}, false, authorized, method
	}
	defer func() { _ = resp.Body.Close() }()
	a.code = resp.StatusCode
	if resp.StatusCode != http.StatusSwitchingProtocols {
		a.body, _ = io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	}
	if a.code >= 400 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		var env map[string]any
		err := json.Unmarshal(a.body, &env)
		errorType, _ := env["errorType"].(string)
		if method != http.MethodHead && (err != nil || env["status"] != "error" || !documentedErrorTypes[errorType]) {
			t.Fatalf("request %q: error %d outside the envelope: %q", req, a.code, a.body)
		}
	}
	return a, true, authorized, method
}

// checkRefused asserts an answer to a request without the right secret: a 401 envelope (nothing for HEAD) carrying
// none of the store's data and nothing from behind the check.
func (fx *apiFixture) checkRefused(t *testing.T, req []byte, a answer, method string) {
	t.Helper()
	if a.code != http.StatusUnauthorized {
		t.Fatalf("request %q without the secret: answer %d %q", req, a.code, a.body)
	}
	if method != http.MethodHead && !bytes.Contains(a.body, []byte(`"errorType":"unauthorized"`)) {
		t.Fatalf("request %q without the secret: 401 without the envelope: %q", req, a.body)
	}
	for _, leak := range append([]string{sparkUIStub, `"success"`, "cell-"}, fx.apps...) {
		if bytes.Contains(a.body, []byte(leak)) {
			t.Fatalf("request %q without the secret: the answer carries %q: %q", req, leak, a.body)
		}
	}
}

// check sends req and asserts what any client may see: no panic; without the secret (as the server parses the
// request) a 401 envelope and nothing else, or net/http's own refusal of a request it cannot read; with it, no 5xx
// but 503 (documented: the state store or a listener is unavailable), and every JSON error in the envelope.
func (fx *apiFixture) check(t *testing.T, req []byte) {
	t.Helper()
	a, ok, authorized, method := fx.send(t, req)
	if !ok {
		return
	}
	netHTTP := a.code == http.StatusBadRequest || a.code == http.StatusRequestHeaderFieldsTooLarge ||
		a.code == http.StatusNotImplemented || a.code == http.StatusHTTPVersionNotSupported
	if netHTTP && !bytes.Contains(a.body, []byte(`"status"`)) {
		return // net/http's own refusal, before any handler
	}
	if !authorized {
		fx.checkRefused(t, req, a, method)
		return
	}
	if a.code >= 500 && a.code != http.StatusServiceUnavailable {
		t.Fatalf("request %q: answer %d %q", req, a.code, a.body)
	}
}

// Every route, every method, with the secret absent, wrong, empty, misspelt or doubled (a wrong one first), a
// WebSocket upgrade included: 401 and no data. The same requests with the secret are answered (the routes exist).
func TestNoRouteAnswersWithoutTheSecret(t *testing.T) {
	fx := newAPIFixture(t)
	app := fx.apps[0]
	routes := []string{"/", prefix, prefix + "dashboard.js", prefix + "api/health", prefix + "api/apps",
		prefix + "api/apps/" + app, prefix + "api/ws", prefix + "api/timeline?cellId=cell-cancel",
		prefix + "api/apps/" + liveApp + "/jobs/0/cancel", prefix + "api/apps/" + liveApp + "/stages/0/cancel",
		prefix + "api/cells/c1/cancel", prefix + "ui/" + liveApp + "/", prefix + "ui/" + liveApp + "/jobs/",
		prefix + "ui/" + app + "/api/v1/applications", prefix + "api/profiles", prefix + "metrics", prefix + "nope", "*"}
	headers := "X-Sparkmonitor-Csrf: 1\r\nOrigin: http://127.0.0.1\r\n"
	for _, route := range routes {
		for _, method := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"} {
			for mode := range secretHeaders {
				if mode == 1 { // the right secret
					continue
				}
				upgrades := []bool{false}
				if method == "GET" {
					upgrades = append(upgrades, true)
				}
				for _, upgrade := range upgrades {
					req := rawRequest(method, route, headers, uint8(mode), upgrade)
					a, ok, authorized, _ := fx.send(t, req)
					if !ok || authorized {
						t.Fatalf("request %q: answered %v, authorized %v", req, ok, authorized)
					}
					fx.checkRefused(t, req, a, method)
				}
			}
		}
		if route == "*" {
			continue
		}
		if a, _, _, _ := fx.send(t, rawRequest("GET", route, headers, 1, false)); a.code == http.StatusUnauthorized {
			t.Errorf("GET %s with the secret: 401", route)
		}
	}
}

// Random method, path, query and headers (the proxy secret right, wrong, doubled or absent; Origin; the CSRF
// header; a WebSocket upgrade) against the real router over a store holding recorded applications: never a panic,
// never a 5xx but the documented 503, errors in the envelope, and without the right secret nothing but a 401 (or
// net/http's own 400 for what it cannot read), carrying no application data.
func FuzzAPI(f *testing.F) {
	fx := newAPIFixture(f)
	f.Fuzz(func(t *testing.T, method, target, headers string, secretMode uint8, upgrade bool) {
		fx.check(t, rawRequest(method, target, headers, secretMode, upgrade))
	})
}
