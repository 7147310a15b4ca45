package api

import (
	"fmt"
	"log/slog"
	"testing"
	"time"
)

// fakeTimer is the clock and the AfterFunc of planRequests: the test moves the clock and fires the scheduled tick.
type fakeTimer struct {
	now     time.Time
	pending []func()
}

func (f *fakeTimer) afterFunc(d time.Duration, fn func()) {
	if d != PlanRequestInterval {
		panic("unexpected delay " + d.String())
	}
	f.pending = append(f.pending, fn)
}

// fire advances the clock by d and runs the ticks scheduled so far; it reports whether there were any.
func (f *fakeTimer) fire(d time.Duration) bool {
	f.now = f.now.Add(d)
	due := f.pending
	f.pending = nil
	for _, fn := range due {
		fn()
	}
	return len(due) > 0
}

func newFakeRequests() (*planRequests, *fakeController, *fakeTimer) {
	ctl, clock := &fakeController{}, &fakeTimer{now: time.Unix(1_000_000, 0)}
	p := newPlanRequests(ctl, slog.New(slog.DiscardHandler))
	p.now, p.afterFunc = func() time.Time { return clock.now }, clock.afterFunc
	return p, ctl, clock
}

func TestPlanRequestsAtMostOnceASecondWhileViewed(t *testing.T) {
	p, ctl, clock := newFakeRequests()
	want := `app-1 {"type":"sqlPlan","reason":"","executionId":3}`
	p.view("app-1", 3)
	if got := ctl.frames(); len(got) != 1 || got[0] != want {
		t.Fatalf("first view asks at once: %v", got)
	}
	clock.now = clock.now.Add(300 * time.Millisecond)
	p.view("app-1", 3) // polled again within the second: nothing more
	if n := len(ctl.frames()); n != 1 {
		t.Fatalf("two requests within a second: %d", n)
	}
	// The ticks go on asking once a second while the view is fresh (5 s after the last GET), then stop.
	sent := []int{}
	for range 8 {
		if !clock.fire(time.Second) {
			break
		}
		sent = append(sent, len(ctl.frames()))
	}
	// The last GET was at 0.3 s: ticks at 1.3 … 5.3 s ask, the one at 6.3 s finds the view stale.
	if fmt.Sprint(sent) != "[2 3 4 5 6 6]" || len(clock.pending) != 0 {
		t.Errorf("requests after each tick: %v, ticks still pending: %d; want [2 3 4 5 6 6] then no timer", sent,
			len(clock.pending))
	}
	for i := 1; i < len(sent); i++ {
		if sent[i]-sent[i-1] > 1 {
			t.Errorf("more than one request in a tick: %v", sent)
		}
	}
	// Nobody views: nothing is asked, no timer runs.
	if clock.fire(10*time.Second) || len(ctl.frames()) != 6 {
		t.Errorf("requests with nobody viewing: %v", ctl.frames())
	}
}

func TestPlanRequestsAreBoundedAndStopAtTheFinalPlan(t *testing.T) {
	p, ctl, clock := newFakeRequests()
	for i := range MaxViewedPlans + 5 {
		p.view("app-1", int64(i))
	}
	if n := len(ctl.frames()); n != MaxViewedPlans {
		t.Errorf("%d executions asked for at once, want at most %d", n, MaxViewedPlans)
	}
	p.stop("app-1", 0)
	clock.fire(time.Second)
	if n := len(ctl.frames()); n != 2*MaxViewedPlans-1 {
		t.Errorf("after a tick: %d requests, want %d (execution 0 has its final plan)", n, 2*MaxViewedPlans-1)
	}
}
