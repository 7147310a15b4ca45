package ingest

import (
	"bufio"
	"context"
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

const secret = "s3cret"

// start runs a store and an ingest server on a unix socket in a temp dir.
func start(t testing.TB) (*Server, *state.Store, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	store := state.New(state.Options{})
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil { // socket.Listen serves only in a folder closed to others
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "ingest.sock")
	srv, err := New(Options{Addr: "unix:" + sock, Secret: secret, Sink: store})
	if err != nil {
		t.Fatal(err)
	}
	storeDone, srvDone := make(chan error, 1), make(chan error, 1)
	go func() { storeDone <- store.Run(ctx) }()
	go func() { srvDone <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-srvDone:
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-srvDone; err != nil {
			t.Error(err)
		}
		if err := <-storeDone; err != nil {
			t.Error(err)
		}
	})
	return srv, store, sock
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, sock string) *client {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{conn: c, r: bufio.NewReader(c)}
}

func (c *client) send(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := c.conn.Write([]byte(l + "\n")); err != nil {
			t.Fatal(err)
		}
	}
}

func (c *client) reply(t *testing.T) map[string]any {
	t.Helper()
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		t.Fatal("reading the monitor's reply:", err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func helloLine(app, sec string, conn int) string {
	return `{"type":"hello","protocol":1,"secret":"` + sec + `","appId":"` + app + `","appName":"n","connection":` + string(rune('0'+conn)) + `}`
}

// waitApp polls the store's snapshot until cond holds for app, with a deadline.
func waitApp(t *testing.T, store *state.Store, app string, what string, cond func(wire.App) bool) wire.App {
	t.Helper()
	return waitAppWithin(t, store, app, what, 5*time.Second, cond)
}

// waitAppWithin is waitApp with the deadline d.
func waitAppWithin(t *testing.T, store *state.Store, app, what string, d time.Duration, cond func(wire.App) bool) wire.App {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		apps, err := store.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range apps {
			if a.AppID == app && cond(a) {
				return a
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
	return wire.App{}
}

func TestWrongSecretIsRefusedWithAReason(t *testing.T) {
	srv, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-x", "wrong", 1))
	if m := c.reply(t); m["type"] != "error" || !strings.Contains(m["error"].(string), "wrong secret") {
		t.Fatalf("reply = %v", m)
	}
	if _, err := c.r.ReadByte(); err == nil {
		t.Fatal("the connection should be closed after the error frame")
	}
	if apps, _ := store.Snapshot(context.Background()); len(apps) != 0 || srv.Rejected() != 1 {
		t.Fatalf("a refused listener must not create an app: %+v, rejected=%d", apps, srv.Rejected())
	}
}

func TestFirstFrameMustBeHello(t *testing.T) {
	_, _, sock := start(t)
	c := dial(t, sock)
	c.send(t, `{"type":"jobStart","jobId":1}`)
	if m := c.reply(t); m["type"] != "error" || !strings.Contains(m["error"].(string), "first frame must be hello") {
		t.Fatalf("reply = %v", m)
	}
}

func TestMalformedFramesAreSkippedAndCounted(t *testing.T) {
	srv, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-1", secret, 1))
	if m := c.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	c.send(t, `{"type":"jobStart","jobId":0,"stages":[]}`, `{broken`, `{"type":"jobEnd"}`, `{"type":"futureThing"}`,
		`{"type":"jobStart","jobId":1,"stages":[]}`)
	waitApp(t, store, "app-1", "both valid jobs", func(a wire.App) bool { return a.NumJobs == 2 })
	if srv.Malformed() != 2 {
		t.Errorf("malformed = %d, want 2 (the unknown frame type is not malformed)", srv.Malformed())
	}
}

func TestOversizedFrameClosesTheConnection(t *testing.T) {
	_, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-big", secret, 1))
	c.reply(t)
	c.send(t, `{"type":"x","pad":"`+strings.Repeat("a", event.MaxFrameBytes)+`"}`)
	if _, err := c.r.ReadByte(); err == nil {
		t.Fatal("connection still open after an oversized frame")
	}
	waitApp(t, store, "app-big", "the app to be marked disconnected", func(a wire.App) bool { return a.State == wire.AppDisconnected })
}

func TestReconnectRevivesADisconnectedApp(t *testing.T) {
	_, store, sock := start(t)
	c := dial(t, sock)
	c.send(t, helloLine("app-r", secret, 1))
	c.reply(t)
	c.send(t, `{"type":"jobStart","jobId":0,"stages":[{"stageId":0,"attemptId":0,"numTasks":4}]}`)
	waitApp(t, store, "app-r", "job 0", func(a wire.App) bool { return a.NumJobs == 1 })
	_ = c.conn.Close()
	waitApp(t, store, "app-r", "disconnected", func(a wire.App) bool { return a.State == wire.AppDisconnected })

	c2 := dial(t, sock)
	c2.send(t, helloLine("app-r", secret, 2))
	if m := c2.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	c2.send(t, `{"type":"jobEnd","jobId":0,"result":"SUCCEEDED","time":5}`)
	a := waitApp(t, store, "app-r", "running again with job 0 done", func(a wire.App) bool {
		return a.State == wire.AppRunning && a.NumCompletedJobs == 1
	})
	if a.NumJobs != 1 {
		t.Errorf("jobs = %d", a.NumJobs)
	}
}
