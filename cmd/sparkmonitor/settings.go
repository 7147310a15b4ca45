package main

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/metrics"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// settings adapts the config file to its consumers: the log level, the API's read-only check, the state store.
type settings struct {
	flagLevel    slog.Level
	flagReadOnly bool
	level        *slog.LevelVar
	readOnly     atomic.Bool
	store        *state.Store // set before the watcher runs
	log          *slog.Logger
	history      atomic.Pointer[config.HistorySettings] // the history's bounds in use (history.go)
	maxJobs      atomic.Int64                           // retention.maxJobsPerApp in use (the history writers')
}

// historySettings returns the history section in use.
func (s *settings) historySettings() config.HistorySettings {
	if h := s.history.Load(); h != nil {
		return *h
	}
	return config.Defaults().History
}

// effective applies what does not need the store (log level, read-only check) and returns the store's tunables: the
// file's settings under the flags (config.Settings.With).
func (s *settings) effective(c config.Settings) state.Tunables {
	c = c.With(config.Flags{LogLevel: s.flagLevel, ReadOnly: s.flagReadOnly})
	s.level.Set(*c.LogLevel)
	h := c.History
	s.history.Store(&h)
	s.readOnly.Store(c.ReadOnly)
	s.maxJobs.Store(int64(c.MaxJobsPerApp))
	return state.Tunables{ReadOnly: c.ReadOnly, MaxJobsPerApp: c.MaxJobsPerApp, MaxApps: c.MaxApps}
}

// apply is the watcher's Apply: a reloaded configuration, applied without restart.
func (s *settings) apply(ctx context.Context) func(config.Settings) {
	return func(c config.Settings) {
		t := s.effective(c)
		if err := s.store.Reconfigure(ctx, t); err != nil {
			s.log.Warn("config: the state store did not take the new settings", "err", err)
			return
		}
		s.log.Info("config applied", "readOnly", t.ReadOnly, "maxJobsPerApp", t.MaxJobsPerApp, "maxApps", t.MaxApps, "logLevel", s.level.Level())
	}
}

// configStatus converts the watcher's status for api/health.
func configStatus(w *config.Watcher) func() api.ConfigStatus {
	return func() api.ConfigStatus {
		st := w.Status()
		out := api.ConfigStatus{Path: st.Path, Exists: st.Exists}
		if !st.LoadedAt.IsZero() {
			t := st.LoadedAt.UTC()
			out.LoadedAt = &t
		}
		if st.Error != "" {
			e := strings.TrimSpace(st.Error)
			out.Error = &e
		}
		return out
	}
}

// profileList converts the watcher's Spark configuration profiles for api/profiles.
func profileList(w *config.Watcher) func() api.ProfileList {
	return func() api.ProfileList {
		st := w.Status()
		out := api.ProfileList{Config: &st.Path, Profiles: []api.Profile{}}
		if st.Error != "" {
			e := strings.TrimSpace(st.Error)
			out.ConfigError = &e
		}
		if set := w.Settings().Profiles; set != nil {
			for _, p := range set.Profiles {
				out.Profiles = append(out.Profiles, api.Profile{
					Name: p.Name, Description: p.Description, Valid: p.Valid(), Conf: p.Conf, Problems: p.Problems,
				})
			}
		}
		return out
	}
}

// metricsConfig converts the watcher's status and profiles for the metrics.
func metricsConfig(w *config.Watcher) func() metrics.ConfigState {
	return func() metrics.ConfigState {
		st := w.Status()
		out := metrics.ConfigState{Good: st.Error == "", LoadedAt: st.LoadedAt}
		out.ValidProfiles, out.InvalidProfiles = w.Settings().Profiles.Count()
		return out
	}
}
