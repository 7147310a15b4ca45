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
		got, ok, err := s.RunningUI(context.Background(), app)
		if err != nil || ok != (wantUI != "") || got != wantUI {
			t.Errorf("RunningUI(%s) = %q, %v, %v; want %q", app, got, ok, err, wantUI)
		}
		if p := snapshotApp(t, s, app).UIPath; (p == nil) != (wantPath == "") || (p != nil && *p != wantPath) {
			t.Errorf("%s: uiPath %v, want %q", app, p, wantPath)
		}
	}
	check("app-1", ui, "ui/app-1/")
	check("app-noui", "", "")
	if _, ok, _ := s.RunningUI(context.Background(), "unknown"); ok {
		t.Error("an unknown application has no UI")
	}
	submitAll(t, s, "app-1", &event.AppEnd{})
	check("app-1", "", "")
}
