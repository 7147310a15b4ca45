package api

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// TestHealthIsNotOKWhileTheStateQueueIsFull: a real store whose goroutine is held (in its flush timer's After)
// while its queue fills: api/health answers 503 with ok false and the reason; once the store drains its queue, 200
// and ok again.
func TestHealthIsNotOKWhileTheStateQueueIsFull(t *testing.T) {
	const queue = 4
	held, release := make(chan struct{}), make(chan struct{})
	var once, releaseOnce sync.Once
	after := func(time.Duration) <-chan time.Time {
		once.Do(func() { close(held); <-release }) // the first flush to schedule holds the store's goroutine
		return make(chan time.Time)
	}
	srv, store := serve(t, state.Options{QueueSize: queue, After: after}, Options{})
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) }) // before serve's cleanup stops the store
	health := func() (int, map[string]any, map[string]any) {
		t.Helper()
		code, body := get(t, srv.URL+prefix+"api/health", true)
		d, _ := body["data"].(map[string]any)
		if d == nil {
			t.Fatalf("health: %d %v", code, body)
		}
		return code, body, d
	}
	if code, _, d := health(); code != 200 || d["ok"] != true {
		t.Fatalf("idle: %d %v", code, d)
	}

	submit(t, store, &event.Hello{AppID: "app-1", Protocol: 1})
	<-held
	for i := range queue {
		submit(t, store, &event.JobStart{JobID: i, Stages: []event.StageInfo{{StageID: i, NumTasks: 1}}})
	}
	code, body, d := health()
	msg, _ := body["error"].(string)
	if code != 503 || d["ok"] != false || d["queue"] != float64(queue) || d["queueCap"] != float64(queue) ||
		body["status"] != "error" || body["errorType"] != "unavailable" || !strings.HasPrefix(msg, "the state queue is full (4 events)") {
		t.Fatalf("queue full: %d %v", code, body)
	}

	releaseOnce.Do(func() { close(release) })
	if _, err := store.Snapshot(context.Background()); err != nil { // applied after every event queued before it
		t.Fatal(err)
	}
	if code, _, d := health(); code != 200 || d["ok"] != true || d["queue"] != float64(0) {
		t.Fatalf("drained: %d %v", code, d)
	}
}
