package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Secrets planted where the monitor could reach them; none may reach the endpoint, a response or the log.
const (
	plantedKey            = "sk-PLANTED-API-KEY-0123456789"
	plantedListenerSecret = "PLANTED-LISTENER-SECRET"
	plantedEnvSecret      = "PLANTED-ENV-SECRET"
	recordedHost          = "192.0.2.2"
	stubAnswer            = "The UDF raised ValueError on purpose; remove the raise."
)

// llmStub is an OpenAI-compatible endpoint that records each request and answers with answer(), after release is
// closed when hold is set.
type llmStub struct {
	srv      *httptest.Server
	got      chan recorded
	mu       sync.Mutex
	status   int
	body     string // the whole answer, when set
	content  string
	hold     chan struct{} // when set, wait for it (or for the client to go) before answering
	received chan struct{} // one value per request received
}

type recorded struct {
	auth, path string
	req        chatRequest
	raw        string
}

func newLLMStub(t *testing.T) *llmStub {
	s := &llmStub{got: make(chan recorded, 16), received: make(chan struct{}, 16), status: http.StatusOK, content: stubAnswer}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var cr chatRequest
		_ = json.Unmarshal(raw, &cr)
		s.got <- recorded{auth: r.Header.Get("Authorization"), path: r.URL.Path, req: cr, raw: string(raw)}
		s.received <- struct{}{}
		s.mu.Lock()
		hold, status, body, content := s.hold, s.status, s.body, s.content
		s.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		if body == "" {
			b, _ := json.Marshal(map[string]any{"choices": []any{map[string]any{"index": 0,
				"message": map[string]any{"role": "assistant", "content": content}}}})
			body = string(b)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// setupExplain serves the API over the failing-task recording (with a planted listener secret) with explain
// pointing at stub; conf adjusts the explain config.
func setupExplain(t *testing.T, stub *llmStub, readOnly bool, conf func(*ExplainConfig)) (*httptest.Server, string, *errorLog) {
	t.Helper()
	t.Setenv("SPARK_PLANTED_SECRET", plantedEnvSecret)
	c := ExplainConfig{URL: stub.srv.URL + "/v1", Model: "stub-model", Timeout: 10 * time.Second, MaxCardBytes: 16 << 10,
		MaxAnswerBytes: 64 << 10, APIKey: func() (string, error) { return plantedKey, nil }}
	if conf != nil {
		conf(&c)
	}
	logs := &errorLog{}
	srv, store := serve(t, state.Options{}, Options{ReadOnly: func() bool { return readOnly },
		Explain: func() *ExplainConfig { return &c }, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return srv, replayPlanted(t, store, "failing_task.jsonl"), logs
}

// replayPlanted replays a recording with the hello's secret set to plantedListenerSecret.
func replayPlanted(t *testing.T, store *state.Store, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "event", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	app := ""
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		ev, err := event.Decode(bytes.Replace(line, []byte(`"secret":"REDACTED"`), []byte(`"secret":"`+plantedListenerSecret+`"`), 1))
		if err != nil {
			t.Fatalf("%s:%d: %v", name, i+1, err)
		}
		if h, ok := ev.(*event.Hello); ok {
			app = h.AppID
		}
		if err := store.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

func explainURL(srv *httptest.Server, app string, job int) string {
	return fmt.Sprintf("%s%sapi/apps/%s/jobs/%d/explain", srv.URL, prefix, app, job)
}

// postRaw posts with the secret and CSRF header and returns the status and the raw body.
func postRaw(t *testing.T, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, nil)
	req.Header.Set(SecretHeader, secret)
	req.Header.Set(CSRFHeader, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func assertNoSecret(t *testing.T, where, text string) {
	t.Helper()
	for _, s := range []string{plantedKey, plantedListenerSecret, plantedEnvSecret, secret, recordedHost} {
		if strings.Contains(text, s) {
			t.Errorf("%s contains %q:\n%s", where, s, text)
		}
	}
}

func TestExplainSendsTheCardAndNothingSecret(t *testing.T) {
	stub := newLLMStub(t)
	srv, app, logs := setupExplain(t, stub, false, nil)
	code, body := postRaw(t, explainURL(srv, app, 0))
	if code != http.StatusOK {
		t.Fatalf("explain: %d %s", code, body)
	}
	var out struct {
		Data wire.Explanation `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Data.Text != stubAnswer || out.Data.Cut {
		t.Fatalf("answer %s (%v)", body, err)
	}
	got := <-stub.got
	if got.path != "/v1/chat/completions" || got.auth != "Bearer "+plantedKey || got.req.Model != "stub-model" ||
		len(got.req.Messages) != 2 || got.req.Messages[0].Role != "system" || got.req.Messages[1].Role != "user" {
		t.Fatalf("request %s auth %q: %s", got.path, got.auth, got.raw)
	}
	user := got.req.Messages[1].Content
	for _, want := range []string{"Category: pythonUdf", "Exception class: ValueError", "Message: boom in a task",
		"Stage: 0 (attempt 0)", "Task attempts: 2", "Executor: driver", "Suggested fix: ", "Trace 1:\n",
		"ValueError: boom in a task", "Trace 2:\nJob aborted due to stage failure", "(<host> executor driver)"} {
		if !strings.Contains(user, want) {
			t.Errorf("the card sent lacks %q:\n%s", want, user)
		}
	}
	assertNoSecret(t, "the request sent", got.raw)
	assertNoSecret(t, "the answer", body)
	if log := logs.take(); strings.Contains(log, plantedKey) || !strings.Contains(log, "explain: asking") {
		t.Errorf("log:\n%s", log)
	}
}

func TestExplainIsOffByDefault(t *testing.T) {
	srv, store := serve(t, state.Options{}, Options{})
	app := replayPlanted(t, store, "failing_task.jsonl")
	code, body := postRaw(t, explainURL(srv, app, 0))
	if code != http.StatusNotFound || !strings.Contains(body, "explain is off") {
		t.Fatalf("explain without config: %d %s", code, body)
	}
	if _, h := get(t, srv.URL+prefix+"api/health", true); h["data"].(map[string]any)["explain"] != false {
		t.Fatalf("health says explain on: %v", h)
	}
}

func TestExplainIsShownWhenConfiguredAndRefusedReadOnly(t *testing.T) {
	stub := newLLMStub(t)
	for _, readOnly := range []bool{false, true} {
		srv, app, _ := setupExplain(t, stub, readOnly, nil)
		if _, h := get(t, srv.URL+prefix+"api/health", true); h["data"].(map[string]any)["explain"] != !readOnly {
			t.Errorf("readOnly %v: health %v", readOnly, h)
		}
		if !readOnly {
			continue
		}
		if code, body := postRaw(t, explainURL(srv, app, 0)); code != http.StatusForbidden || !strings.Contains(body, "read-only") {
			t.Errorf("read-only explain: %d %s", code, body)
		}
	}
}

func TestExplainRefusals(t *testing.T) {
	stub := newLLMStub(t)
	srv, app, _ := setupExplain(t, stub, false, nil)
	code, m := post(t, explainURL(srv, app, 0), nil) // no CSRF header
	if code != http.StatusForbidden || !strings.Contains(fmt.Sprint(m["error"]), CSRFHeader) {
		t.Errorf("without the CSRF header: %d %v", code, m)
	}
	if code, body := postRaw(t, explainURL(srv, app, 1)); code != http.StatusConflict || !strings.Contains(body, "no failure card") {
		t.Errorf("succeeded job: %d %s", code, body)
	}
	if code, body := postRaw(t, explainURL(srv, app, 7)); code != http.StatusNotFound || !strings.Contains(body, "no job 7") {
		t.Errorf("unknown job: %d %s", code, body)
	}
	if code, body := postRaw(t, explainURL(srv, "app-nope", 0)); code != http.StatusNotFound {
		t.Errorf("unknown app: %d %s", code, body)
	}
	if len(stub.got) != 0 {
		t.Errorf("a refused request reached the endpoint")
	}
}

func TestExplainTimesOut(t *testing.T) {
	stub := newLLMStub(t)
	stub.hold = make(chan struct{}) // never released: the stub answers only when the monitor gives up
	srv, app, _ := setupExplain(t, stub, false, func(c *ExplainConfig) { c.Timeout = 200 * time.Millisecond })
	code, body := postRaw(t, explainURL(srv, app, 0))
	if code != http.StatusGatewayTimeout || !strings.Contains(body, "did not answer within 200ms") {
		t.Fatalf("timeout: %d %s", code, body)
	}
}

func TestExplainCutsAnOversizedAnswer(t *testing.T) {
	stub := newLLMStub(t)
	stub.content = strings.Repeat("é", 3000) // 6000 bytes
	srv, app, _ := setupExplain(t, stub, false, func(c *ExplainConfig) { c.MaxAnswerBytes = 1001 })
	code, body := postRaw(t, explainURL(srv, app, 0))
	var out struct {
		Data wire.Explanation `json:"data"`
	}
	_ = json.Unmarshal([]byte(body), &out)
	if code != http.StatusOK || !out.Data.Cut || out.Data.Text != strings.Repeat("é", 500) {
		t.Fatalf("oversized answer: %d cut=%v %d bytes", code, out.Data.Cut, len(out.Data.Text))
	}
	stub.mu.Lock()
	stub.body = `{"choices":[{"message":{"content":"` + strings.Repeat("x", maxResponseBytes) + `"}}]}`
	stub.mu.Unlock()
	if code, body := postRaw(t, explainURL(srv, app, 0)); code != http.StatusBadGateway || !strings.Contains(body, "larger than") {
		t.Fatalf("answer over %d bytes: %d %.200s", maxResponseBytes, code, body)
	}
}

func TestExplainErrorNeverQuotesTheKey(t *testing.T) {
	stub := newLLMStub(t)
	stub.status = http.StatusUnauthorized
	stub.body = `{"error":{"message":"Incorrect API key provided: ` + plantedKey + `"}}`
	srv, app, logs := setupExplain(t, stub, false, nil)
	code, body := postRaw(t, explainURL(srv, app, 0))
	if code != http.StatusBadGateway || !strings.Contains(body, "401") || !strings.Contains(body, "Incorrect API key provided: [API key]") {
		t.Fatalf("401: %d %s", code, body)
	}
	assertNoSecret(t, "the error", body)
	if log := logs.take(); strings.Contains(log, plantedKey) || !strings.Contains(log, "explain failed") {
		t.Errorf("the log (with the key?):\n%s", log)
	}
}

func TestExplainOneRequestPerJob(t *testing.T) {
	stub := newLLMStub(t)
	release := make(chan struct{})
	stub.hold = release
	srv, app, _ := setupExplain(t, stub, false, nil)
	first := make(chan int, 1)
	go func() {
		code, _ := postRaw(t, explainURL(srv, app, 0))
		first <- code
	}()
	<-stub.received // the first request is at the endpoint
	if code, body := postRaw(t, explainURL(srv, app, 0)); code != http.StatusConflict || !strings.Contains(body, "already being explained") {
		t.Errorf("second request of job 0: %d %s", code, body)
	}
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Errorf("first request: %d", code)
	}
	if code, _ := postRaw(t, explainURL(srv, app, 0)); code != http.StatusOK {
		t.Errorf("after the first answered: %d", code)
	}
}

func TestExplainGlobalLimit(t *testing.T) {
	l := newExplainLimits()
	for i := range MaxExplainsInFlight {
		if err := l.acquire(fmt.Sprint("a/", i), i); err != nil {
			t.Fatal(err)
		}
	}
	err := l.acquire("a/99", 99)
	if e, ok := err.(*explainError); !ok || e.code != http.StatusTooManyRequests {
		t.Fatalf("over the limit: %v", err)
	}
	l.release("a/0")
	if err := l.acquire("a/99", 99); err != nil {
		t.Fatalf("after a release: %v", err)
	}
}

func TestCardTextIsBounded(t *testing.T) {
	stub := newLLMStub(t)
	srv, app, _ := setupExplain(t, stub, false, func(c *ExplainConfig) { c.MaxCardBytes = 1024 })
	if code, body := postRaw(t, explainURL(srv, app, 0)); code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	user := (<-stub.got).req.Messages[1].Content
	if len(user) > 1024 || !strings.Contains(user, "Category: pythonUdf") || !strings.Contains(user, "Trace 1:") {
		t.Fatalf("%d bytes sent:\n%s", len(user), user)
	}
}
