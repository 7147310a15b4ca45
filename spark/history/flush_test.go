package history

import (
	"context"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// An idle recorder schedules no flush, so nothing wakes an idle monitor (P6): the first line written schedules one,
// and after it none is scheduled until the next line.
func TestRecorderFlushTimerRunsOnlyWhileLinesWait(t *testing.T) {
	timers := make(chan chan time.Time, 16)
	r, _ := startRecorder(t, Options{Dir: t.TempDir(), After: func(time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		timers <- c
		return c
	}})
	// scheduled is the flushes scheduled since the last call. A Sync first: the writer has been round its loop,
	// where it schedules, after everything recorded before.
	scheduled := func() []chan time.Time {
		t.Helper()
		if err := r.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		var out []chan time.Time
		for len(timers) > 0 {
			out = append(out, <-timers)
		}
		return out
	}
	if n := len(scheduled()); n != 0 {
		t.Fatalf("idle: %d flushes scheduled, want none", n)
	}
	r.Record("app-1", &event.Hello{Header: event.Header{Type: "hello"}, Protocol: 1, AppID: "app-1", AppName: "demo", Connection: 1})
	due := scheduled()
	if len(due) != 1 {
		t.Fatalf("after the first line: %d flushes scheduled, want 1", len(due))
	}
	due[0] <- time.Now()
	if n := len(scheduled()); n != 0 {
		t.Fatalf("after the flush, with nothing to flush: %d flushes scheduled, want none", n)
	}
	r.Record("app-1", &event.JobStart{JobID: 0})
	if n := len(scheduled()); n != 1 {
		t.Fatalf("after the next line: %d flushes scheduled, want 1", n)
	}
	if s := r.Status(); s.Written != 2 || s.Error != "" {
		t.Fatalf("status %+v, want both lines written", s)
	}
}
