package state

import (
	"context"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// An idle store schedules no flush, so nothing wakes an idle monitor (P6). The first change schedules one flush; the
// changes that follow before it ride on it; after it, no flush is scheduled until the next change.
func TestFlushTimerRunsOnlyWhileAChangeIsPending(t *testing.T) {
	timers := make(chan chan time.Time, 16)
	s := New(Options{After: func(time.Duration) <-chan time.Time {
		c := make(chan time.Time, 1)
		timers <- c
		return c
	}})
	ctx := runStore(t, s)
	// scheduled is how many flushes the store has scheduled since the last call. A Snapshot first: the owner goroutine
	// has been round its loop, where it schedules, after everything before.
	scheduled := func() []chan time.Time {
		t.Helper()
		if _, err := s.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
		var out []chan time.Time
		for len(timers) > 0 {
			out = append(out, <-timers)
		}
		return out
	}
	sub, err := s.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, sub) // the snapshot
	if n := len(scheduled()); n != 0 {
		t.Fatalf("idle, with a subscriber: %d flushes scheduled, want none", n)
	}

	submitAll(t, s, "a", hello("a", 1))
	due := scheduled()
	if len(due) != 1 {
		t.Fatalf("after the first event: %d flushes scheduled, want 1", len(due))
	}
	submitAll(t, s, "a", &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}})
	if n := len(scheduled()); n != 0 {
		t.Fatalf("a second event before the flush scheduled %d more, want none", n)
	}
	due[0] <- time.Now()
	if u := receive(t, sub); u.Type != "delta" || len(u.Jobs) != 1 || u.Jobs[0].JobID != 0 {
		t.Fatalf("the flush sent %+v, want the delta with job 0", u)
	}
	if n := len(scheduled()); n != 0 {
		t.Fatalf("after the flush, with nothing pending: %d flushes scheduled, want none", n)
	}

	if err := s.Reconfigure(context.Background(), Tunables{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(scheduled()); n != 1 {
		t.Fatalf("after a reconfiguration: %d flushes scheduled, want 1", n)
	}
}
