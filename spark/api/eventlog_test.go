package api

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// fakeEventLogs answers as spark/history does, by the body's text.
type fakeEventLogs struct{ got []byte }

func (f *fakeEventLogs) Open(_ context.Context, r io.Reader) (string, error) {
	f.got, _ = io.ReadAll(r)
	switch string(f.got) {
	case "bad":
		return "", fmt.Errorf("%w: line 3: malformed JSON", ErrBadEventLog)
	case "big":
		return "", fmt.Errorf("%w: more than 1 MiB", ErrEventLogTooLarge)
	case "again":
		return "", fmt.Errorf("%w: app-1", ErrEventLogExists)
	case "disk":
		return "", fmt.Errorf("no space left on device")
	}
	return "app-1", nil
}

func postBody(t *testing.T, url string, body string, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	req.Header.Set(SecretHeader, secret)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	code, m, _ := roundTrip(t, req)
	return code, m
}

// TestOpenEventLogAnswers: POST api/eventlogs needs the CSRF header and the same origin; it answers 201 with the
// application's id, or the reason with 400 (with the line), 413, 409; 503 when the history is off.
func TestOpenEventLogAnswers(t *testing.T) {
	logs := &fakeEventLogs{}
	srv, _ := serve(t, state.Options{}, Options{EventLogs: logs})
	url := srv.URL + prefix + "api/eventlogs"
	cases := []struct {
		body    string
		hdr     map[string]string
		code    int
		errType string
		msg     string
	}{
		{"log", csrf, http.StatusCreated, "", ""},
		{"log", nil, http.StatusForbidden, "forbidden", "a POST request needs the header X-Sparkmonitor-Csrf: 1"},
		{"log", map[string]string{CSRFHeader: "1", "Origin": "http://evil.example"}, http.StatusForbidden, "forbidden", "cross-origin POST request refused"},
		{"bad", csrf, http.StatusBadRequest, "bad_request", "not a readable Spark event log: line 3: malformed JSON"},
		{"big", csrf, http.StatusRequestEntityTooLarge, "bad_request", "event log too large: more than 1 MiB"},
		{"again", csrf, http.StatusConflict, "conflict", "application already listed: app-1"},
		{"disk", csrf, http.StatusInternalServerError, "internal", "no space left on device"},
	}
	for _, c := range cases {
		logs.got = nil
		code, m := postBody(t, url, c.body, c.hdr)
		if code != c.code {
			t.Errorf("%s %v: %d %v, want %d", c.body, c.hdr, code, m, c.code)
			continue
		}
		if c.code == http.StatusCreated {
			if d, _ := m["data"].(map[string]any); d["appId"] != "app-1" || string(logs.got) != "log" {
				t.Errorf("created: %v (body seen %q)", m, logs.got)
			}
			continue
		}
		if m["errorType"] != c.errType || m["error"] != c.msg {
			t.Errorf("%s: %v, want %s %q", c.body, m, c.errType, c.msg)
		}
		if c.code == http.StatusForbidden && logs.got != nil {
			t.Errorf("a refused request reached the history: %q", logs.got)
		}
	}
	off, _ := serve(t, state.Options{}, Options{})
	if code, m := postBody(t, off.URL+prefix+"api/eventlogs", "log", csrf); code != http.StatusServiceUnavailable {
		t.Errorf("history off: %d %v", code, m)
	}
	if code, _ := postBody(t, url, "log", nil); code != http.StatusForbidden {
		t.Error("no CSRF header accepted")
	}
}
