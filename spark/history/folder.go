package history

import (
	"fmt"
	"log/slog"
	"os"
	"time"
)

// PrepareFolder readies the history folder dir at the monitor's start, then applies ret to what a previous run left
// there (logging what it deleted; a failed sweep is logged, not returned).
//
// The folder is made 0700, with any folder it has to make above it. One that already exists open to other users
// (made by hand, or by another tool) is closed to them: its event logs hold job descriptions, SQL text and the
// application's Spark configuration (the files in it are created 0600). An error means the folder cannot be used,
// e.g. it is open to others and not this user's to close; the monitor then runs without its history.
func PrepareFolder(dir string, ret Retention, log *slog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := closeToOthers(dir, log); err != nil {
		return err
	}
	if removed, err := Sweep(dir, ret, nil, time.Now()); err != nil {
		log.Warn("history: retention sweep failed", "dir", dir, "err", err)
	} else if len(removed) > 0 {
		log.Info("history: deleted old event logs", "count", len(removed))
	}
	return nil
}

// closeToOthers makes dir 0700 when it is open to other users.
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
