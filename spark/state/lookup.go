package state

import "context"

// RunningUI returns the Spark UI URL its listener announced for a RUNNING application; ok is false for unknown,
// finished or disconnected applications and those without a UI. It reads the owner goroutine's state without
// copying any job, so it is cheap enough for every proxied request. Safe for concurrent use.
func (s *Store) RunningUI(ctx context.Context, appID string) (ui string, ok bool, err error) {
	err = s.do(ctx, func() {
		if a := s.apps[appID]; a != nil && a.info.State == AppRunning && a.info.UIURL != nil {
			ui, ok = *a.info.UIURL, true
		}
	})
	return ui, ok, err
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
