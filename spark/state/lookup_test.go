package state

import (
	"context"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The Spark UI of an application is reachable (uiPath, RunningUI) only while it runs and announced a UI.
func TestRunningUIAndUIPath(t *testing.T) {
	s, _ := startStore(t, Options{})
	ui := "http://127.0.0.1:4041"
	submitAll(t, s, "app-1", &event.Hello{AppID: "app-1", UIURL: &ui})
	submitAll(t, s, "app-noui", &event.Hello{AppID: "app-noui"})
	check := func(app string, wantUI string, wantPath string) {
		t.Helper()
		// The snapshot first: it applies what was submitted, which RunningUI's copy may lag (lookup.go).
		if p := snapshotApp(t, s, app).UIPath; (p == nil) != (wantPath == "") || (p != nil && *p != wantPath) {
			t.Errorf("%s: uiPath %v, want %q", app, p, wantPath)
		}
		got, ok, err := s.RunningUI(context.Background(), app)
		if err != nil || ok != (wantUI != "") || got != wantUI {
			t.Errorf("RunningUI(%s) = %q, %v, %v; want %q", app, got, ok, err, wantUI)
		}
	}
	// A hello just submitted is found at once (RunningUI asks the owner goroutine for an application it has not seen).
	submitAll(t, s, "app-2", &event.Hello{AppID: "app-2", UIURL: &ui})
	if got, ok, _ := s.RunningUI(context.Background(), "app-2"); !ok || got != ui {
		t.Errorf("RunningUI(app-2) right after its hello = %q, %v", got, ok)
	}
	check("app-1", ui, "ui/app-1/")
	check("app-noui", "", "")
	if _, ok, _ := s.RunningUI(context.Background(), "unknown"); ok {
		t.Error("an unknown application has no UI")
	}
	submitAll(t, s, "app-1", &event.AppEnd{})
	check("app-1", "", "")
}
