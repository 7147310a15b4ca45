package api

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// fakeConfig is a config file status the test changes.
type fakeConfig struct {
	mu sync.Mutex
	st ConfigStatus
}

func (f *fakeConfig) set(st ConfigStatus) { f.mu.Lock(); f.st = st; f.mu.Unlock() }
func (f *fakeConfig) get() ConfigStatus   { f.mu.Lock(); defer f.mu.Unlock(); return f.st }

func page(t *testing.T, url string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set(SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("dashboard: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

func TestHealthAndDashboardReportTheConfigFile(t *testing.T) {
	cfg := &fakeConfig{}
	loaded := time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	cfg.set(ConfigStatus{Path: "/home/ana/.jupyter/sparkmonitor.yaml", Exists: true, LoadedAt: &loaded})
	var readOnly atomic.Bool
	srv, _ := serve(t, state.Options{}, Options{Config: cfg.get, ReadOnly: readOnly.Load})
	health := func() map[string]any {
		t.Helper()
		code, body := get(t, srv.URL+prefix+"api/health", true)
		if code != 200 {
			t.Fatalf("health: %d %v", code, body)
		}
		return body["data"].(map[string]any)
	}

	h := health()
	c := h["config"].(map[string]any)
	if c["path"] != "/home/ana/.jupyter/sparkmonitor.yaml" || c["exists"] != true || c["loadedAt"] != "2026-11-25T06:00:00Z" ||
		c["error"] != nil || h["readOnly"] != false {
		t.Fatalf("good config: %v", h)
	}
	if p := page(t, srv.URL+prefix); !strings.Contains(p, `<div id="config-error" class="banner" role="alert" hidden></div>`) {
		t.Fatal("a good config shows a banner")
	}

	// Broken since start: no loadedAt, the error in health and in the page's banner (HTML-escaped).
	msg := "/home/ana/.jupyter/sparkmonitor.yaml:3: unknown key <maxJobs>"
	cfg.set(ConfigStatus{Path: "/home/ana/.jupyter/sparkmonitor.yaml", Exists: true, Error: &msg})
	readOnly.Store(true)
	h = health()
	c = h["config"].(map[string]any)
	if c["error"] != msg || c["loadedAt"] != nil || h["readOnly"] != true {
		t.Fatalf("broken config: %v", h)
	}
	p := page(t, srv.URL+prefix)
	want := `<div id="config-error" class="banner" role="alert">The monitor&#39;s config file is broken; the defaults are in use ` +
		"until it is fixed (no restart needed).\n/home/ana/.jupyter/sparkmonitor.yaml:3: unknown key &lt;maxJobs&gt;</div>"
	if !strings.Contains(p, want) {
		t.Fatalf("banner missing or wrong in:\n%s", p)
	}
}

func TestHealthWithoutAConfigFileSaysNull(t *testing.T) {
	srv, _, _ := setup(t)
	_, body := get(t, srv.URL+prefix+"api/health", true)
	d := body["data"].(map[string]any)
	if v, ok := d["config"]; !ok || v != nil || d["readOnly"] != false {
		t.Fatalf("health without --config: %v", d)
	}
}

func TestReadOnlyIsAskedOnEveryCancel(t *testing.T) {
	var readOnly atomic.Bool
	ctl := &fakeController{}
	srv, store := serve(t, state.Options{}, Options{ReadOnly: readOnly.Load, Controller: ctl})
	runningApp(t, store, "app-1", true)
	url := srv.URL + prefix + "api/apps/app-1/jobs/0/cancel"

	readOnly.Store(true)
	if code, body := post(t, url, csrf); code != 403 || !strings.Contains(body["error"].(string), "config file") {
		t.Fatalf("read-only on: %d %v", code, body)
	}
	readOnly.Store(false)
	if code, body := post(t, url, csrf); code != 202 || len(ctl.frames()) != 1 {
		t.Fatalf("read-only off: %d %v %v", code, body, ctl.frames())
	}
}
