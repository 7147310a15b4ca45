package history

import (
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestHistoryFolderIsClosedToOthers: a history folder that already exists open to other users is made 0700 at start,
// and one made by the monitor is 0700 (with any folder it had to make above it).
func TestHistoryFolderIsClosedToOthers(t *testing.T) {
	old := syscall.Umask(0) // the most permissive umask: the modes must not come from it
	defer syscall.Umask(old)
	log := slog.New(slog.DiscardHandler)
	open := filepath.Join(t.TempDir(), "history")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	made := filepath.Join(state, "sparkmonitor", "history")
	for dir, private := range map[string][]string{open: {open}, made: {made, filepath.Dir(made), state}} {
		if err := PrepareFolder(dir, Retention{}, log); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, d := range private {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v (%v), want 0700", d, fi.Mode(), err)
			}
		}
	}
}

// TestPrepareFolderAppliesTheRetention: what a previous run left beyond the bounds is deleted at start, the newest kept.
func TestPrepareFolderAppliesTheRetention(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i, name := range []string{"app-1", "app-2", "app-3"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("{}\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Duration(i-3) * time.Hour)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := PrepareFolder(dir, Retention{MaxApps: 1}, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	left, err := List(dir)
	if err != nil || len(left) != 1 || filepath.Base(left[0].Path) != "app-3" {
		t.Fatalf("left %+v (%v), want app-3 alone", left, err)
	}
}
