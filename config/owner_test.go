package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeConfig writes text to a config file with mode perm, whatever the umask.
func writeConfig(t *testing.T, text string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileEveryoneCanWriteIsNotRead(t *testing.T) {
	path := writeConfig(t, "readOnly: true\n", 0o666)
	f, exists, err := Load(path)
	if f != nil || !exists || err == nil {
		t.Fatalf("a world-writable file was read: %+v %v %v", f, exists, err)
	}
	want := path + ": the file is writable by every user (mode 0666), who could change your Spark settings through it; " +
		"the monitor does not read it (chmod o-w " + path + ")"
	if got := problems(t, err); len(got) != 1 || got[0] != want {
		t.Fatalf("problems %q, want %q", got, want)
	}
}

func TestFileOfAnotherUserIsNotRead(t *testing.T) {
	path := writeConfig(t, "readOnly: true\n", 0o644)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skipf("cannot give the file to another user (needs root): %v", err)
	}
	_, _, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "the file belongs to another user (uid 65534)") {
		t.Fatalf("another user's file: %v", err)
	}
}

func TestFilesOnlyTheUserOrTheGroupCanWriteAreRead(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	for _, perm := range []os.FileMode{0o600, 0o644, 0o664, 0o444} {
		f, exists, err := Load(writeConfig(t, "readOnly: true\n", perm))
		if err != nil || !exists || !f.Settings().ReadOnly {
			t.Errorf("mode %04o: %+v %v %v", perm, f, exists, err)
		}
	}
}

// TestWatchedFileMadeWritableByEveryoneKeepsTheLastGoodConfiguration: another user's edit of a world-writable file
// (here: read-only turned off) is not applied; closing the file again applies it.
func TestWatchedFileMadeWritableByEveryoneKeepsTheLastGoodConfiguration(t *testing.T) {
	path := writeConfig(t, "readOnly: true\n", 0o644)
	x := startWatcher(t, path)
	if !x.w.Settings().ReadOnly {
		t.Fatalf("at start: %+v", x.w.Settings())
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	write(t, path, "readOnly: false\n")
	st := x.waitStatus(t, "the refusal", func(s Status) bool { return strings.Contains(s.Error, "writable by every user") })
	if !x.w.Settings().ReadOnly || !st.Exists {
		t.Fatalf("a world-writable file was applied: %+v %+v", x.w.Settings(), st)
	}
	select {
	case s := <-x.applied:
		t.Fatalf("applied: %+v", s)
	default:
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	x.waitApplied(t, "the closed file", func(s Settings) bool { return !s.ReadOnly })
	if st := x.w.Status(); st.Error != "" {
		t.Fatalf("error kept: %+v", st)
	}
}
