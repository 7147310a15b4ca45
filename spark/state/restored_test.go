package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// TestRestoredAppIsPastUntilItsListenerComesBack: an application replayed from an event log without its end is a
// past one (DISCONNECTED, source history, no cancel) and ends no other application of its kernel; when its own
// listener says hello again (the monitor restarted while it ran) it is live, and its resync ends the job whose end
// the log missed.
func TestRestoredAppIsPastUntilItsListenerComesBack(t *testing.T) {
	s, _ := startStore(t, Options{})
	// Another application of the same kernel, disconnected with a running job.
	oh := hello("other", 1)
	oh.KernelID = "kernel-1"
	submitAll(t, s, "other", oh,
		&event.JobStart{Header: event.Header{Time: 5}, JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}},
		&Disconnected{})

	h := hello("app", 1)
	h.KernelID = "kernel-1"
	submitAll(t, s, "app", &Restored{Source: wire.SourceHistory}, h,
		&event.JobStart{Header: event.Header{Time: 10}, JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}},
		&event.StageSubmitted{Header: event.Header{Time: 11}, StageID: 0, NumTasks: 2},
		&Restored{Source: wire.SourceHistory, Done: true})
	a := snapshotApp(t, s, "app")
	if a.State != wire.AppDisconnected || a.Source != wire.SourceHistory || a.CancelEnabled || a.UIPath != nil || a.NumActiveJobs != 1 {
		t.Fatalf("restored app %+v", a)
	}
	if o := snapshotApp(t, s, "other"); o.NumActiveJobs != 1 {
		t.Errorf("the restore ended the jobs of another application of its kernel: %+v", o)
	}

	live := hello("app", 2)
	live.KernelID = "kernel-1"
	submitAll(t, s, "app", live, &event.Resync{
		Header: event.Header{Seq: 9},
		FinishedJobs: []event.ResyncJob{{JobStart: event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}},
			Result: wire.JobSucceeded, CompletionTime: 20}},
		Stages: []event.ResyncStage{{StageID: 0, NumTasks: 2, NumCompletedTasks: 2, Status: wire.StageComplete, CompletionTime: ptr64(19)}},
	})
	a = snapshotApp(t, s, "app")
	if a.State != wire.AppRunning || a.Source != wire.SourceLive || a.NumCompletedJobs != 1 || a.Jobs[0].NumCompletedTasks != 2 {
		t.Errorf("after the listener came back: %+v, job %+v", a, a.Jobs[0])
	}
}

func ptr64(v int64) *int64 { return &v }
