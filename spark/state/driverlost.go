package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// DriverLost is submitted (by ingest) when an application's listener connection closed without an application end
// and no connection of the application came back within the grace period (ingest.DefaultDriverLostAfter): its driver
// is taken for dead (a killed JVM, a crashed kernel). Time is when the listener went away; 0 when unknown (an
// application restored from the history whose listener never came back), then the application's last activity is
// its end. AttemptID names the application's history file.
type DriverLost struct {
	event.Header
	AttemptID *string
}

// DriverLostReason ends the jobs still running when the driver is lost (Spark's "Job 3 cancelled <why>").
const DriverLostReason = "because its driver was lost"

// driverLost ends a DISCONNECTED application: FINISHED with DriverLost set, its running jobs cancelled. A RUNNING
// application (its listener came back) or an ended one is left alone.
func (a *liveApp) driverLost(e *DriverLost) {
	if a.info.State != wire.AppDisconnected {
		return
	}
	t := e.Time
	if t <= 0 {
		t = a.lastActivity()
	}
	a.info.State, a.info.DriverLost, a.info.EndTime = wire.AppFinished, true, &t
	a.endRunningJobs(t, DriverLostReason)
	a.dirty = true
}

// lastActivity is the latest time the application's jobs and stages show (its start when it ran none).
func (a *liveApp) lastActivity() int64 {
	t := a.info.StartTime
	for _, j := range a.jobs {
		t = max(t, j.info.SubmissionTime)
		if j.info.CompletionTime != nil {
			t = max(t, *j.info.CompletionTime)
		}
	}
	for _, st := range a.stages {
		for _, p := range []*int64{st.info.SubmissionTime, st.info.CompletionTime} {
			if p != nil {
				t = max(t, *p)
			}
		}
	}
	return t
}

// revive makes an application taken for lost live again: its listener said hello after all (it could not reach
// the monitor for longer than the grace period). The jobs ended at the loss stay ended.
func (a *liveApp) revive() {
	if a.info.DriverLost {
		a.info.DriverLost, a.info.EndTime, a.info.State = false, nil, wire.AppRunning
	}
}
