package history

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// recordAs records a real stream under another app (and attempt) id.
func recordAs(rec *Recorder, evs []event.Event, app string, attempt *string) {
	for _, ev := range evs {
		if h, ok := ev.(*event.Hello); ok {
			c := *h
			c.AppID, c.AttemptID = app, attempt
			ev = &c
		}
		rec.Record(app, ev)
	}
}

// TestTwoApplicationsNeverShareAFile: ids that Spark's naming (lower case, ' ' and ':' made '-', '.' made '_', the
// attempt after '_') maps to one name get files of their own, also on a case-insensitive file system (no two names
// differ only in case); each comes back at the next start. A plain id keeps Spark's name.
func TestTwoApplicationsNeverShareAFile(t *testing.T) {
	_, evs := readRecording(t, "failing_task.jsonl")
	one := "1"
	ids := []struct {
		app     string
		attempt *string
	}{{"App-1", nil}, {"app-1", nil}, {"a b", nil}, {"a-b", nil}, {"a:b", nil}, {"x.y", nil}, {"x_y", nil},
		{"a_1", nil}, {"a", &one}, {"local-1700000000000", nil}}
	dir := t.TempDir()
	rec, stop := startRecorder(t, Options{Dir: dir})
	for _, id := range ids {
		recordAs(rec, evs, id.app, id.attempt)
	}
	stop()
	if st := rec.Status(); st.Error != "" {
		t.Fatalf("recorder: %s", st.Error)
	}
	files, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	folded := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f.Path)
		if f.InProgress || folded[lower(name)] {
			t.Errorf("%s: in progress or sharing its name with another file but for case", name)
		}
		folded[lower(name)] = true
	}
	if len(files) != len(ids) {
		t.Errorf("%d files for %d applications", len(files), len(ids))
	}
	if _, err := os.Stat(filepath.Join(dir, "local-1700000000000"+Ext)); err != nil {
		t.Errorf("a plain id does not keep Spark's name: %v", err)
	}
	s := startStore(t)
	if n, err := Restore(context.Background(), dir, s, quiet); n != len(ids) || err != nil {
		t.Fatalf("Restore: %d of %d, %v", n, len(ids), err)
	}
	for _, id := range ids {
		if a := snapshotApp(t, s, id.app); a.NumJobs == 0 {
			t.Errorf("%s: no jobs restored", id.app)
		}
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// TestALogBegunUnderTheOldNameIsContinued: an in-progress log that an earlier monitor wrote under Spark's name (not
// injective) is continued under that name when the application's listener comes back, not doubled.
func TestALogBegunUnderTheOldNameIsContinued(t *testing.T) {
	_, evs := readRecording(t, "shuffle_skip.jsonl")
	const upper = "Local-Upper-1"
	dir := t.TempDir()
	half := len(evs) / 2
	rec1, stop1 := startRecorder(t, Options{Dir: dir})
	recordAs(rec1, evs[:half], upper, nil)
	stop1()
	legacy := filepath.Join(dir, sparkName(upper, nil)+Ext+InProgress)
	if err := os.Rename(filepath.Join(dir, BaseName(upper, nil)+Ext+InProgress), legacy); err != nil {
		t.Fatal(err)
	}
	rec2, stop2 := startRecorder(t, Options{Dir: dir})
	hello := *evs[0].(*event.Hello)
	hello.Connection = 2
	recordAs(rec2, append([]event.Event{&hello}, evs[half:]...), upper, nil)
	stop2()
	files, _ := List(dir)
	if len(files) != 1 || filepath.Base(files[0].Path) != sparkName(upper, nil)+Ext {
		t.Fatalf("files %+v, want the old name finished", files)
	}
	live := startStore(t)
	recordAsSubmit(t, live, evs, upper)
	restored := startStore(t)
	if n, err := Restore(context.Background(), dir, restored, quiet); n != 1 || err != nil {
		t.Fatalf("Restore: %d %v", n, err)
	}
	if g, w := snapshotApp(t, restored, upper), snapshotApp(t, live, upper); g.NumCompletedJobs != w.NumCompletedJobs ||
		len(g.Jobs) != len(w.Jobs) || g.Jobs[len(g.Jobs)-1].NumCompletedTasks != w.Jobs[len(w.Jobs)-1].NumCompletedTasks {
		t.Errorf("restored %+v, live %+v", header(g), header(w))
	}
}

func recordAsSubmit(t *testing.T, sink Sink, evs []event.Event, app string) {
	t.Helper()
	for _, ev := range evs {
		if h, ok := ev.(*event.Hello); ok {
			c := *h
			c.AppID = app
			ev = &c
		}
		if err := sink.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
}
