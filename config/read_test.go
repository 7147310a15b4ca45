package config

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin runs Load on path; a Load that has not returned within waitTimeout fails the test (it is blocked: a
// guard against a hang, not a measure of time).
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, _, err := Load(path)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("Load(%s) is blocked", path)
		return nil
	}
}

// hostileFiles makes, in dir, each kind of path that must not be read as a config file, with what its error says.
func hostileFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{fifo: "cannot read the file: it is a named pipe (FIFO): not a regular file",
		dir: "cannot read the file: it is a directory: not a regular file"}
	for _, dev := range []string{"/dev/zero", "/dev/urandom", "/dev/null"} {
		link := filepath.Join(dir, filepath.Base(dev)+".yaml")
		if err := os.Symlink(dev, link); err != nil {
			t.Fatal(err)
		}
		files[link] = "cannot read the file: it is a character device: not a regular file"
		files[dev] = files[link]
	}
	huge := filepath.Join(dir, "huge.yaml")
	write(t, huge, "# "+strings.Repeat("x", MaxFileBytes-2)+"\n") // one byte over
	files[huge] = "cannot read the file: it has 1048577 bytes: more than the 1 MiB a config file may have"
	return files
}

// A FIFO, a device (also behind a symlink), a directory or a file over 1 MiB is refused at once, with its path and
// what it is; nothing is opened that could block, nothing is read from a device.
func TestLoadRefusesWhatIsNotASmallRegularFile(t *testing.T) {
	for path, says := range hostileFiles(t, t.TempDir()) {
		err := loadWithin(t, path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), says) {
			t.Errorf("Load(%s) = %v, want an error naming the path and %q", path, err, says)
		}
	}
}

func TestLoadReadsAFileOfExactlyTheBound(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.yaml")
	pad := "# " + strings.Repeat("x", MaxFileBytes-len("readOnly: true\n")-3) + "\n"
	write(t, path, pad+"readOnly: true\n")
	f, exists, err := Load(path)
	if err != nil || !exists || !f.Settings().ReadOnly {
		t.Fatalf("Load of %d bytes = %v, %v", MaxFileBytes, exists, err)
	}
}

// A config file replaced by a FIFO or a link to a device while the monitor runs: the watcher reports it with its
// path, keeps the last good configuration, and goes on (a good file after it applies, and Run stops with ctx).
func TestWatcherKeepsTheLastGoodConfigOverAFifoOrADevice(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sparkmonitor.yaml")
	write(t, path, "retention:\n  maxJobsPerApp: 50\n")
	x := startWatcher(t, path)
	for _, c := range []struct {
		what string
		make func(tmp string) error
		says string
	}{
		{"a FIFO", func(tmp string) error { return syscall.Mkfifo(tmp, 0o600) }, "a named pipe (FIFO)"},
		{"a link to /dev/zero", func(tmp string) error { return os.Symlink("/dev/zero", tmp) }, "a character device"},
	} {
		tmp := filepath.Join(dir, ".swap")
		if err := c.make(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		st := x.waitStatus(t, c.what+" reported", func(s Status) bool { return s.Error != "" })
		if !strings.HasPrefix(st.Error, path+": ") || !strings.Contains(st.Error, c.says) {
			t.Errorf("%s: status error %q", c.what, st.Error)
		}
		if s := x.w.Settings(); s.MaxJobsPerApp != 50 {
			t.Errorf("%s: the last good configuration is gone: %+v", c.what, s)
		}
		replace(t, path, "retention:\n  maxJobsPerApp: 60\n")
		x.waitApplied(t, "a good file after "+c.what, func(s Settings) bool { return s.MaxJobsPerApp == 60 })
		replace(t, path, "retention:\n  maxJobsPerApp: 50\n")
		x.waitApplied(t, "the first file again", func(s Settings) bool { return s.MaxJobsPerApp == 50 })
	}
}
