package config

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Defaults and bounds of the explain section.
const (
	DefaultExplainTimeoutSeconds = 30
	DefaultExplainMaxCardBytes   = 16 << 10 // 16 KiB
	DefaultExplainMaxAnswerBytes = 64 << 10 // 64 KiB
	maxExplainTimeoutSeconds     = 300
	minExplainCardBytes          = 1 << 10
	maxExplainCardBytes          = 256 << 10
)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Explain is the `explain:` section: an "Explain" button on failure cards that sends the card (no data rows, no
// Spark configuration, no secrets) to an OpenAI-compatible chat completions endpoint. Absent: the feature is off.
type Explain struct {
	// URL is the API's base URL; the monitor POSTs to {url}/chat/completions. http or https. Required.
	URL *string `yaml:"url"`
	// Model is the model name sent in the request. Required.
	Model *string `yaml:"model"`
	// APIKeyEnv names an environment variable of the monitor holding the API key; APIKeyFile is a file holding it
	// (absolute path). At most one; neither: no Authorization header. The key is read on each request, is sent only
	// to URL, and is never logged nor returned.
	APIKeyEnv  *string `yaml:"apiKeyEnv"`
	APIKeyFile *string `yaml:"apiKeyFile"`
	// TimeoutSeconds bounds one request, answer included. 1 to 300; default 30.
	TimeoutSeconds *int `yaml:"timeoutSeconds"`
	// MaxCardBytes bounds the card's text sent (the traces are cut to fit). 1024 to 262144; default 16384.
	MaxCardBytes *int `yaml:"maxCardBytes"`
}

// ExplainSettings are the effective values of Explain; Enabled is false when the section is absent.
type ExplainSettings struct {
	Enabled        bool
	URL, Model     string
	APIKeyEnv      string
	APIKeyFile     string
	Timeout        time.Duration
	MaxCardBytes   int
	MaxAnswerBytes int
}

func (e *Explain) settings() ExplainSettings {
	if e.URL == nil && e.Model == nil {
		return ExplainSettings{}
	}
	s := ExplainSettings{Enabled: true, Timeout: DefaultExplainTimeoutSeconds * time.Second,
		MaxCardBytes: DefaultExplainMaxCardBytes, MaxAnswerBytes: DefaultExplainMaxAnswerBytes}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	s.URL, s.Model = strings.TrimRight(str(e.URL), "/"), str(e.Model)
	s.APIKeyEnv, s.APIKeyFile = str(e.APIKeyEnv), str(e.APIKeyFile)
	if e.TimeoutSeconds != nil {
		s.Timeout = time.Duration(*e.TimeoutSeconds) * time.Second
	}
	if e.MaxCardBytes != nil {
		s.MaxCardBytes = *e.MaxCardBytes
	}
	return s
}

func (e *Explain) validate() []problem {
	if *e == (Explain{}) {
		return nil
	}
	var out []problem
	add := func(key, format string, args ...any) {
		out = append(out, problem{"explain." + key, "explain." + key + fmt.Sprintf(format, args...)})
	}
	e.validateEndpoint(add)
	e.validateKey(add)
	if n := e.TimeoutSeconds; n != nil && (*n < 1 || *n > maxExplainTimeoutSeconds) {
		add("timeoutSeconds", " %d: must be between 1 and %d", *n, maxExplainTimeoutSeconds)
	}
	if n := e.MaxCardBytes; n != nil && (*n < minExplainCardBytes || *n > maxExplainCardBytes) {
		add("maxCardBytes", " %d: must be between %d and %d", *n, minExplainCardBytes, maxExplainCardBytes)
	}
	return out
}

type addProblem func(key, format string, args ...any)

func (e *Explain) validateEndpoint(add addProblem) {
	if e.URL == nil {
		add("url", ": required (the chat completions API's base URL, e.g. https://api.example.com/v1)")
	} else if u, err := url.Parse(strings.TrimSpace(*e.URL)); err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
		u.Host == "" || u.User != nil {
		add("url", " %q: must be an http or https URL with a host and no user or password", *e.URL)
	}
	if e.Model == nil || strings.TrimSpace(*e.Model) == "" {
		add("model", ": required (the model name the endpoint serves)")
	}
}

func (e *Explain) validateKey(add addProblem) {
	if e.APIKeyEnv != nil && e.APIKeyFile != nil {
		add("apiKeyEnv", ": set apiKeyEnv or apiKeyFile, not both")
	}
	if e.APIKeyEnv != nil && !envName.MatchString(strings.TrimSpace(*e.APIKeyEnv)) {
		add("apiKeyEnv", " %q: must be an environment variable's name", *e.APIKeyEnv)
	}
	if e.APIKeyFile != nil && !filepath.IsAbs(strings.TrimSpace(*e.APIKeyFile)) {
		add("apiKeyFile", " %q: must be an absolute path", *e.APIKeyFile)
	}
}

// maxKeyFileBytes bounds an API key file read.
const maxKeyFileBytes = 8 << 10

// APIKey reads the API key from the environment variable or the file the section names ("" when it names none).
// getenv is os.Getenv (tests pass their own). Its errors name the variable or the file, never the key.
func (e ExplainSettings) APIKey(getenv func(string) string) (string, error) {
	switch {
	case e.APIKeyEnv != "":
		if k := strings.TrimSpace(getenv(e.APIKeyEnv)); k != "" {
			return k, nil
		}
		return "", fmt.Errorf("the API key's environment variable %s (explain.apiKeyEnv) is not set in the monitor's environment", e.APIKeyEnv)
	case e.APIKeyFile != "":
		return readKeyFile(e.APIKeyFile)
	}
	return "", nil
}

func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("the API key file (explain.apiKeyFile): %w", err)
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFileBytes+1))
	switch {
	case err != nil:
		return "", fmt.Errorf("the API key file (explain.apiKeyFile) %s: %w", path, err)
	case len(b) > maxKeyFileBytes:
		return "", fmt.Errorf("the API key file (explain.apiKeyFile) %s is larger than %d bytes", path, maxKeyFileBytes)
	}
	k := strings.TrimSpace(string(b))
	if k == "" {
		return "", fmt.Errorf("the API key file (explain.apiKeyFile) %s is empty", path)
	}
	return k, nil
}
