package history

import (
	"bytes"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The cell a kernel was running when a job started (event.JobStart.RunningCell) is written to the history file and
// read back, so a restarted monitor puts the job under the same cell.
func TestRunningCellSurvivesTheHistoryFile(t *testing.T) {
	cell := "thread-cell"
	e := newEncoder(0)
	var log []byte
	log = e.encode(log, &event.Hello{AppID: "app-h", AppName: "h", KernelID: "k", StartTime: 1})
	log = e.encode(log, &event.JobStart{Header: event.Header{Time: 5}, JobID: 0, RunningCell: &cell,
		Stages: []event.StageInfo{{StageID: 0, NumTasks: 1}}})
	log = e.encode(log, &event.JobStart{Header: event.Header{Time: 6}, JobID: 1, Stages: []event.StageInfo{{StageID: 1, NumTasks: 1}}})
	running := map[int]*string{}
	if _, err := Replay(bytes.NewReader(log), ReplayOptions{}, func(ev event.Event) error {
		if js, ok := ev.(*event.JobStart); ok {
			running[js.JobID] = js.RunningCell
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(running) != 2 || running[0] == nil || *running[0] != cell || running[1] != nil {
		t.Errorf("replayed running cells %v, want job 0 %q and job 1 none", running, cell)
	}
}
