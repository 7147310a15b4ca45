package config

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the watcher waits after the last change before it reloads (an editor's save is a few
// events: write, or rename + create + chmod).
const DefaultDebounce = 200 * time.Millisecond

// Status is the state of the config file, for api/health and the dashboard.
type Status struct {
	Path string
	// Exists: the file was there at the last (re)load.
	Exists bool
	// LoadedAt is when the configuration in use was loaded (the file's, or the defaults when there is no file); zero
	// when the file has been broken since the monitor started (the defaults are in use).
	LoadedAt time.Time
	// Error is the file's problems ("path:line: reason", one per line) when it is broken: the configuration in use
	// is then the last good one (or the defaults). Empty when the file in use is the file on disk.
	Error string
}

// Options configure a Watcher.
type Options struct {
	Path   string
	Logger *slog.Logger
	// Apply receives the new Settings after each successful reload that changed them; it runs on Run's goroutine.
	// The Settings at start are Watcher.Settings (Open does not call Apply).
	Apply func(Settings)
	// Debounce after the last file event before reloading; ≤ 0: DefaultDebounce.
	Debounce time.Duration
	// OnReload, when set, is called after every reload attempt with the resulting status (tests wait on it).
	OnReload func(Status)
}

// Watcher holds the configuration in use and reloads it when the file changes. Settings and Status are safe for
// concurrent use.
type Watcher struct {
	opts Options

	mu       sync.Mutex
	status   Status
	settings Settings
	applied  []byte // the file's bytes in use (nil: defaults)
}

// Open loads the file once. It never fails: a missing file is the defaults, a broken one is the defaults plus an
// error in Status (and in the log).
func Open(opts Options) *Watcher {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if abs, err := filepath.Abs(opts.Path); err == nil {
		opts.Path = abs
	}
	w := &Watcher{opts: opts, settings: Defaults(), status: Status{Path: opts.Path}}
	w.reload(time.Now(), true)
	return w
}

// Settings returns the configuration in use.
func (w *Watcher) Settings() Settings {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.settings
}

// Status returns the file's status.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// reload reads the file and, when it is good and differs from the one in use, swaps it in and calls Apply (unless
// initial). A broken file leaves the configuration in use alone.
func (w *Watcher) reload(now time.Time, initial bool) {
	f, data, exists, err := w.read()
	w.mu.Lock()
	w.status.Exists = exists
	changed := false
	if err != nil {
		msg := err.Error()
		if msg != w.status.Error {
			w.opts.Logger.Error("config file is broken; keeping the configuration in use (restarting is not needed "+
				"once it is fixed)", "problems", msg, "inUse", w.inUse())
		}
		w.status.Error = msg
	} else {
		changed = initial || !bytes.Equal(data, w.applied) || (data == nil) != (w.applied == nil) || w.status.Error != ""
		if changed {
			w.settings, w.applied = f.Settings(), data
			w.status.LoadedAt, w.status.Error = now, ""
		}
	}
	settings, status := w.settings, w.status
	w.mu.Unlock()

	if changed && !initial {
		w.opts.Logger.Info("config reloaded", "path", w.opts.Path, "exists", exists)
		if w.opts.Apply != nil {
			w.opts.Apply(settings)
		}
	}
	if changed && initial && exists {
		w.opts.Logger.Info("config loaded", "path", w.opts.Path)
	}
	if changed {
		for _, msg := range settings.Profiles.Invalid() {
			w.opts.Logger.Warn("Spark profile cannot be used until it is fixed (the other profiles can)", "problem", msg)
		}
	}
	if w.opts.OnReload != nil {
		w.opts.OnReload(status)
	}
}

// read reads and checks the file: f and its bytes when it is good (an empty File and nil bytes when it does not
// exist), else the *Error that says why it cannot be used.
func (w *Watcher) read() (f *File, data []byte, exists bool, err error) {
	data, err = readFile(w.opts.Path)
	exists = !errors.Is(err, fs.ErrNotExist)
	switch {
	case !exists:
		f, data, err = &File{}, nil, nil
	case err != nil:
		err = &Error{Path: w.opts.Path, Problems: []string{" " + readError(err)}}
	default:
		f, err = Parse(w.opts.Path, data)
	}
	if why := othersCanChange(w.opts.Path); err == nil && exists && why != "" {
		f, err = nil, &Error{Path: w.opts.Path, Problems: []string{why}}
	}
	return f, data, exists, err
}

// inUse describes the configuration in use, for the log; call with mu held.
func (w *Watcher) inUse() string {
	if w.status.LoadedAt.IsZero() || w.applied == nil {
		return "defaults"
	}
	return "the last good file, loaded at " + w.status.LoadedAt.Format(time.RFC3339)
}

// Run watches the file's directory until ctx ends and reloads after changes. Editors and Kubernetes replace files by
// rename, so the directory is watched, not the file; when the directory does not exist yet, its nearest existing
// ancestor is watched until it appears. Run never fails the monitor: a watch it cannot set up is logged, and then
// the file is not hot-reloaded.
func (w *Watcher) Run(ctx context.Context) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		w.opts.Logger.Warn("cannot watch the config file; changes apply after a restart", "path", w.opts.Path, "err", err)
		<-ctx.Done()
		return nil
	}
	defer func() { _ = fw.Close() }()
	dir := filepath.Dir(w.opts.Path)
	watched := "" // the directory watched now: dir, or its nearest existing ancestor
	// rewatch moves the watch to the deepest existing directory on the way to the file. It looks again after each
	// Add: a directory created between the look and the Add raised no event the new watch could see.
	rewatch := func() {
		for {
			target := nearestDir(dir)
			if target == watched {
				return
			}
			if watched != "" {
				_ = fw.Remove(watched)
			}
			watched = ""
			if err := fw.Add(target); err != nil {
				w.opts.Logger.Warn("cannot watch the config directory; changes apply after a restart", "dir", target, "err", err)
				return
			}
			watched = target
			w.opts.Logger.Debug("watching for config changes", "dir", target, "path", w.opts.Path)
		}
	}
	rewatch()
	w.reload(time.Now(), false) // a change between Open and the watch would otherwise wait for the next one

	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if !w.relevant(ev.Name) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(w.opts.Debounce)
			} else {
				timer.Reset(w.opts.Debounce)
			}
			fire = timer.C
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			w.opts.Logger.Warn("config watch error", "err", err)
		case <-fire:
			fire = nil
			rewatch()
			w.reload(time.Now(), false)
		}
	}
}

// relevant: the event is about the file, one of its missing ancestors, or a Kubernetes-style "..data" swap in its
// directory.
func (w *Watcher) relevant(name string) bool {
	name = filepath.Clean(name)
	if name == w.opts.Path || strings.HasPrefix(w.opts.Path, name+string(filepath.Separator)) {
		return true
	}
	return filepath.Dir(name) == filepath.Dir(w.opts.Path) && strings.HasPrefix(filepath.Base(name), "..")
}

// nearestDir returns dir, or its nearest ancestor that exists.
func nearestDir(dir string) string {
	for {
		if fi, err := os.Stat(dir); err == nil && fi.IsDir() {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return dir
		}
		dir = parent
	}
}
