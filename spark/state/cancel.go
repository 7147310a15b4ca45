package state

import (
	"context"
	"regexp"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// What the cancel endpoints ask of the state (spark/api/API.md "Cancel").

// cancelledError matches the error of a job Spark ended because it was cancelled. Spark (DAGScheduler
// handleJobCancellation) fails such a job with "Job <id> cancelled <reason>", in Spark 4 behind the error class
// "[SPARK_JOB_CANCELLED] ": cancelJob ("Job 3 cancelled because <reason>"), cancelStage ("... because Stage 4 was
// cancelled"), a job group or tag, and SparkContext.stop ("... because SparkContext was shut down"). Both spellings,
// "cancelled" and "canceled", are accepted, case-insensitively; a task's own error that merely mentions
// cancellation ("Job aborted due to stage failure: ... cancelled") does not match, because the match is anchored at
// the start of the message.
var cancelledError = regexp.MustCompile(`(?i)^(\[SPARK_JOB_CANCELLED\]\s*)?Job \d+ cancel(l)?ed\b`)

// failedStatus is the status of a job Spark ended FAILED with the given error: CANCELLED when it was cancelled.
// Counts are unchanged (Spark counts a cancelled job among the failed ones).
func failedStatus(err *string) string {
	if err != nil && cancelledError.MatchString(*err) {
		return wire.JobCancelled
	}
	return wire.JobFailed
}

// cancelEnabled: the monitor is not read-only, the listener is connected, and Spark allows kills.
func (a *liveApp) cancelEnabled() bool {
	return !a.readOnly && a.info.State == wire.AppRunning && a.killEnabled
}

// CancelCheck is what the store knows about the target of a cancel request.
type CancelCheck struct {
	// App is the application without jobs; nil when the application is unknown.
	App *wire.App
	// Found: the job, or the stage, is known in App.
	Found bool
	// Running: the job is RUNNING, or the stage's latest attempt is ACTIVE or PENDING.
	Running bool
	// AttemptID is the stage's latest attempt (stage checks only).
	AttemptID int
}

// CellJobs are one application's running jobs of a cell.
type CellJobs struct {
	App    wire.App // without jobs
	JobIDs []int
	// ByJob: cancel these jobs by id, not the cell's: some of the jobs name their own notebook (a Spark Connect
	// server's, so the app runs jobs of other notebooks under the same cell id), or are the cell's because the
	// kernel was running it (cell.go: jobCell; the listener knows them under no cell).
	ByJob bool
}

// CheckJob looks up a job for cancelJob. It reflects every Submit that returned before the call.
func (s *Store) CheckJob(ctx context.Context, appID string, jobID int) (CancelCheck, error) {
	return s.check(ctx, appID, func(a *liveApp, out *CancelCheck) {
		if j, ok := a.jobs[jobID]; ok {
			out.Found, out.Running = true, j.info.Status == wire.JobRunning
		}
	})
}

// CheckStage looks up the latest attempt of a stage for cancelStage. It reflects every Submit that returned before
// the call.
func (s *Store) CheckStage(ctx context.Context, appID string, stageID int) (CancelCheck, error) {
	return s.check(ctx, appID, func(a *liveApp, out *CancelCheck) {
		attempt, ok := a.latest[stageID]
		if !ok {
			return
		}
		if st, ok := a.stages[stageKey{stageID, attempt}]; ok {
			out.Found, out.AttemptID = true, attempt
			out.Running = st.info.Status == wire.StageActive || st.info.Status == wire.StagePending
		}
	})
}

// check runs find on the owner goroutine for a known application.
func (s *Store) check(ctx context.Context, appID string, find func(*liveApp, *CancelCheck)) (CancelCheck, error) {
	var out CancelCheck
	err := s.do(ctx, func() {
		if a, ok := s.apps[appID]; ok {
			h := a.header()
			out.App = &h
			find(a, &out)
		}
	})
	return out, err
}

// CellRunningJobs returns, per application, the running jobs of the cell (Cell.Owns)
// (applications without any are left out). It reflects every Submit that returned before the call.
func (s *Store) CellRunningJobs(ctx context.Context, cell Cell) ([]CellJobs, error) {
	var out []CellJobs
	err := s.do(ctx, func() {
		for _, id := range s.appOrder {
			a := s.apps[id]
			var ids []int
			byJob := false
			for _, jid := range a.order {
				j := a.jobs[jid]
				if j.info.Status == wire.JobRunning && cell.Owns(&a.info, &j.info) {
					ids = append(ids, jid)
					byJob = byJob || j.info.KernelID != "" || j.info.NotebookPath != "" || j.cellByRun
				}
			}
			if len(ids) > 0 {
				out = append(out, CellJobs{App: a.header(), JobIDs: ids, ByJob: byJob})
			}
		}
	})
	return out, err
}
