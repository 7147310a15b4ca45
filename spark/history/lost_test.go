package history

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"reflect"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// cutInJob returns a real stream up to the middle of a job (what a driver JVM killed then leaves on the wire).
func cutInJob(t *testing.T) (string, []event.Event) {
	t.Helper()
	app, evs := readRecording(t, "range_sum.jsonl")
	for i, ev := range evs {
		if js, ok := ev.(*event.JobStart); ok && js.JobID == 2 {
			return app, evs[:i+50]
		}
	}
	t.Fatal("no job 2 in range_sum")
	return "", nil
}

// TestDriverLostIsKeptOnDisk: an application whose driver was lost while the monitor ran is, after a restart,
// the same: FINISHED with driverLost, its end time, the running job cancelled; its log has its final name.
func TestDriverLostIsKeptOnDisk(t *testing.T) {
	app, evs := cutInJob(t)
	dir := t.TempDir()
	live := startStore(t)
	rec, stop := startRecorder(t, Options{Dir: dir})
	const lostAt = 1795574090000
	submitAll(t, Tee(live, rec), app, append(evs, &state.Disconnected{},
		&state.DriverLost{Header: event.Header{Type: "driverLost", Time: lostAt}}))
	stop()
	files, _ := List(dir)
	if len(files) != 1 || files[0].InProgress {
		t.Fatalf("files %+v, want one finished log", files)
	}
	want := snapshotApp(t, live, app)
	if !want.DriverLost || want.State != wire.AppFinished || *want.EndTime != lostAt {
		t.Fatalf("live: %+v", header(want))
	}
	restored := startStore(t)
	if n, err := Restore(context.Background(), dir, restored, quiet); n != 1 || err != nil {
		t.Fatalf("Restore: %d %v", n, err)
	}
	got := snapshotApp(t, restored, app)
	if !got.DriverLost || got.State != wire.AppFinished || got.EndTime == nil || *got.EndTime != lostAt {
		t.Errorf("restored: %+v", header(got))
	}
	if !reflect.DeepEqual(got.Jobs, want.Jobs) {
		t.Errorf("restored jobs differ from the live ones")
	}
}

// TestDriverLostWhileTheMonitorWasDown: a monitor killed while an application ran leaves its log in progress; when
// the driver is dead too, the next monitor takes the restored application for lost (DriverLost without a time):
// its log ends, with the log's last write as the end, and the monitor after shows it lost.
func TestDriverLostWhileTheMonitorWasDown(t *testing.T) {
	app, evs := cutInJob(t)
	dir := t.TempDir()
	rec1, stop1 := startRecorder(t, Options{Dir: dir})
	for _, ev := range evs {
		rec1.Record(app, ev)
	}
	stop1()
	files, _ := List(dir)
	if len(files) != 1 || !files[0].InProgress {
		t.Fatalf("after the first monitor: %+v", files)
	}
	lastWrite := files[0].ModTime.UnixMilli()
	second := startStore(t)
	if n, err := Restore(context.Background(), dir, second, quiet); n != 1 || err != nil {
		t.Fatalf("Restore: %d %v", n, err)
	}
	if a := snapshotApp(t, second, app); a.State != wire.AppDisconnected {
		t.Fatalf("restored: %s", a.State)
	}
	rec2, stop2 := startRecorder(t, Options{Dir: dir})
	submitAll(t, Tee(second, rec2), app, []event.Event{&state.DriverLost{Header: event.Header{Type: "driverLost"}}})
	stop2()
	if a := snapshotApp(t, second, app); !a.DriverLost || a.Jobs[2].Status != wire.JobCancelled {
		t.Errorf("second monitor: %+v", header(a))
	}
	files, _ = List(dir)
	if len(files) != 1 || files[0].InProgress {
		t.Fatalf("after the second monitor: %+v, want the log ended", files)
	}
	third := startStore(t)
	if n, err := Restore(context.Background(), dir, third, quiet); n != 1 || err != nil {
		t.Fatalf("Restore: %d %v", n, err)
	}
	a := snapshotApp(t, third, app)
	if !a.DriverLost || a.State != wire.AppFinished || a.EndTime == nil || *a.EndTime != lastWrite ||
		a.Jobs[2].Status != wire.JobCancelled {
		t.Errorf("third monitor: %+v (end %v, want %d)", header(a), a.EndTime, lastWrite)
	}
}
