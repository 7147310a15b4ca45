package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// streamingApp: app appID with the active query "q-active" and the stopped query "q-done", both of cell c1.
func streamingApp(t *testing.T, s *state.Store, appID string, killEnabled bool) {
	t.Helper()
	evs := []event.Event{
		&event.Hello{AppID: appID, Protocol: 1, KillEnabled: &killEnabled},
		&event.StreamStart{QueryID: "q-active", RunID: "r1", CellID: ptr("c1")},
		&event.StreamStart{QueryID: "q-done", RunID: "r2", CellID: ptr("c1")},
		&event.StreamEnd{QueryID: "q-done", RunID: "r2"},
	}
	for _, ev := range evs {
		if err := s.Submit(context.Background(), appID, ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStopStreamSendsTheControlFrameUnderCancelsRules(t *testing.T) {
	ctl := &fakeController{}
	srv, store := serve(t, state.Options{}, Options{Controller: ctl})
	streamingApp(t, store, "app-1", true)
	streamingApp(t, store, "no-kill", false)
	base := srv.URL + prefix + "api/apps/"
	for _, c := range []struct {
		path string
		hdr  map[string]string
		code int
	}{
		{"app-1/streams/q-active/stop", nil, http.StatusForbidden}, // no CSRF header
		{"nope/streams/q-active/stop", csrf, http.StatusNotFound},
		{"app-1/streams/q-nope/stop", csrf, http.StatusNotFound},
		{"app-1/streams/q-done/stop", csrf, http.StatusConflict},
		{"no-kill/streams/q-active/stop", csrf, http.StatusForbidden}, // spark.ui.killEnabled=false
	} {
		if code, body := post(t, base+c.path, c.hdr); code != c.code {
			t.Errorf("POST %s: %d %v, want %d", c.path, code, body, c.code)
		}
	}
	if got := ctl.frames(); len(got) != 0 {
		t.Fatalf("refused requests sent %v", got)
	}
	code, body := post(t, base+"app-1/streams/q-active/stop", csrf)
	if code != http.StatusAccepted || body["data"].(map[string]any)["requested"] != 1.0 {
		t.Fatalf("stop: %d %v", code, body)
	}
	want := `app-1 {"type":"stopStream","queryId":"q-active","reason":"via SparkMonitor"}`
	if got := ctl.frames(); len(got) != 1 || got[0] != want {
		t.Fatalf("stop sent %v, want %s", got, want)
	}
}
