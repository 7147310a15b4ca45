package history

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"path/filepath"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// lostTail is how many of the frames the first monitor received never reach its file: the killed process had not
// flushed them (the recorder flushes once a second).
const lostTail = 40

// TestKilledMonitorsLogEndsWithSparksCounts replays monitor_restart.jsonl, a real stream of a 1 000-task job during
// which the monitor's connection was dropped after 300 task ends: the listener reconnected (hello, resync) and the job
// finished. The first monitor wrote the stream up to the drop but for its last frames; the second, started with the
// first's log, got the reconnect and the rest; a third start restores the application with the jobs and stages of
// Spark's REST API, read before the session stopped (monitor_restart.rest.json).
func TestKilledMonitorsLogEndsWithSparksCounts(t *testing.T) {
	app, evs := readRecording(t, "monitor_restart.jsonl")
	rest := readREST(t, filepath.Join(recordings, "monitor_restart.rest.json"))
	again := -1
	for i, ev := range evs {
		if h, ok := ev.(*event.Hello); ok && h.Connection == 2 {
			again = i
		}
	}
	if again < lostTail {
		t.Fatal("the recording has no reconnect")
	}
	if _, ok := evs[again+1].(*event.Resync); !ok {
		t.Fatalf("frame after the second hello: %s, want resync", event.TypeOf(evs[again+1]))
	}
	dir := t.TempDir()
	rec1, stop1 := startRecorder(t, Options{Dir: dir})
	for _, ev := range evs[:again-lostTail] {
		rec1.Record(app, ev)
	}
	stop1()

	second := startStore(t)
	if n, err := Restore(context.Background(), dir, second, quiet); n != 1 || err != nil {
		t.Fatalf("second monitor's Restore: %d %v", n, err)
	}
	rec2, stop2 := startRecorder(t, Options{Dir: dir})
	submitAll(t, Tee(second, rec2), app, evs[again:])
	stop2()
	sameAsSpark(t, snapshotApp(t, second, app), rest) // the live view

	third := startStore(t)
	if n, err := Restore(context.Background(), dir, third, quiet); n != 1 || err != nil {
		t.Fatalf("third monitor's Restore: %d %v", n, err)
	}
	a := snapshotApp(t, third, app)
	if a.State != wire.AppFinished || a.Source != wire.SourceHistory || a.DriverLost {
		t.Errorf("restored: %+v", header(a))
	}
	sameAsSpark(t, a, rest)
}
