package state

import (
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// What the API shows of an application and its jobs, computed from the live state.

// job returns a copy of the job as the API shows it.
func (a *liveApp) job(j *liveJob) wire.Job {
	out := j.info
	out.Failures = slices.Clone(j.info.Failures)
	if out.Failures == nil {
		out.Failures = []wire.FailureReason{}
	}
	out.NumCompletedStages = len(j.completedStages)
	out.NumSkippedStages = len(j.skippedStages)
	out.NumTasks = j.sparkNumTasks - j.info.NumSkippedTasks
	out.NumActiveStages = 0
	out.Stages = make([]wire.Stage, 0, len(j.stageIDs))
	for _, id := range j.stageIDs {
		if st := a.stages[stageKey{id, a.latest[id]}]; st != nil {
			out.Stages = append(out.Stages, st.info)
			if st.info.Status == wire.StageActive {
				out.NumActiveStages++
			}
		}
	}
	out.Hints = a.summarizeTasks(out.JobID, out.Stages)
	return out
}

// header returns a copy of the application without jobs, with derived counters.
func (a *liveApp) header() wire.App {
	out := a.info
	out.Jobs = nil
	if out.UIURL != nil && out.State == wire.AppRunning {
		p := wire.UIPath(out.AppID)
		out.UIPath = &p
	}
	out.NumJobs, out.NumActiveJobs, out.NumCompletedJobs, out.NumFailedJobs = len(a.jobs), 0, 0, 0
	for _, j := range a.jobs {
		switch j.info.Status {
		case wire.JobRunning:
			out.NumActiveJobs++
		case wire.JobSucceeded:
			out.NumCompletedJobs++
		case wire.JobFailed, wire.JobCancelled: // Spark counts a cancelled job as failed
			out.NumFailedJobs++
		}
	}
	out.CancelEnabled = a.cancelEnabled()
	out.EvictedJobs = a.evictedJobs
	out.NumExecutors, out.TotalCores = 0, 0
	for id, cores := range a.executors {
		if id != "driver" {
			out.NumExecutors++
			out.TotalCores += cores
		}
	}
	if out.NumExecutors == 0 { // local mode: the driver runs the tasks
		if cores, ok := a.executors["driver"]; ok {
			out.NumExecutors, out.TotalCores = 1, cores
		}
	}
	return out
}
