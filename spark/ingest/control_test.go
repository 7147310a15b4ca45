package ingest

import (
	"errors"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func TestControlFrameReachesTheListenerConnection(t *testing.T) {
	srv, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-c", secret, 1))
	if m := c.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	// The hello is applied after the connection is registered: once the app is known, Send finds it.
	waitApp(t, store, "app-c", "the app", func(a wire.App) bool { return a.State == wire.AppRunning })
	if err := srv.Send("app-c", event.CancelJob(3, "cancelled from the monitor")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Send("app-c", event.CancelCell("cell-1", "r")); err != nil {
		t.Fatal(err)
	}
	if m := c.reply(t); m["type"] != "cancelJob" || m["jobId"] != 3.0 || m["reason"] != "cancelled from the monitor" {
		t.Errorf("first control frame = %v", m)
	}
	if m := c.reply(t); m["type"] != "cancelCell" || m["cellId"] != "cell-1" {
		t.Errorf("second control frame = %v", m)
	}
	// Events still flow on the same connection.
	c.send(t, `{"type":"jobStart","jobId":0,"stages":[]}`)
	waitApp(t, store, "app-c", "job 0", func(a wire.App) bool { return a.NumJobs == 1 })
}

func TestControlToADeadOrUnknownConnectionIsAnError(t *testing.T) {
	srv, store, sock := start(t)
	if err := srv.Send("nobody", event.CancelJob(0, "r")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("unknown app: err = %v", err)
	}
	c := dial(t, sock)
	c.send(t, helloLine("app-d", secret, 1))
	c.reply(t)
	waitApp(t, store, "app-d", "the app", func(a wire.App) bool { return a.State == wire.AppRunning })
	_ = c.conn.Close()
	// The connection is forgotten before the app is marked disconnected.
	waitApp(t, store, "app-d", "disconnected", func(a wire.App) bool { return a.State == wire.AppDisconnected })
	if err := srv.Send("app-d", event.CancelJob(0, "r")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("dead connection: err = %v", err)
	}
}

func TestFullOutboxIsAnErrorAndNeverBlocks(t *testing.T) {
	srv, err := New(Options{Addr: "unix:/unused", Secret: secret, Sink: state.New(state.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	cn := &outbox{frames: make(chan []byte, ControlOutbox), done: make(chan struct{})} // no writer: nothing drains it
	srv.register("app-f", cn)
	for i := range ControlOutbox {
		if err := srv.Send("app-f", event.CancelJob(i, "r")); err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
	}
	if err := srv.Send("app-f", event.CancelJob(99, "r")); !errors.Is(err, ErrOutboxFull) {
		t.Fatalf("full outbox: err = %v", err)
	}
	close(cn.done)
	if err := srv.Send("app-f", event.CancelJob(0, "r")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("closed connection: err = %v", err)
	}
}
