package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/history"
	"github.com/sparkmonitor/sparkmonitor-go/spark/ingest"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// historySetup is the history's part of the monitor: the recorder the live events are teed to, the restore of past
// applications at start, the dashboard's uploads.
type historySetup struct {
	dir     string
	rec     *history.Recorder
	uploads *history.Uploads
	store   *state.Store
	log     *slog.Logger
}

// newHistory prepares the history folder (history.PrepareFolder: private, the retention applied to what a previous
// run left); nil when the history is off or its folder unusable (the monitor runs without it, and says why in its
// log).
func newHistory(h config.HistorySettings, live *settings, store *state.Store, log *slog.Logger) *historySetup {
	if !h.Enabled {
		log.Info("history is off (history.enabled: false)")
		return nil
	}
	dir, err := h.Folder(os.Getenv)
	if err == nil {
		err = history.PrepareFolder(dir, retention(h), log)
	}
	if err != nil {
		log.Warn("history: no history folder; ended applications are not kept", "dir", dir, "err", err)
		return nil
	}
	return &historySetup{dir: dir, store: store, log: log,
		rec: history.NewRecorder(history.Options{Dir: dir, Logger: log,
			Retention:     func() history.Retention { return retention(live.historySettings()) },
			MaxJobsPerApp: func() int { return int(live.maxJobs.Load()) }}),
		uploads: &history.Uploads{Dir: dir, Apps: store, Logger: log,
			MaxBytes: func() int64 { return live.historySettings().MaxUploadBytes() },
			Kinds: history.UploadKinds{
				Bad: api.ErrBadEventLog, TooLarge: api.ErrEventLogTooLarge, Exists: api.ErrEventLogExists,
			}},
	}
}

// retention is the config file's history bounds, as the history takes them.
func retention(h config.HistorySettings) history.Retention {
	return history.Retention{MaxApps: h.MaxApps, MaxBytes: h.MaxBytes(), MaxAge: h.MaxAge()}
}

// restore replays the history folder's logs into the store (before listeners connect).
func (hs *historySetup) restore(ctx context.Context) {
	start := time.Now()
	n, err := history.Restore(ctx, hs.dir, hs.store, hs.log)
	if err == nil {
		hs.log.Info("history: restored past applications", "dir", hs.dir, "count", n, "took", time.Since(start).Round(time.Millisecond))
	}
}

// expectListeners has ingest await the listeners of the applications restored without an end (ExpectRestored).
func (hs *historySetup) expectListeners(ctx context.Context, in *ingest.Server) {
	if apps, err := hs.store.Snapshot(ctx); err == nil {
		in.ExpectRestored(ctx, apps)
	}
}

// status converts the recorder's status for api/health.
func (hs *historySetup) status() api.HistoryStatus {
	st := hs.rec.Status()
	out := api.HistoryStatus{Dir: st.Dir, Dropped: st.Dropped}
	if st.Error != "" {
		out.Error = &st.Error
	}
	return out
}
