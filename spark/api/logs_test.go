package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The listener's log frames, decoded as ingest decodes them, reach api/logs under the cell that was running.
func TestLogsEndpointServesTheCellsLines(t *testing.T) {
	srv, store, _ := setup(t)
	frames := []string{
		`{"type":"log","seq":0,"time":1700000000001,"level":"WARN","logger":"org.apache.spark.x","thread":"main",` +
			`"message":"from spark","source":"jvm","cellId":"c-1","dropped":0}`,
		`{"type":"log","seq":0,"time":1700000000002,"level":"WARN","logger":"nb","thread":"MainThread",` +
			`"message":"from python","source":"python","cellId":"c-2","dropped":4}`,
		`{"type":"log","seq":0,"time":1700000000003,"level":"ERROR","logger":"x","thread":"t",` +
			`"message":"` + strings.Repeat("é", 5000) + `","source":"jvm","cellId":"c-1","dropped":4}`,
	}
	submit(t, store, &event.Hello{AppID: "app-1"})
	for _, f := range frames {
		ev, err := event.Decode([]byte(f))
		if err != nil {
			t.Fatal(err)
		}
		submit(t, store, ev)
	}
	code, body := get(t, srv.URL+prefix+"api/logs?cellId=c-1", true)
	if code != 200 || body["status"] != "success" {
		t.Fatalf("GET api/logs: %d %v", code, body)
	}
	data := body["data"].(map[string]any)
	lines := data["lines"].([]any)
	if len(lines) != 2 || data["dropped"] != float64(4) {
		t.Fatalf("cell c-1 got %d lines (want 2: its own), dropped %v (want 4)", len(lines), data["dropped"])
	}
	first, second := lines[0].(map[string]any), lines[1].(map[string]any)
	if first["message"] != "from spark" || first["level"] != "WARN" || first["logger"] != "org.apache.spark.x" ||
		first["appId"] != "app-1" || first["time"] != float64(1700000000001) || first["source"] != "jvm" {
		t.Errorf("first line: %v", first)
	}
	if msg := second["message"].(string); len(msg) > event.MaxLogMessage || !strings.HasSuffix(msg, event.Ellipsis) {
		t.Errorf("a 10 KB message is served with %d bytes, want at most %d ending in …", len(msg), event.MaxLogMessage)
	}
	if code, body := get(t, srv.URL+prefix+"api/logs", true); code != http.StatusBadRequest || body["errorType"] != "bad_request" {
		t.Errorf("without cellId: %d %v", code, body)
	}
	if code, _ := get(t, srv.URL+prefix+"api/logs?cellId=c-1", false); code != http.StatusUnauthorized {
		t.Errorf("without the proxy secret: %d", code)
	}
}

// A log frame without its level or message is refused with a reason that names it.
func TestLogFrameNeedsLevelAndMessage(t *testing.T) {
	_, err := event.Decode([]byte(`{"type":"log","seq":0,"time":1,"level":"WARN","logger":"x"}`))
	if err == nil || !strings.Contains(err.Error(), `log frame: missing field "message"`) {
		t.Errorf("got %v", err)
	}
}
