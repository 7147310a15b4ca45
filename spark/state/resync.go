package state

import (
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// resync rebuilds jobs and stages after the listener reconnected. The monitor may have restarted (then it knows
// nothing and the resync is all it gets of the events before it) or only lost the connection (then the resync's
// counts replace its own, and the jobs get the difference). Events after the resync's seq follow it.
func (a *liveApp) resync(e *event.Resync) {
	known := make(map[int]bool, len(a.jobs))
	for id := range a.jobs {
		known[id] = true
	}
	var starts []*event.JobStart // the jobs this monitor does not know, started in job id order
	for i := range e.Jobs {
		starts = append(starts, &e.Jobs[i])
	}
	for i := range e.FinishedJobs {
		starts = append(starts, &e.FinishedJobs[i].JobStart)
	}
	slices.SortFunc(starts, func(x, y *event.JobStart) int { return x.JobID - y.JobID })
	for _, js := range starts {
		if !known[js.JobID] {
			a.jobStart(js)
		}
	}
	for _, rs := range e.Stages {
		a.resyncStage(rs)
	}
	for i := range e.FinishedJobs {
		// A known job still RUNNING ended while this monitor was not listening (its end was lost with a restart).
		fj := &e.FinishedJobs[i]
		if j := a.jobs[fj.JobID]; !known[fj.JobID] || (j != nil && j.info.Status == wire.JobRunning) {
			a.jobEnd(&event.JobEnd{Header: event.Header{Time: fj.CompletionTime}, JobID: fj.JobID, Result: fj.Result, Error: fj.Error})
		}
	}
	for _, ex := range e.Executors {
		a.addExecutor(ex.ExecutorID, ex.Cores)
		a.laneAdded(&ex)
	}
	a.resyncSQL(e.SQLExecutions)
	a.dirty = true
}

// resyncStage sets a stage attempt's counts and status to the listener's; its jobs get the difference.
func (a *liveApp) resyncStage(rs event.ResyncStage) {
	k := stageKey{rs.StageID, rs.AttemptID}
	st, ok := a.stages[k]
	if !ok {
		st = a.stageFor(rs.StageID, rs.AttemptID, rs.Name, rs.NumTasks)
	}
	if cur, seen := a.latest[rs.StageID]; !seen || rs.AttemptID >= cur {
		a.latest[rs.StageID] = rs.AttemptID
	}
	wasFailed := st.info.Status == wire.StageFailed
	if rs.Status != "" {
		st.info.Status = rs.Status
	}
	if rs.CompletionTime != nil && st.info.CompletionTime == nil {
		t := *rs.CompletionTime
		st.info.CompletionTime = &t
	}
	dc := rs.NumCompletedTasks - st.info.NumCompletedTasks
	df := rs.NumFailedTasks - st.info.NumFailedTasks
	dk := rs.NumKilledTasks - st.info.NumKilledTasks
	da := rs.NumActiveTasks - st.info.NumActiveTasks
	st.info.NumCompletedTasks, st.info.NumFailedTasks, st.info.NumActiveTasks = rs.NumCompletedTasks, rs.NumFailedTasks, rs.NumActiveTasks
	st.info.NumKilledTasks = max(st.info.NumKilledTasks, rs.NumKilledTasks)
	a.eachJob(st, func(j *liveJob) {
		j.info.NumCompletedTasks += max(dc, 0)
		j.info.NumFailedTasks += max(df, 0)
		j.info.NumKilledTasks += max(dk, 0)
		j.info.NumActiveTasks = max(j.info.NumActiveTasks+da, 0)
		switch st.info.Status {
		case wire.StageComplete:
			j.completedStages[rs.StageID] = true
		case wire.StageFailed:
			if !wasFailed {
				j.info.NumFailedStages++
			}
		}
	})
}
