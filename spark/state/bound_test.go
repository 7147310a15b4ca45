package state

import (
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// What Submit keeps of a hostile application is cut to event's bounds, with a visible "…", whatever the event.
func TestSubmitKeepsTextsCutWithAnEllipsis(t *testing.T) {
	s, _ := startStore(t, Options{})
	big := "x" + strings.Repeat("é", 1<<19) // 1 MB, two-byte characters after an odd first byte
	app := "app-bound"
	h := hello(app, 1)
	h.AppName = big
	failed := "FAILED"
	submitAll(t, s, app, h,
		&event.JobStart{Header: event.Header{Type: "jobStart", Time: 1}, JobID: 0, Name: big, Description: &big,
			JobGroup: &big, Stages: []event.StageInfo{{StageID: 0, Name: big, NumTasks: 1}}},
		&event.StageSubmitted{Header: event.Header{Type: "stageSubmitted", Time: 2}, StageID: 0, Name: big, NumTasks: 1},
		&event.StageCompleted{Header: event.Header{Type: "stageCompleted", Time: 3}, StageID: 0, Status: failed,
			FailureReason: &big, NumTasks: 1},
		&event.JobEnd{Header: event.Header{Type: "jobEnd", Time: 4}, JobID: 0, Result: failed, Error: &big},
		&event.SQLStart{Header: event.Header{Type: "sqlStart", Time: 5}, ExecutionID: 7, Description: big})
	a := snapshotApp(t, s, app)
	j := a.Jobs[0]
	for _, c := range []struct {
		what string
		got  string
		max  int
	}{
		{"app name", a.AppName, event.MaxShort},
		{"job name", j.Name, event.MaxShort},
		{"job description", *j.Description, event.MaxDescription},
		{"job group", *j.JobGroup, event.MaxShort},
		{"job error", *j.Error, event.MaxReason},
		{"stage name", j.Stages[0].Name, event.MaxShort},
		{"stage failure", *j.Stages[0].FailureReason, event.MaxReason},
		{"SQL description", a.SQLExecutions[0].Description, event.MaxDescription},
	} {
		if len(c.got) > c.max || len(c.got) < c.max-8 || !strings.HasSuffix(c.got, "…") ||
			!strings.HasPrefix(big, strings.TrimSuffix(c.got, "…")) {
			t.Errorf("%s: %d bytes (bound %d), ends %q", c.what, len(c.got), c.max, c.got[max(0, len(c.got)-8):])
		}
	}
}
