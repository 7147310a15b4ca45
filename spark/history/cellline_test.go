package history

import (
	"bytes"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// A job's cell line (event.JobStart.CellLine) is written to the history file as the job property the kernel hook
// sets, sparkmonitor.line (so a Spark event log of a monitored kernel has it too), and read back.
func TestCellLineSurvivesTheHistoryFile(t *testing.T) {
	line, text := 3, `df.groupBy("k").count()`
	e := newEncoder(0)
	var log []byte
	log = e.encode(log, &event.Hello{AppID: "app-l", AppName: "l", StartTime: 1})
	log = e.encode(log, &event.JobStart{Header: event.Header{Time: 5}, JobID: 0, CellLine: &line, CellLineText: &text,
		Stages: []event.StageInfo{{StageID: 0, NumTasks: 1}}})
	log = e.encode(log, &event.JobStart{Header: event.Header{Time: 6}, JobID: 1, Stages: []event.StageInfo{{StageID: 1, NumTasks: 1}}})
	if !bytes.Contains(log, []byte(`"sparkmonitor.line":"3\tdf.groupBy(\"k\").count()"`)) {
		t.Errorf("the history file has no sparkmonitor.line property:\n%s", log)
	}
	got := map[int]*event.JobStart{}
	if _, err := Replay(bytes.NewReader(log), ReplayOptions{}, func(ev event.Event) error {
		if js, ok := ev.(*event.JobStart); ok {
			got[js.JobID] = js
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if j := got[0]; j == nil || j.CellLine == nil || *j.CellLine != line || j.CellLineText == nil || *j.CellLineText != text {
		t.Errorf("job 0 replayed as %+v, want line %d %q", j, line, text)
	}
	if j := got[1]; j == nil || j.CellLine != nil || j.CellLineText != nil {
		t.Errorf("job 1 replayed as %+v, want no line", j)
	}
}
