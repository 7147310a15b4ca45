package api

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// api/cells/{cellId}/waits: a cell of a kernel with a running Spark application and no job, running for longer than
// stallAfterMs, gets the Python wait; bad parameters get 400 with the reason; without Waits, 503.
func TestCellWaitsEndpoint(t *testing.T) {
	srv503, store := serve(t, state.Options{}, Options{})
	submitTo(t, store, "app-w", &event.Hello{AppID: "app-w", KernelID: "k-w"})
	waits, _ := serve(t, state.Options{}, Options{Waits: store})
	base := waits.URL + prefix + "api/cells/c1/waits?"
	start := time.Now().Add(-3 * time.Second).UnixMilli()
	q := url.Values{"kernelId": {"k-w"}, "since": {strconv.FormatInt(start, 10)}, "stallAfterMs": {"1000"}}
	code, m := get(t, base+q.Encode(), true)
	data, _ := m["data"].(map[string]any)
	wait, _ := data["wait"].(map[string]any)
	if code != http.StatusOK || wait["kind"] != "python" || data["stallAfterMs"] != 1000.0 {
		t.Fatalf("waits = %d %v, want 200 with a python wait", code, m)
	}
	q.Set("stallAfterMs", "60000")
	if _, m := get(t, base+q.Encode(), true); m["data"].(map[string]any)["wait"] != nil {
		t.Errorf("3 s into the run with stallAfterMs=60000: %v, want no wait", m)
	}
	for _, bad := range []url.Values{{"since": {"x"}}, {"since": {"1"}, "stallAfterMs": {"5"}}} {
		if code, m := get(t, base+bad.Encode(), true); code != http.StatusBadRequest || m["error"] == "" {
			t.Errorf("%v: %d %v, want 400 with a reason", bad, code, m)
		}
	}
	if code, _ := get(t, srv503.URL+prefix+"api/cells/c1/waits?since=1", true); code != http.StatusServiceUnavailable {
		t.Errorf("without Waits: %d, want 503", code)
	}
}
