package state

import (
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// The card of a job whose task raised in Python twice (local[2,2]: two attempts), replayed from the listener.
func TestFailureCardOfAFailingTask(t *testing.T) {
	a, _ := replay(t, "failing_task.jsonl")
	var failed []wire.Job
	for _, j := range a.Jobs {
		if j.FailureCard != nil {
			failed = append(failed, j)
		}
	}
	if len(failed) != 1 || failed[0].Status != wire.JobFailed {
		t.Fatalf("want one failed job with a card, got %+v", failed)
	}
	c := failed[0].FailureCard
	if c.Category != wire.FailurePythonUDF || c.Title == "" || c.Fix == "" {
		t.Errorf("category %q title %q fix %q", c.Category, c.Title, c.Fix)
	}
	if c.ExceptionClass != "ValueError" || c.Message != "boom in a task" {
		t.Errorf("exception %q: %q", c.ExceptionClass, c.Message)
	}
	if c.StageID == nil || *c.StageID != 0 || c.StageAttemptID == nil || *c.StageAttemptID != 0 {
		t.Errorf("stage %v attempt %v", c.StageID, c.StageAttemptID)
	}
	if c.Attempts != 2 || c.TaskID == nil || c.ExecutorID != "driver" || c.Host != "192.0.2.2" {
		t.Errorf("task %v attempts %d executor %q host %q", c.TaskID, c.Attempts, c.ExecutorID, c.Host)
	}
	if len(c.Traces) != 2 || !strings.Contains(c.Traces[0], "ValueError: boom in a task") ||
		!strings.HasPrefix(c.Traces[1], "Job aborted due to stage failure") {
		t.Errorf("traces %q", c.Traces)
	}
	if c.Line != nil {
		t.Errorf("line %d: the recording's function is not in a notebook cell", *c.Line)
	}
}

// Cancelled jobs (by job, stage and job group) get a "cancelled" card without a task; succeeded jobs none.
func TestFailureCardOfCancelledJobs(t *testing.T) {
	a, _ := replay(t, "cancelled_job.jsonl")
	cards := 0
	for _, j := range a.Jobs {
		switch {
		case j.Status == wire.JobSucceeded && j.FailureCard != nil:
			t.Errorf("job %d succeeded with a card %+v", j.JobID, j.FailureCard)
		case j.Status == wire.JobCancelled:
			cards++
			c := j.FailureCard
			if c == nil || c.Category != wire.FailureCancelled || c.TaskID != nil || c.Attempts != 0 ||
				len(c.Traces) != 1 || c.Traces[0] != *j.Error {
				t.Errorf("job %d: card %+v", j.JobID, c)
			}
		}
	}
	if cards != 3 {
		t.Errorf("%d cancelled jobs with a card, want 3", cards)
	}
}

// Without a cell frame in a traceback, the card names the line of the cell that started the job.
func TestFailureCardFallsBackToTheJobsCellLine(t *testing.T) {
	a := newLiveApp("app")
	j := &liveJob{info: wire.Job{Status: wire.JobFailed, CellLine: wire.CellLine{CellLine: 3, CellLineText: "df.collect()"}}}
	msg := "Job aborted due to stage failure: Total size of serialized results of 1 tasks (7.1 MiB) is bigger than spark.driver.maxResultSize (1024.0 KiB)"
	j.info.Error = &msg
	c := a.failureCard(j)
	if c.Category != wire.FailureDriverOOM || c.Line == nil || *c.Line != 3 || c.LineText != "df.collect()" {
		t.Errorf("card %+v", c)
	}
}
