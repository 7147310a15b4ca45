package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExplainIsOffByDefault(t *testing.T) {
	if Defaults().Explain.Enabled {
		t.Fatal("explain on by default")
	}
	f, err := parse(t, "readOnly: false\n")
	if err != nil || f.Settings().Explain.Enabled {
		t.Fatalf("explain %+v, err %v", f.Settings().Explain, err)
	}
}

func TestExplainSectionIsRead(t *testing.T) {
	f, err := parse(t, "explain:\n  url: http://127.0.0.1:9/v1/\n  model: m\n  apiKeyEnv: LLM_KEY\n  timeoutSeconds: 5\n  maxCardBytes: 2048\n")
	if err != nil {
		t.Fatal(err)
	}
	want := ExplainSettings{Enabled: true, URL: "http://127.0.0.1:9/v1", Model: "m", APIKeyEnv: "LLM_KEY",
		Timeout: 5 * time.Second, MaxCardBytes: 2048, MaxAnswerBytes: DefaultExplainMaxAnswerBytes}
	if got := f.Settings().Explain; got != want {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

func TestExplainProblemsAreAllReportedWithLines(t *testing.T) {
	_, err := parse(t, "explain:\n  url: ftp://x\n  apiKeyEnv: 'A B'\n  apiKeyFile: rel/key\n  timeoutSeconds: 0\n  maxCardBytes: 10\n")
	got := strings.Join(problems(t, err), "\n")
	for _, w := range []string{"explain.url \"ftp://x\"", "explain.model: required", "not both", "environment variable",
		"absolute path", "explain.timeoutSeconds 0", "explain.maxCardBytes 10", "sparkmonitor.yaml:2: explain.url"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

func TestExplainAPIKeyFromEnvOrFile(t *testing.T) {
	env := map[string]string{"LLM_KEY": " sk-env \n"}
	k, err := ExplainSettings{APIKeyEnv: "LLM_KEY"}.APIKey(func(n string) string { return env[n] })
	if err != nil || k != "sk-env" {
		t.Fatalf("env key %q, %v", k, err)
	}
	if _, err := (ExplainSettings{APIKeyEnv: "MISSING"}).APIKey(func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "MISSING") {
		t.Fatalf("missing env: %v", err)
	}
	p := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(p, []byte("sk-file-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := (ExplainSettings{APIKeyFile: p}).APIKey(os.Getenv); err != nil || k != "sk-file-secret" {
		t.Fatalf("file key %q, %v", k, err)
	}
	if err := os.WriteFile(p, []byte(strings.Repeat("x", maxKeyFileBytes+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (ExplainSettings{APIKeyFile: p}).APIKey(os.Getenv); err == nil || strings.Contains(err.Error(), "xxx") {
		t.Fatalf("oversized key file: %v", err)
	}
	if k, err := (ExplainSettings{}).APIKey(os.Getenv); k != "" || err != nil {
		t.Fatalf("no key: %q %v", k, err)
	}
}

// A reload turns explain on; a broken explain value keeps it on as it was and says why; removing it turns it off.
func TestExplainReloadKeepsTheLastGoodSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	write(t, path, "readOnly: false\n")
	x := startWatcher(t, path)
	replace(t, path, "explain:\n  url: http://127.0.0.1:1/v1\n  model: m\n")
	x.waitApplied(t, "explain on", func(s Settings) bool { return s.Explain.Enabled && s.Explain.Model == "m" })
	replace(t, path, "explain:\n  url: http://127.0.0.1:1/v1\n  model: m2\n  timeoutSeconds: 9999\n")
	st := x.waitStatus(t, "the error", func(s Status) bool { return s.Error != "" })
	if want := path + ":4: explain.timeoutSeconds 9999: must be between 1 and 300"; st.Error != want {
		t.Fatalf("error %q, want %q", st.Error, want)
	}
	if e := x.w.Settings().Explain; !e.Enabled || e.Model != "m" {
		t.Fatalf("the last good explain section was not kept: %+v", e)
	}
	replace(t, path, "readOnly: false\n")
	x.waitApplied(t, "explain off", func(s Settings) bool { return !s.Explain.Enabled })
}
