package state

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func TestCancelledRuleOnSparksErrors(t *testing.T) {
	cases := map[string]string{
		// Recorded from Spark 4.1.1 (cancelled_job.jsonl and listener/test.sh).
		"[SPARK_JOB_CANCELLED] Job 0 cancelled via SparkMonitor SQLSTATE: XXKDA":                               wire.JobCancelled,
		"[SPARK_JOB_CANCELLED] Job 1 cancelled because stage 1 was cancelled via SparkMonitor SQLSTATE: XXKDA": wire.JobCancelled,
		"[SPARK_JOB_CANCELLED] Job 2 cancelled part of cancelled job group group-1 SQLSTATE: XXKDA":            wire.JobCancelled,
		"[SPARK_JOB_CANCELLED] Job 11 cancelled cell cancel SQLSTATE: XXKDA":                                   wire.JobCancelled,
		// Spark 3.5's DAGScheduler wording (no error class), and the other spelling.
		"Job 3 cancelled because killed via the Web UI":      wire.JobCancelled,
		"Job 4 cancelled because SparkContext was shut down": wire.JobCancelled,
		"Job 5 canceled by the user":                         wire.JobCancelled,
		"job 6 CANCELLED ":                                   wire.JobCancelled,
		// Failures that only mention cancellation are failures.
		"Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times: ValueError: request cancelled": wire.JobFailed,
		"[SPARK_JOB_CANCELLED]":        wire.JobFailed,
		"Job 7 cancellation requested": wire.JobFailed,
		"":                             wire.JobFailed,
	}
	for msg, want := range cases {
		if got := failedStatus(&msg); got != want {
			t.Errorf("%q: %s, want %s", msg, got, want)
		}
	}
	if got := failedStatus(nil); got != wire.JobFailed {
		t.Errorf("no error: %s", got)
	}
}

func TestReplayCancelledJobs(t *testing.T) {
	a, want := replay(t, "cancelled_job.jsonl")
	status := map[string]string{"cell-cancel": wire.JobCancelled, "cell-stage": wire.JobCancelled, "cell-group": wire.JobCancelled,
		"cell-ok": wire.JobSucceeded}
	for _, w := range want {
		w.status = status[w.cellID]
	}
	checkJobs(t, a, want)
	for _, j := range a.Jobs {
		if j.Status == wire.JobCancelled && (j.Error == nil || j.CompletionTime == nil) {
			t.Errorf("job %d: a cancelled job keeps Spark's error and completion time: %+v", j.JobID, j)
		}
	}
	// Counts as Spark has them: a cancelled job is a failed job.
	if a.NumFailedJobs != 3 || a.NumCompletedJobs != 1 || a.NumActiveJobs != 0 {
		t.Errorf("app counts: failed %d, completed %d, active %d", a.NumFailedJobs, a.NumCompletedJobs, a.NumActiveJobs)
	}
}

func TestCancelLookups(t *testing.T) {
	s, _ := startStore(t, Options{})
	ctx := context.Background()
	cell := "c1"
	kill := false
	for _, ev := range []event.Event{
		&event.Hello{AppID: "a", KillEnabled: &kill},
		&event.JobStart{JobID: 0, CellID: &cell, Stages: []event.StageInfo{{StageID: 0, NumTasks: 1}, {StageID: 1, NumTasks: 1}}},
		&event.StageSubmitted{StageID: 0, NumTasks: 1},
		&event.StageCompleted{StageID: 0, Status: "FAILED"},
		&event.StageSubmitted{StageID: 0, AttemptID: 1, NumTasks: 1}, // a retry: the latest attempt is active
		&event.JobStart{JobID: 1, CellID: &cell, Stages: []event.StageInfo{{StageID: 2, NumTasks: 1}}},
		&event.JobEnd{JobID: 1, Result: "SUCCEEDED"},
	} {
		if err := s.Submit(ctx, "a", ev); err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.CheckJob(ctx, "a", 0)
	if err != nil || c.App == nil || !c.Found || !c.Running || c.App.CancelEnabled {
		t.Fatalf("job 0: %+v %v (killEnabled=false: cancel is off)", c, err)
	}
	if c, _ := s.CheckJob(ctx, "a", 1); !c.Found || c.Running {
		t.Errorf("finished job 1: %+v", c)
	}
	if c, _ := s.CheckJob(ctx, "nope", 0); c.App != nil {
		t.Errorf("unknown app: %+v", c)
	}
	if c, _ := s.CheckStage(ctx, "a", 0); !c.Found || !c.Running || c.AttemptID != 1 {
		t.Errorf("stage 0 (retried): %+v", c)
	}
	if c, _ := s.CheckStage(ctx, "a", 1); !c.Found || !c.Running {
		t.Errorf("pending stage 1: %+v", c)
	}
	if c, _ := s.CheckStage(ctx, "a", 2); !c.Found || c.Running {
		t.Errorf("stage 2 of a finished job (skipped): %+v", c)
	}
	if c, _ := s.CheckStage(ctx, "a", 9); c.Found {
		t.Errorf("unknown stage: %+v", c)
	}
	cells, err := s.CellRunningJobs(ctx, Cell{ID: "c1"})
	if err != nil || len(cells) != 1 || len(cells[0].JobIDs) != 1 || cells[0].JobIDs[0] != 0 || cells[0].App.AppID != "a" {
		t.Errorf("cell c1: %+v %v", cells, err)
	}
	if cells, _ := s.CellRunningJobs(ctx, Cell{ID: "other"}); len(cells) != 0 {
		t.Errorf("other cell: %+v", cells)
	}
}
