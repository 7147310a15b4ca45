package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/history"
	"github.com/sparkmonitor/sparkmonitor-go/spark/ingest"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// maxUncompressed bounds what an uploaded event log may decompress to.
const maxUncompressed = 4 << 30

// historyDir is the history folder: history.dir (a leading ~/ is the home folder), else
// $XDG_STATE_HOME/sparkmonitor/history, else ~/.local/state/sparkmonitor/history.
func historyDir(h config.HistorySettings, getenv func(string) string) (string, error) {
	home := func() (string, error) {
		if d := getenv("HOME"); d != "" {
			return d, nil
		}
		return "", errors.New("HOME is not set")
	}
	if rest, ok := strings.CutPrefix(h.Dir, "~/"); ok {
		d, err := home()
		return filepath.Join(d, rest), err
	}
	if h.Dir != "" {
		return h.Dir, nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "sparkmonitor", "history"), nil
	}
	d, err := home()
	return filepath.Join(d, ".local", "state", "sparkmonitor", "history"), err
}

// retention converts the config file's bounds.
func retention(h config.HistorySettings) history.Retention {
	return history.Retention{
		MaxApps:  h.MaxApps,
		MaxBytes: int64(h.MaxMegabytes) << 20,
		MaxAge:   time.Duration(h.MaxAgeDays) * 24 * time.Hour,
	}
}

// historySetup is the history's part of the monitor: the recorder the live events are teed to, the restore of past
// applications at start, the dashboard's uploads.
type historySetup struct {
	dir   string
	rec   *history.Recorder
	store *state.Store
	live  *settings
	log   *slog.Logger
}

// newHistory prepares the history folder and applies the retention to what a previous run left; nil when the
// history is off or its folder unusable (the monitor runs without it, and says why in its log).
func newHistory(h config.HistorySettings, live *settings, store *state.Store, log *slog.Logger) *historySetup {
	if !h.Enabled {
		log.Info("history is off (history.enabled: false)")
		return nil
	}
	dir, err := historyDir(h, os.Getenv)
	if err == nil {
		err = os.MkdirAll(dir, 0o700)
	}
	if err == nil {
		err = closeToOthers(dir, log)
	}
	if err != nil {
		log.Warn("history: no history folder; ended applications are not kept", "dir", dir, "err", err)
		return nil
	}
	if removed, err := history.Sweep(dir, retention(h), nil, time.Now()); err != nil {
		log.Warn("history: retention sweep failed", "dir", dir, "err", err)
	} else if len(removed) > 0 {
		log.Info("history: deleted old event logs", "count", len(removed))
	}
	hs := &historySetup{dir: dir, store: store, live: live, log: log}
	hs.rec = history.NewRecorder(history.Options{Dir: dir, Logger: log,
		Retention: func() history.Retention { return retention(live.historySettings()) }})
	return hs
}

// closeToOthers makes the history folder 0700 when it already existed open to other users (made by hand, or by another
// tool): its event logs hold job descriptions, SQL text and the application's Spark configuration. The files in it
// are created 0600. A folder that cannot be closed (not this user's) is an error: the history is then off.
func closeToOthers(dir string, log *slog.Logger) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, perm&^0o077); err != nil {
			return fmt.Errorf("the folder is open to other users (mode %04o) and cannot be closed: %w", perm, err)
		}
		log.Info("history: the folder was open to other users; closed it", "dir", dir, "was", fmt.Sprintf("%04o", perm),
			"now", fmt.Sprintf("%04o", perm&^0o077))
	}
	return nil
}

// restore replays the history folder's logs into the store (before listeners connect).
func (hs *historySetup) restore(ctx context.Context) {
	start := time.Now()
	n, err := history.Restore(ctx, hs.dir, hs.store, hs.log)
	if err == nil {
		hs.log.Info("history: restored past applications", "dir", hs.dir, "count", n, "took", time.Since(start).Round(time.Millisecond))
	}
}

// expectListeners starts the driver-lost grace period of each past application restored without an end: its
// listener reconnects if its driver still runs, else the application ends as "driver lost".
func (hs *historySetup) expectListeners(ctx context.Context, in *ingest.Server) {
	apps, err := hs.store.Snapshot(ctx)
	if err != nil {
		return
	}
	for _, a := range apps {
		if a.State == state.AppDisconnected && a.Source == state.SourceHistory {
			in.ExpectListener(ctx, a.AppID, a.AttemptID)
		}
	}
}

func (hs *historySetup) status() api.HistoryStatus {
	st := hs.rec.Status()
	out := api.HistoryStatus{Dir: st.Dir, Dropped: st.Dropped}
	if st.Error != "" {
		out.Error = &st.Error
	}
	return out
}

// Open is api.EventLogs: an uploaded event log, kept in the history folder and replayed as an application.
func (hs *historySetup) Open(ctx context.Context, r io.Reader) (string, error) {
	exists := func(id string) bool {
		apps, err := hs.store.Snapshot(ctx)
		if err != nil {
			return false
		}
		for _, a := range apps {
			if a.AppID == id {
				return true
			}
		}
		return false
	}
	sum, err := history.Import(ctx, hs.dir, r, history.ImportOptions{
		MaxBytes: int64(hs.live.historySettings().MaxUpload) << 20, MaxUncompressed: maxUncompressed, Exists: exists,
	}, hs.store)
	var fe *history.FormatError
	switch {
	case err == nil:
		hs.log.Info("history: opened an uploaded event log", "app", sum.AppID, "lines", sum.Lines)
		return sum.AppID, nil
	case errors.Is(err, history.ErrTooLarge):
		return "", rewrap(api.ErrEventLogTooLarge, history.ErrTooLarge, err)
	case errors.Is(err, history.ErrAppExists):
		return "", rewrap(api.ErrEventLogExists, history.ErrAppExists, err)
	case errors.As(err, &fe):
		return "", fmt.Errorf("%w: %w", api.ErrBadEventLog, err)
	}
	return "", err
}

// rewrap gives err the API's kind, keeping its detail (what follows the history error's own words).
func rewrap(kind, same, err error) error {
	msg := err.Error()
	if i := strings.LastIndex(msg, same.Error()); i >= 0 {
		msg = strings.TrimPrefix(msg[i+len(same.Error()):], ": ")
	}
	return fmt.Errorf("%w: %s", kind, msg)
}
