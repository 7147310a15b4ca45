// Package state is the live model of the Spark applications reporting to this monitor. One goroutine (Run) owns it;
// writers enqueue into a bounded channel, readers get copies, subscribers get a snapshot then coalesced deltas.
package state

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Defaults of Options.
const (
	DefaultQueueSize     = 4096
	DefaultMaxJobsPerApp = 1000
	DefaultMaxApps       = 50
	DefaultFlushInterval = 100 * time.Millisecond
	// subscriberBuffer is how many updates a subscriber may lag before it is dropped.
	subscriberBuffer = 64
)

// ErrStopped is returned by calls made after Run returned.
var ErrStopped = errors.New("state store stopped")

// Options configure a Store; zero values take the defaults.
type Options struct {
	QueueSize     int
	MaxJobsPerApp int
	// MaxApps bounds the applications held, live and past (retention.go: admit).
	MaxApps       int
	FlushInterval time.Duration
	// Tick, when set, replaces the flush timer (tests drive flushes themselves).
	Tick <-chan time.Time
	// After, when set, replaces time.After for the flush timer (tests see when a flush is scheduled).
	After func(time.Duration) <-chan time.Time
	// ReadOnly turns cancelling off for every application (--read-only).
	ReadOnly bool
	Logger   *slog.Logger
}

type input struct {
	appID string
	ev    event.Event
}

type subscription struct {
	ch chan wire.Update
}

// Store owns the live state. All methods are safe for concurrent use; they only talk to the Run goroutine.
type Store struct {
	opts     Options
	in       chan input
	snaps    chan chan []wire.App
	calls    chan func() // reads run by the owner goroutine (timeline.go)
	subs     chan *subscription
	unsubs   chan *subscription
	done     chan struct{}
	dropped  atomic.Int64                      // subscribers dropped for being slow
	uis      atomic.Pointer[map[string]string] // running applications' UI URLs by app id (lookup.go)
	apps     map[string]*liveApp
	appOrder []string
	active   map[*subscription]bool
	applied  int64 // events applied (counts.go); owner goroutine only
	// evictedApps and refusedAppEvents count what the bound on applications cost (retention.go); owner goroutine only.
	evictedApps, refusedAppEvents int64
	pending                       bool // something may have changed since the last flush; owner goroutine only
	runs                          cellRuns
}

// New returns a Store; call Run to start it.
func New(opts Options) *Store {
	if opts.QueueSize <= 0 {
		opts.QueueSize = DefaultQueueSize
	}
	if opts.MaxJobsPerApp <= 0 {
		opts.MaxJobsPerApp = DefaultMaxJobsPerApp
	}
	if opts.MaxApps <= 0 {
		opts.MaxApps = DefaultMaxApps
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.After == nil {
		opts.After = time.After
	}
	return &Store{
		opts:   opts,
		in:     make(chan input, opts.QueueSize),
		snaps:  make(chan chan []wire.App),
		calls:  make(chan func()),
		subs:   make(chan *subscription),
		unsubs: make(chan *subscription),
		done:   make(chan struct{}),
		apps:   map[string]*liveApp{},
		active: map[*subscription]bool{},
	}
}

// Run owns the state until ctx ends; then every subscription channel is closed.
//
// Changes reach subscribers in one delta per FlushInterval at most. The flush timer runs only while a change is
// pending: it starts at the first event after a flush, so an idle monitor (no Spark application running) has no timer
// to wake it (P6).
func (s *Store) Run(ctx context.Context) error {
	defer close(s.done)
	var flushDue <-chan time.Time // nil while nothing is pending
	for {
		if s.pending && flushDue == nil && s.opts.Tick == nil {
			flushDue = s.opts.After(s.opts.FlushInterval)
		}
		select {
		case <-ctx.Done():
			for sub := range s.active {
				close(sub.ch)
			}
			return nil
		case in := <-s.in:
			s.apply(in)
		case <-flushDue:
			flushDue = nil
			s.drain()
			s.flush()
		case <-s.opts.Tick:
			s.drain()
			s.flush()
		case reply := <-s.snaps:
			s.drain()
			reply <- s.snapshot()
		case f := <-s.calls:
			s.drain()
			f()
		case sub := <-s.subs:
			s.drain()
			sub.ch <- wire.Update{Type: wire.UpdateSnapshot, Apps: s.snapshot()}
			s.active[sub] = true
		case sub := <-s.unsubs:
			if s.active[sub] {
				delete(s.active, sub)
				close(sub.ch)
			}
		}
	}
}

// Submit enqueues an event of the application appID. It waits while the queue is full (back-pressure on the
// listener's socket; the listener's own bounded queue absorbs it) until ctx ends.
//
// It first cuts the event's free text to event's bounds (event.Bound), so that every path (live listeners, history
// replay, uploaded event logs) keeps at most that much, and a caller that goes on using ev (history.Tee's recorder)
// sees it cut too.
func (s *Store) Submit(ctx context.Context, appID string, ev event.Event) error {
	event.Bound(ev)
	appID = event.Clip(appID, event.MaxShort)
	select {
	case s.in <- input{appID, ev}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrStopped
	}
}

// QueueLen reports how many events wait to be applied, and the queue's capacity.
func (s *Store) QueueLen() (int, int) { return len(s.in), cap(s.in) }

// DroppedSubscribers counts subscribers disconnected for not keeping up.
func (s *Store) DroppedSubscribers() int64 { return s.dropped.Load() }

// Snapshot returns a copy of every application with its jobs, in order of first appearance. It reflects every
// Submit that returned before the call.
func (s *Store) Snapshot(ctx context.Context) ([]wire.App, error) {
	reply := make(chan []wire.App, 1)
	select {
	case s.snaps <- reply:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrStopped
	}
	return <-reply, nil
}

// Subscribe returns a channel that first carries a snapshot, then deltas. The channel is closed when ctx ends, when
// the store stops, or when the subscriber falls behind (then it should subscribe again for a fresh snapshot).
func (s *Store) Subscribe(ctx context.Context) (<-chan wire.Update, error) {
	sub := &subscription{ch: make(chan wire.Update, subscriberBuffer)}
	select {
	case s.subs <- sub:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, ErrStopped
	}
	go func() {
		<-ctx.Done()
		select {
		case s.unsubs <- sub:
		case <-s.done:
		}
	}()
	return sub.ch, nil
}

// drain applies the events queued so far, so that a snapshot or flush reflects every Submit that returned before it
// was asked for. It takes only what is queued now, so a busy queue cannot starve readers.
func (s *Store) drain() {
	for n := len(s.in); n > 0; n-- {
		s.apply(<-s.in)
	}
}

func (s *Store) apply(in input) {
	s.applied++
	s.pending = true
	a, ok := s.apps[in.appID]
	if !ok {
		if _, isDisconnect := in.ev.(*Disconnected); isDisconnect || !s.admit(in) {
			return
		}
		a = newLiveApp(in.appID)
		a.readOnly, a.log = s.opts.ReadOnly, s.opts.Logger
		s.apps[in.appID] = a
		s.appOrder = append(s.appOrder, in.appID)
	}
	ui := a.runningUI()
	a.apply(in.ev)
	s.placeJobs(a, in.ev)
	if a.runningUI() != ui {
		s.publishUIs()
	}
	if h, ok := in.ev.(*event.Hello); ok && !a.replaying {
		s.supersede(a, h)
	}
	a.bound(s.opts.MaxJobsPerApp)
}

// supersede ends the running jobs of the applications of the same kernel whose listener went away without an
// application end: a kernel runs one Spark driver at a time, so once a new application of that kernel says hello
// (after a kernel restart, say) the old driver is gone and its jobs with it.
func (s *Store) supersede(a *liveApp, h *event.Hello) {
	if h.KernelID == "" {
		return
	}
	for _, id := range s.appOrder {
		old := s.apps[id]
		if old != a && old.info.KernelID == h.KernelID && old.info.State == wire.AppDisconnected {
			old.endRunningJobs(h.StartTime, "because its driver stopped (the kernel started application "+h.AppID+")")
			old.dirty = true
		}
	}
}

func (s *Store) snapshot() []wire.App {
	out := make([]wire.App, 0, len(s.appOrder))
	for _, id := range s.appOrder {
		a := s.apps[id]
		app := a.header()
		app.Jobs = make([]wire.Job, 0, len(a.order))
		for _, jid := range a.order {
			app.Jobs = append(app.Jobs, a.job(a.jobs[jid]))
		}
		app.SQLExecutions = a.sqlSnapshot()
		app.StreamingQueries = a.streamSnapshot()
		out = append(out, app)
	}
	return out
}

// flush sends what changed since the last flush to every subscriber, dropping those whose buffer is full.
func (s *Store) flush() {
	var u wire.Update
	for _, id := range s.appOrder {
		a := s.apps[id]
		if !a.dirty && len(a.dirtyJobs) == 0 && len(a.sql.dirty) == 0 && len(a.streams.dirty) == 0 {
			continue
		}
		u.Apps = append(u.Apps, a.header())
		jobIDs := make([]int, 0, len(a.dirtyJobs))
		for jid := range a.dirtyJobs {
			jobIDs = append(jobIDs, jid)
		}
		slices.Sort(jobIDs)
		for _, jid := range jobIDs {
			if j := a.jobs[jid]; j != nil {
				u.Jobs = append(u.Jobs, a.job(j))
			}
		}
		u.SQLExecutions = append(u.SQLExecutions, a.sqlChanges()...)
		u.StreamingQueries = append(u.StreamingQueries, a.streamChanges()...)
		a.dirty, a.dirtyJobs = false, map[int]bool{}
	}
	s.pending = false
	if len(u.Apps) == 0 {
		return
	}
	u.Type = wire.UpdateDelta
	for sub := range s.active {
		select {
		case sub.ch <- u:
		default:
			delete(s.active, sub)
			close(sub.ch)
			s.dropped.Add(1)
			s.opts.Logger.Warn("dropped a slow subscriber; it will get a fresh snapshot when it reconnects")
		}
	}
}

// Tunables are the Options a running Store can change (the monitor's config file, reloaded).
type Tunables struct {
	ReadOnly bool
	// MaxJobsPerApp and MaxApps ≤ 0 leave their limit unchanged.
	MaxJobsPerApp, MaxApps int
}

// Reconfigure applies t on the owner goroutine and returns once it is applied. A change of ReadOnly flips
// cancelEnabled of every application, and the next delta carries their headers to subscribers; a lower
// MaxJobsPerApp evicts the oldest jobs, finished first (and stages and SQL queries), at once, a lower MaxApps the
// ended applications listed first; a higher one keeps more from now on.
func (s *Store) Reconfigure(ctx context.Context, t Tunables) error {
	return s.do(ctx, func() {
		s.pending = true
		if t.ReadOnly != s.opts.ReadOnly {
			s.opts.ReadOnly = t.ReadOnly
			for _, a := range s.apps {
				a.readOnly, a.dirty = t.ReadOnly, true
			}
		}
		if t.MaxJobsPerApp > 0 && t.MaxJobsPerApp != s.opts.MaxJobsPerApp {
			s.opts.MaxJobsPerApp = t.MaxJobsPerApp
			for _, a := range s.apps {
				a.bound(t.MaxJobsPerApp)
			}
		}
		if t.MaxApps > 0 && t.MaxApps != s.opts.MaxApps {
			s.opts.MaxApps = t.MaxApps
			s.evictApps(len(s.apps) - t.MaxApps)
		}
	})
}
