package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Sink receives replayed events; *state.Store implements it.
type Sink interface {
	Submit(ctx context.Context, appID string, ev event.Event) error
}

// ErrAppExists is returned by Import for an application the monitor already has.
var ErrAppExists = errors.New("application already listed")

// replayInto replays one log into sink as an application of the given source, bracketed by state.Restored.
func replayInto(ctx context.Context, r io.Reader, lenient bool, source string, sink Sink) (Summary, error) {
	var app string
	sum, err := Replay(r, ReplayOptions{Lenient: lenient}, func(ev event.Event) error {
		if h, ok := ev.(*event.Hello); ok && app == "" {
			app = h.AppID
			if err := sink.Submit(ctx, app, &state.Restored{Source: source}); err != nil {
				return err
			}
		}
		return sink.Submit(ctx, app, ev)
	})
	if app != "" {
		if derr := sink.Submit(ctx, app, &state.Restored{Source: source, Done: true}); err == nil {
			err = derr
		}
	}
	return sum, err
}

// Restore replays the event logs of dir into sink as past applications (source "history"), oldest first, so they
// are listed with their jobs after a restart. Logs cut by a crash are replayed as far as they can be read. A log
// that cannot be read, or names an application already restored, is skipped with a warning. It returns how many
// applications it restored; an error only when ctx ends or the sink stops.
func Restore(ctx context.Context, dir string, sink Sink, log *slog.Logger) (int, error) {
	files, err := List(dir)
	if err != nil {
		log.Warn("history: cannot list the history folder; no past application restored", "dir", dir, "err", err)
		return 0, nil
	}
	seen := map[string]bool{}
	n := 0
	for _, lf := range files {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		sum, err := restoreFile(ctx, lf.Path, sink, seen)
		switch {
		case ctx.Err() != nil:
			return n, ctx.Err()
		case err != nil:
			log.Warn("history: skipping an event log that cannot be read", "file", lf.Path, "err", err)
		default:
			n++
			if sum.Truncated != nil {
				log.Info("history: restored an event log cut short", "file", lf.Path, "app", sum.AppID, "cut", sum.Truncated)
			}
		}
	}
	return n, nil
}

func restoreFile(ctx context.Context, path string, sink Sink, seen map[string]bool) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer func() { _ = f.Close() }()
	// The application's id is known only once read: check it first (cheaply, through the header) to skip duplicates.
	in, err := Open(f, 0)
	if err != nil {
		return Summary{}, err
	}
	id, err := appIDOf(in)
	_ = in.Close()
	if err != nil {
		return Summary{}, err
	}
	if seen[id] {
		return Summary{}, fmt.Errorf("%w: %s is in another event log too", ErrAppExists, id)
	}
	seen[id] = true
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Summary{}, err
	}
	if in, err = Open(f, 0); err != nil {
		return Summary{}, err
	}
	defer func() { _ = in.Close() }()
	return replayInto(ctx, in, true, wire.SourceHistory, sink)
}

// errFound stops a replay once the application's id is known.
var errFound = errors.New("found")

func appIDOf(r io.Reader) (string, error) {
	var id string
	_, err := Replay(r, ReplayOptions{Lenient: true}, func(ev event.Event) error {
		if h, ok := ev.(*event.Hello); ok {
			id = h.AppID
		}
		return errFound
	})
	if id != "" {
		return id, nil
	}
	if err == nil || errors.Is(err, errFound) {
		err = errors.New("no application in the log")
	}
	return "", err
}

// ImportOptions bound an uploaded event log.
type ImportOptions struct {
	// MaxBytes bounds the file as uploaded (compressed or not); MaxUncompressed its content.
	MaxBytes, MaxUncompressed int64
	// Exists reports whether the monitor already lists an application.
	Exists func(appID string) bool
}

// Import reads an event log from r (a file uploaded in the dashboard: plain or zstd-compressed), checks all of it,
// keeps it in dir under Spark's name for it (so it is restored after a restart, kept by the retention like the
// monitor's own, and opens in Spark's History Server) and replays it into sink as an application of source
// "upload". Errors: *FormatError (with the line), ErrTooLarge, ErrAppExists, or an I/O error.
func Import(ctx context.Context, dir string, r io.Reader, opts ImportOptions, sink Sink) (Summary, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Summary{}, err
	}
	tmp, err := os.CreateTemp(dir, "upload-*"+tmpSuffix)
	if err != nil {
		return Summary{}, err
	}
	defer func() {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name()) // after the rename, nothing
	}()
	n, err := io.Copy(tmp, io.LimitReader(r, opts.MaxBytes+1))
	if err != nil {
		return Summary{}, fmt.Errorf("reading the upload: %w", err)
	}
	if n > opts.MaxBytes {
		return Summary{}, fmt.Errorf("%w: more than %d MiB", ErrTooLarge, opts.MaxBytes>>20)
	}
	if n == 0 {
		return Summary{}, &FormatError{Err: errors.New("the file is empty")}
	}
	check := func() (Summary, error) {
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return Summary{}, err
		}
		in, err := Open(tmp, opts.MaxUncompressed)
		if err != nil {
			return Summary{}, err
		}
		defer func() { _ = in.Close() }()
		return Replay(in, ReplayOptions{}, func(event.Event) error { return nil })
	}
	sum, err := check()
	if err != nil {
		return sum, err
	}
	if opts.Exists != nil && opts.Exists(sum.AppID) {
		return sum, fmt.Errorf("%w: %s", ErrAppExists, sum.AppID)
	}
	head := make([]byte, 4)
	_, _ = tmp.ReadAt(head, 0)
	name := BaseName(sum.AppID, sum.AttemptID)
	if bytes.Equal(head, zstdMagic) {
		name += Ext
	}
	for _, p := range []string{name, name + InProgress} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			return sum, fmt.Errorf("%w: %s is in the history folder already (%s)", ErrAppExists, sum.AppID, p)
		}
	}
	if !sum.Ended {
		name += InProgress
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return sum, err
	}
	now := time.Now()
	_ = os.Chtimes(filepath.Join(dir, name), now, now)
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return sum, err
	}
	in, err := Open(tmp, opts.MaxUncompressed)
	if err != nil {
		return sum, err
	}
	defer func() { _ = in.Close() }()
	return replayInto(ctx, in, false, wire.SourceUpload, sink)
}

// Tee returns a Sink that submits to sink and then offers each submitted event to rec (never waiting on it): the
// live path with its history.
func Tee(sink Sink, rec *Recorder) Sink { return tee{sink, rec} }

type tee struct {
	sink Sink
	rec  *Recorder
}

func (t tee) Submit(ctx context.Context, appID string, ev event.Event) error {
	if err := t.sink.Submit(ctx, appID, ev); err != nil {
		return err
	}
	t.rec.Record(appID, ev)
	return nil
}
