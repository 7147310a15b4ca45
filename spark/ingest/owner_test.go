package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"net"
	"os"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// The tests of connection ownership and of the driver-lost rule run the server's serve on in-memory connections in a
// synctest bubble: synctest.Wait returns once every frame sent is applied and every closed connection released, and
// time.Sleep moves the bubble's fake clock (the 30 s grace period passes at once, and exactly).

// recordedLines is a real listener stream (spark/event/testdata), its hello carrying the test's secret.
func recordedLines(t *testing.T, name string) (app string, lines [][]byte) {
	t.Helper()
	raw, err := os.ReadFile("../event/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		lines = append(lines, bytes.Replace(l, []byte(`"secret":"REDACTED"`), []byte(`"secret":"`+secret+`"`), 1))
	}
	var h event.Hello
	if err := json.Unmarshal(lines[0], &h); err != nil {
		t.Fatal(err)
	}
	return h.AppID, lines
}

// jobStartIndex is the index of the line of the job's start.
func jobStartIndex(t *testing.T, lines [][]byte, job int) int {
	t.Helper()
	for i, l := range lines {
		ev, err := event.Decode(l)
		if js, ok := ev.(*event.JobStart); err == nil && ok && js.JobID == job {
			return i
		}
	}
	t.Fatalf("no start of job %d", job)
	return 0
}

type bubble struct {
	t     *testing.T
	ctx   context.Context
	srv   *Server
	store *state.Store
	lost  *lostCounter
}

// lostCounter passes events to the store and counts the DriverLost ones (the history records each: one too many
// would end a running application's log).
type lostCounter struct {
	Sink
	mu sync.Mutex
	n  int
}

func (l *lostCounter) Submit(ctx context.Context, app string, ev event.Event) error {
	if _, ok := ev.(*state.DriverLost); ok {
		l.mu.Lock()
		l.n++
		l.mu.Unlock()
	}
	return l.Sink.Submit(ctx, app, ev)
}

func (l *lostCounter) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n
}

func newBubble(t *testing.T) *bubble {
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	store := state.New(state.Options{})
	go func() { _ = store.Run(ctx) }()
	lost := &lostCounter{Sink: store}
	srv, err := New(Options{Addr: "unix:/unused", Secret: secret, Sink: lost})
	if err != nil {
		t.Fatal(err)
	}
	return &bubble{t: t, ctx: ctx, srv: srv, store: store, lost: lost}
}

// connect opens a listener connection that says hello with the given connection number, and returns it once
// welcomed; control frames sent to it arrive on the returned channel.
func (b *bubble) connect(hello []byte, n int) (net.Conn, <-chan map[string]any) {
	b.t.Helper()
	var h map[string]any
	if err := json.Unmarshal(hello, &h); err != nil {
		b.t.Fatal(err)
	}
	h["connection"] = n
	line, _ := json.Marshal(h)
	listener, monitor := net.Pipe()
	b.t.Cleanup(func() { _ = listener.Close() })
	go func() { b.srv.serve(b.ctx, monitor); _ = monitor.Close() }()
	control := make(chan map[string]any, ControlOutbox)
	welcomed := make(chan error, 1)
	go func() {
		r := bufio.NewReader(listener)
		for first := true; ; first = false {
			l, err := r.ReadBytes('\n')
			if err != nil {
				if first {
					welcomed <- err
				}
				close(control)
				return
			}
			var m map[string]any
			_ = json.Unmarshal(l, &m)
			if first {
				welcomed <- nil
				continue
			}
			control <- m
		}
	}()
	if _, err := listener.Write(append(line, '\n')); err != nil {
		b.t.Fatal(err)
	}
	if err := <-welcomed; err != nil {
		b.t.Fatal(err)
	}
	synctest.Wait()
	return listener, control
}

func (b *bubble) send(c net.Conn, lines [][]byte) {
	b.t.Helper()
	for _, l := range lines {
		if _, err := c.Write(append(l, '\n')); err != nil {
			b.t.Fatal(err)
		}
	}
	synctest.Wait()
}

func (b *bubble) app(id string) wire.App {
	b.t.Helper()
	apps, err := b.store.Snapshot(b.ctx)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, a := range apps {
		if a.AppID == id {
			return a
		}
	}
	b.t.Fatalf("no app %s", id)
	return wire.App{}
}

// TestNewestConnectionOwnsTheApp: a listener that reconnected while its old connection was still open (a streaming
// app's listener after a network hiccup): the old connection's close leaves the application RUNNING and cancel
// reaches the new connection; the new connection's close marks it DISCONNECTED.
func TestNewestConnectionOwnsTheApp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t)
		app, lines := recordedLines(t, "range_sum.jsonl")
		mid := jobStartIndex(t, lines, 2) + 1
		old, oldControl := b.connect(lines[0], 1)
		b.send(old, lines[1:mid])
		cur, curControl := b.connect(lines[0], 2)
		_ = old.Close()
		synctest.Wait()
		if a := b.app(app); a.State != wire.AppRunning || a.NumJobs != 3 {
			t.Fatalf("after the old connection closed: state %s, %d jobs; want RUNNING, 3", a.State, a.NumJobs)
		}
		if err := b.srv.Send(app, event.CancelJob(2, "cancelled from the monitor")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if m := <-curControl; m["type"] != "cancelJob" || m["jobId"] != 2.0 {
			t.Errorf("the new connection got %v", m)
		}
		if m, open := <-oldControl; open {
			t.Errorf("the old connection got %v", m)
		}
		b.send(cur, lines[mid:mid+10])
		_ = cur.Close()
		synctest.Wait()
		if a := b.app(app); a.State != wire.AppDisconnected {
			t.Errorf("after the owner closed: state %s, want DISCONNECTED", a.State)
		}
	})
}

// cutStream sends a real stream up to the middle of job 2 on one connection and closes it (a killed driver JVM);
// mid is the index of the first line not sent.
func (b *bubble) cutStream() (app string, lines [][]byte, mid int) {
	app, lines = recordedLines(b.t, "range_sum.jsonl")
	mid = jobStartIndex(b.t, lines, 2) + 50
	c, _ := b.connect(lines[0], 1)
	b.send(c, lines[1:mid])
	_ = c.Close()
	return app, lines, mid
}

// TestDriverLostAfterTheGracePeriod: a real stream cut in the middle of a job, as a killed driver JVM leaves it:
// DISCONNECTED at the close, still so 1 s before the grace period ends, then FINISHED with driverLost and the running
// job cancelled "because its driver was lost".
func TestDriverLostAfterTheGracePeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t)
		app, _, _ := b.cutStream()
		closed := time.Now() // the bubble's clock stands still until a sleep
		synctest.Wait()
		time.Sleep(DefaultDriverLostAfter - time.Second)
		synctest.Wait()
		if a := b.app(app); a.State != wire.AppDisconnected || a.DriverLost {
			t.Fatalf("before the grace period ended: state %s, driverLost %v", a.State, a.DriverLost)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		a := b.app(app)
		if a.State != wire.AppFinished || !a.DriverLost || a.EndTime == nil || *a.EndTime != closed.UnixMilli() {
			t.Fatalf("after the grace period: state %s, driverLost %v, end %v (closed at %d)", a.State, a.DriverLost,
				a.EndTime, closed.UnixMilli())
		}
		if n := b.lost.count(); n != 1 {
			t.Errorf("%d DriverLost submitted, want 1", n)
		}
		if j := a.Jobs[2]; j.Status != wire.JobCancelled || j.Error == nil || *j.Error != "Job 2 cancelled "+state.DriverLostReason {
			t.Errorf("job 2: %s %v", j.Status, j.Error)
		}
		if j := a.Jobs[1]; j.Status != wire.JobSucceeded {
			t.Errorf("job 1 (ended before): %s", j.Status)
		}
	})
}

// TestNoDriverLostWhenTheListenerComesBackOrTheAppEnded: a listener back within the grace period keeps the
// application RUNNING long after; an application that ended (its stream has the application end) is never lost.
func TestNoDriverLostWhenTheListenerComesBackOrTheAppEnded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t)
		app, lines, mid := b.cutStream()
		synctest.Wait()
		time.Sleep(DefaultDriverLostAfter / 2)
		c2, _ := b.connect(lines[0], 2)
		b.send(c2, lines[mid:])
		time.Sleep(10 * DefaultDriverLostAfter)
		synctest.Wait()
		if a := b.app(app); a.State != wire.AppFinished || a.DriverLost || b.lost.count() != 0 {
			t.Errorf("reconnected, then ended: state %s, driverLost %v, %d DriverLost submitted", a.State, a.DriverLost,
				b.lost.count())
		}
		_ = c2.Close()
		time.Sleep(10 * DefaultDriverLostAfter)
		synctest.Wait()
		if a := b.app(app); a.DriverLost || b.lost.count() != 0 {
			t.Errorf("an ended application was taken for lost (%d DriverLost submitted)", b.lost.count())
		}
	})
}
