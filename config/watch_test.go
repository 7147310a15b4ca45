package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// waitTimeout is generous: other heavy tests share the machine's cores.
const waitTimeout = 20 * time.Second

// watched runs a real watcher (fsnotify on a temp dir) on path; every applied Settings and every reload's Status
// arrive on the returned channels.
type watched struct {
	w        *Watcher
	applied  chan Settings
	reloaded chan Status
}

func startWatcher(t *testing.T, path string) *watched {
	t.Helper()
	x := &watched{applied: make(chan Settings, 100), reloaded: make(chan Status, 100)}
	x.w = Open(Options{
		Path: path, Debounce: 20 * time.Millisecond,
		Apply:    func(s Settings) { x.applied <- s },
		OnReload: func(s Status) { x.reloaded <- s },
	})
	<-x.reloaded // Open's own load
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- x.w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(waitTimeout):
			t.Error("Run did not stop with its context")
		}
	})
	return x
}

// waitStatus waits for a reload whose status satisfies ok.
func (x *watched) waitStatus(t *testing.T, what string, ok func(Status) bool) Status {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case s := <-x.reloaded:
			if ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s (status now %+v)", what, x.w.Status())
		}
	}
}

func (x *watched) waitApplied(t *testing.T, what string, ok func(Settings) bool) Settings {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case s := <-x.applied:
			if ok(s) {
				return s
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %s to be applied (settings now %+v)", what, x.w.Settings())
		}
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replace writes text the way editors and Kubernetes do: into another file, then renamed over path.
func replace(t *testing.T, path, text string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), ".sparkmonitor.yaml.swp")
	write(t, tmp, text)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestBrokenFileAtStartRunsWithDefaultsAndSaysWhy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	write(t, path, "readOnly: true\nretention:\n  maxJobs: 5\n")
	x := startWatcher(t, path)
	st := x.w.Status()
	if x.w.Settings() != Defaults() || !st.Exists || !st.LoadedAt.IsZero() || st.Error != path+":3: unknown key maxJobs" {
		t.Fatalf("settings %+v status %+v", x.w.Settings(), st)
	}

	write(t, path, "readOnly: true\n")
	x.waitApplied(t, "the fixed file", func(s Settings) bool { return s.ReadOnly })
	st = x.w.Status()
	if st.Error != "" || st.LoadedAt.IsZero() {
		t.Fatalf("fixed file: status %+v", st)
	}
}

func TestReloadAppliesGoodFilesAndKeepsTheLastGoodOneOverABrokenOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	write(t, path, "retention:\n  maxJobsPerApp: 50\n")
	x := startWatcher(t, path)
	if s := x.w.Settings(); s.MaxJobsPerApp != 50 || s.ReadOnly {
		t.Fatalf("at start: %+v", s)
	}

	// Written in place: applied.
	write(t, path, "readOnly: true\nretention:\n  maxJobsPerApp: 60\n")
	x.waitApplied(t, "readOnly and 60 jobs", func(s Settings) bool { return s.ReadOnly && s.MaxJobsPerApp == 60 })
	loaded := x.w.Status().LoadedAt

	// Broken (replaced atomically, so no half-written state is read): the last good configuration stays, the
	// status says why, nothing is applied.
	replace(t, path, "readOnly: false\nretention:\n  maxJobsPerApp: 1\n")
	st := x.waitStatus(t, "the error", func(s Status) bool { return s.Error != "" })
	if want := path + ":3: retention.maxJobsPerApp 1: must be between 10 and 100000"; st.Error != want {
		t.Fatalf("error %q, want %q", st.Error, want)
	}
	if s := x.w.Settings(); !s.ReadOnly || s.MaxJobsPerApp != 60 {
		t.Fatalf("the last good configuration was not kept: %+v", s)
	}
	if !st.LoadedAt.Equal(loaded) {
		t.Fatalf("loadedAt is %v, want the last good file's %v", st.LoadedAt, loaded)
	}
	select {
	case s := <-x.applied:
		t.Fatalf("a broken file was applied: %+v", s)
	default:
	}

	// Replaced by rename (editors, Kubernetes): applied, error gone.
	replace(t, path, "readOnly: false\nlogLevel: error\n")
	s := x.waitApplied(t, "the renamed file", func(s Settings) bool { return !s.ReadOnly })
	if s.MaxJobsPerApp != DefaultMaxJobsPerApp || s.LogLevel == nil || s.LogLevel.String() != "ERROR" {
		t.Fatalf("renamed file: %+v", s)
	}
	if st := x.w.Status(); st.Error != "" {
		t.Fatalf("error kept after a good file: %+v", st)
	}

	// Removed: back to the defaults.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	x.waitApplied(t, "the defaults", func(s Settings) bool { return s == Defaults() })
	if st := x.w.Status(); st.Exists || st.Error != "" {
		t.Fatalf("removed file: %+v", st)
	}
}

func TestADirectoryThatAppearsLaterIsWatched(t *testing.T) {
	// Jupyter's config dir often does not exist until something writes to it.
	path := filepath.Join(t.TempDir(), "jupyter", "config", "sparkmonitor.yaml")
	x := startWatcher(t, path)
	if st := x.w.Status(); st.Exists || st.Error != "" {
		t.Fatalf("missing directory: %+v", st)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	// The watch moves down to the new directory before the reload its creation causes; a file written before the
	// move is read by that reload, one written after it is seen by the new watch.
	write(t, path, "readOnly: true\n")
	x.waitApplied(t, "the file in the new directory", func(s Settings) bool { return s.ReadOnly })
}

func TestOnlyTheFileItsAncestorsAndKubernetesSwapsAreRelevant(t *testing.T) {
	w := &Watcher{opts: Options{Path: "/home/ana/.jupyter/sparkmonitor.yaml"}}
	for name, want := range map[string]bool{
		"/home/ana/.jupyter/sparkmonitor.yaml":                           true,
		"/home/ana/.jupyter":                                             true, // created after the monitor started
		"/home/ana":                                                      true,
		"/home/ana/.jupyter/..data":                                      true, // a ConfigMap mount's symlink swap
		"/home/ana/.jupyter/..2026_11_25_06_00_00.1234":                  true,
		"/home/ana/.jupyter/jupyter_server_config.json":                  false,
		"/home/ana/.jupyter/sparkmonitor.yaml.swp":                       false,
		"/home/ana/.jupyter/lab/workspaces/default.jupyterlab-workspace": false,
		"/home/ana/.jupyterx":                                            false,
	} {
		if got := w.relevant(name); got != want {
			t.Errorf("relevant(%q) = %v, want %v", name, got, want)
		}
	}
}
