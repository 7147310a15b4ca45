package state

import (
	"context"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// RunningUI returns the Spark UI URL its listener announced for a RUNNING application; ok is false for unknown,
// finished or disconnected applications and those without a UI. Safe for concurrent use.
//
// It is called for every proxied Spark UI request, so it reads a copy that the owner goroutine republishes whenever
// an application's UI changes (see publishUIs) and does not wait behind a burst of events. Only an application not
// in that copy asks the owner goroutine, which first applies the events already submitted (a hello that was just
// submitted is found). So the copy can lag the events still queued: an application that just ended may be proxied for
// a moment longer, which gives 502 rather than 404.
func (s *Store) RunningUI(ctx context.Context, appID string) (ui string, ok bool, err error) {
	if m := s.uis.Load(); m != nil {
		if ui, ok = (*m)[appID]; ok {
			return ui, true, nil
		}
	}
	err = s.do(ctx, func() {
		if a := s.apps[appID]; a != nil {
			ui = a.runningUI()
			ok = ui != ""
		}
	})
	return ui, ok, err
}

// runningUI is the UI URL of a RUNNING application, or "".
func (a *liveApp) runningUI() string {
	if a.info.State == wire.AppRunning && a.info.UIURL != nil {
		return *a.info.UIURL
	}
	return ""
}

// publishUIs republishes the running applications' UI URLs for RunningUI. Owner goroutine only.
func (s *Store) publishUIs() {
	m := make(map[string]string, len(s.apps))
	for id, a := range s.apps {
		if ui := a.runningUI(); ui != "" {
			m[id] = ui
		}
	}
	s.uis.Store(&m)
}

// CancelEnabled reports whether cancel is enabled for the application (App.cancelEnabled: not read-only, listener
// connected, spark.ui.killEnabled); false for an unknown application. Safe for concurrent use.
func (s *Store) CancelEnabled(ctx context.Context, appID string) (enabled bool, err error) {
	err = s.do(ctx, func() {
		if a := s.apps[appID]; a != nil {
			enabled = a.cancelEnabled()
		}
	})
	return enabled, err
}
