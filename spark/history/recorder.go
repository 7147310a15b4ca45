package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Defaults of Options.
const (
	DefaultQueueSize     = 1 << 16
	DefaultFlushInterval = time.Second
	// maxIdle bounds the closed logs of disconnected applications whose encoder is kept (to append on reconnect).
	maxIdle = 256
)

// Options configure a Recorder.
type Options struct {
	// Dir is the history folder (created 0700 if missing).
	Dir string
	// QueueSize bounds the events waiting to be written (all applications together); beyond it events are dropped
	// and counted, never waited for.
	QueueSize int
	// FlushInterval: how often buffered lines reach the file (a crash loses at most that much).
	FlushInterval time.Duration
	// Retention, read at each sweep (after an application ends), says what to keep.
	Retention func() Retention
	// MaxJobsPerApp, read when a writer starts, is the live state's retention.maxJobsPerApp: what the writer
	// remembers of each application it writes is bounded as the live state's memory of it (memory.go); nil or ≤ 0:
	// state.DefaultMaxJobsPerApp.
	MaxJobsPerApp func() int
	Logger        *slog.Logger
	// Tick, when set, replaces the flush timer (tests).
	Tick <-chan time.Time
	// After, when set, replaces time.After for the flush timer (tests see when a flush is scheduled).
	After func(time.Duration) <-chan time.Time
}

type record struct {
	app  string
	ev   event.Event
	done chan struct{} // Sync: closed once every record before it is written
}

// appLog is one application's file while the monitor writes it.
type appLog struct {
	enc      *encoder
	path     string // the .inprogress file
	f        *os.File
	zw       *zstd.Encoder
	dirty    bool
	closedAt time.Time // when f was closed (a disconnect); zero while open
	// lastWrite: the file's modification time when a previous process's log was taken over for a lost driver.
	lastWrite time.Time
}

// Recorder writes the applications' events to their event-log files. Record never blocks; one goroutine (Run)
// encodes, compresses and writes.
type Recorder struct {
	opts    Options
	in      chan record
	dropped atomic.Int64
	written atomic.Int64
	errMu   sync.Mutex
	lastErr string
	logs    map[string]*appLog // owned by Run
	failed  map[string]bool    // apps whose file failed (not written again; owned by Run)
	pending bool               // a log has lines to flush (owned by Run)
	buf     []byte
}

// NewRecorder returns a Recorder for opts.Dir; call Run.
func NewRecorder(opts Options) *Recorder {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Retention == nil {
		opts.Retention = func() Retention { return Retention{} }
	}
	if opts.After == nil {
		opts.After = time.After
	}
	return &Recorder{opts: opts, in: make(chan record, opts.QueueSize), logs: map[string]*appLog{},
		failed: map[string]bool{}}
}

// Record offers an application's event to the writer; when the queue is full the event is dropped and counted. Safe
// for concurrent use; never blocks. The event must not be changed afterwards.
func (r *Recorder) Record(appID string, ev event.Event) {
	select {
	case r.in <- record{app: appID, ev: ev}:
	default:
		r.dropped.Add(1)
	}
}

// Sync waits until every event recorded before it is written and flushed to its file (tests, shutdown). It returns
// ctx's error if ctx ends first.
func (r *Recorder) Sync(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case r.in <- record{done: done}:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Status is what api/health reports of the history.
type Status struct {
	Dir string
	// Dropped counts events not written because the writer fell behind (their application's log misses them).
	Dropped int64
	// Written counts events written.
	Written int64
	// Error is the last write error ("" when none).
	Error string
}

// Status reports the recorder's counters. Safe for concurrent use.
func (r *Recorder) Status() Status {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return Status{Dir: r.opts.Dir, Dropped: r.dropped.Load(), Written: r.written.Load(), Error: r.lastErr}
}

func (r *Recorder) fail(app string, err error) {
	r.errMu.Lock()
	r.lastErr = err.Error()
	r.errMu.Unlock()
	r.opts.Logger.Error("history: cannot write the application's event log; it is not recorded any more",
		"app", app, "err", err)
	r.failed[app] = true
	if l := r.logs[app]; l != nil {
		l.close()
		delete(r.logs, app)
	}
}

// Run writes until ctx ends; then it flushes and closes every file (in-progress ones keep their .inprogress name).
func (r *Recorder) Run(ctx context.Context) error {
	if err := os.MkdirAll(r.opts.Dir, 0o700); err != nil {
		return fmt.Errorf("history folder %s: %w", r.opts.Dir, err)
	}
	// The flush timer runs only while lines wait to be flushed: an idle monitor has no timer to wake it (P6).
	var flushDue <-chan time.Time
	defer r.closeAll()
	for {
		if r.pending && flushDue == nil && r.opts.Tick == nil {
			flushDue = r.opts.After(r.opts.FlushInterval)
		}
		select {
		case <-ctx.Done():
			for n := len(r.in); n > 0; n-- { // what was offered before the end is written
				r.write(<-r.in)
			}
			return nil
		case rec := <-r.in:
			r.write(rec)
		case <-flushDue:
			flushDue = nil
			r.flush()
		case <-r.opts.Tick:
			r.flush()
		}
	}
}

func (r *Recorder) closeAll() {
	for app, l := range r.logs {
		l.close()
		delete(r.logs, app)
	}
}

func (r *Recorder) flush() {
	for app, l := range r.logs {
		if l.dirty && l.zw != nil {
			if err := l.zw.Flush(); err != nil {
				r.fail(app, err)
				continue
			}
			l.dirty = false
		}
	}
	r.pending = false
}

func (r *Recorder) write(rec record) {
	if rec.done != nil {
		r.flush()
		close(rec.done)
		return
	}
	if r.failed[rec.app] {
		return
	}
	l, err := r.open(rec.app, rec.ev)
	if err != nil {
		r.fail(rec.app, err)
		return
	}
	if l == nil {
		return
	}
	switch x := rec.ev.(type) {
	case *state.Disconnected:
		l.close() // reopened (appending) if the listener comes back
		r.forgetIdle()
		return
	case *state.DriverLost:
		r.lost(rec.app, l, x)
		return
	}
	r.buf = l.enc.encode(r.buf[:0], rec.ev)
	if len(r.buf) > 0 {
		if _, err := l.zw.Write(r.buf); err != nil {
			r.fail(rec.app, err)
			return
		}
		l.dirty, r.pending = true, true
		r.written.Add(1)
	}
	if _, end := rec.ev.(*event.AppEnd); end {
		r.finish(rec.app, l)
	}
}

// open returns the application's log, opening (or creating) its file; nil when the event needs none (a disconnect
// of an application without a log).
func (r *Recorder) open(app string, ev event.Event) (*appLog, error) {
	l := r.logs[app]
	if l != nil && l.f != nil {
		return l, nil
	}
	if _, ok := ev.(*state.Disconnected); ok {
		return l, nil
	}
	if l != nil { // closed at a disconnect: append a new zstd frame (concatenated frames are one stream)
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return nil, err
		}
		l.start(f)
		return l, nil
	}
	if x, ok := ev.(*state.DriverLost); ok {
		return r.openLost(app, x)
	}
	h, ok := ev.(*event.Hello)
	if !ok {
		return nil, nil // events of an application whose hello came before this recorder ran
	}
	base := r.logBase(h.AppID, h.AttemptID) + Ext
	l = &appLog{enc: newEncoder(r.maxJobsPerApp()), path: base + InProgress}
	if _, err := os.Stat(base); err == nil {
		return nil, fmt.Errorf("%s exists: the application already ended", base)
	}
	if _, err := os.Stat(l.path); err == nil {
		if err := r.rewrite(l); err != nil {
			return nil, err
		}
	} else {
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, err
		}
		l.start(f)
	}
	r.logs[app] = l
	return l, nil
}

func (l *appLog) start(f *os.File) {
	zw, _ := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20))
	l.f, l.zw, l.closedAt = f, zw, time.Time{}
}

// close ends the zstd frame and closes the file (its name unchanged).
func (l *appLog) close() {
	if l.f == nil {
		return
	}
	_ = l.zw.Close()
	_ = l.f.Close()
	l.f, l.zw, l.dirty, l.closedAt = nil, nil, false, time.Now()
}

// rewrite continues the in-progress log a previous monitor process left (after a crash its last frame may be cut):
// its readable events are written again, through a fresh encoder, to a new file that replaces it.
func (r *Recorder) rewrite(l *appLog) error {
	old, err := os.Open(l.path)
	if err != nil {
		return err
	}
	defer func() { _ = old.Close() }()
	tmp := l.path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	l.start(f)
	in, err := Open(old, 0)
	if err == nil {
		defer func() { _ = in.Close() }()
		var sum Summary
		sum, err = Replay(in, ReplayOptions{Lenient: true}, func(ev event.Event) error {
			r.buf = l.enc.encode(r.buf[:0], ev)
			_, werr := l.zw.Write(r.buf)
			return werr
		})
		var fe *FormatError
		switch {
		case errors.As(err, &fe): // nothing readable (cut before its application start): start afresh
			r.opts.Logger.Warn("history: an in-progress event log had nothing readable; starting it again",
				"file", l.path, "err", err)
			err = nil
		case err == nil && sum.Truncated != nil:
			r.opts.Logger.Info("history: continuing an event log cut by a crash", "file", l.path, "cut", sum.Truncated)
		}
	}
	if err == nil {
		err = l.zw.Flush()
	}
	if err == nil {
		err = os.Rename(tmp, l.path)
	}
	if err != nil {
		l.close()
		_ = os.Remove(tmp)
		return fmt.Errorf("continuing %s: %w", l.path, err)
	}
	return nil
}

// finish closes an ended application's log, gives it its final name and applies the retention.
func (r *Recorder) finish(app string, l *appLog) {
	l.close()
	delete(r.logs, app)
	final := l.path[:len(l.path)-len(InProgress)]
	if err := os.Rename(l.path, final); err != nil {
		r.fail(app, err)
		return
	}
	open := map[string]bool{}
	for _, o := range r.logs {
		open[filepath.Base(o.path)] = true
	}
	if _, err := Sweep(r.opts.Dir, r.opts.Retention(), open, time.Now()); err != nil {
		r.opts.Logger.Warn("history: retention sweep failed", "dir", r.opts.Dir, "err", err)
	}
}

// forgetIdle drops the oldest closed logs beyond maxIdle (a later reconnect of one rewrites its file).
func (r *Recorder) forgetIdle() {
	var idle int
	var oldest string
	for app, l := range r.logs {
		if l.f == nil {
			idle++
			if oldest == "" || l.closedAt.Before(r.logs[oldest].closedAt) {
				oldest = app
			}
		}
	}
	if idle > maxIdle {
		delete(r.logs, oldest)
	}
}

// maxJobsPerApp is Options.MaxJobsPerApp now (0 when unset: the default).
func (r *Recorder) maxJobsPerApp() int {
	if r.opts.MaxJobsPerApp == nil {
		return 0
	}
	return r.opts.MaxJobsPerApp()
}
