package state

import (
	"fmt"
	"log/slog"
	"net/url"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Disconnected is submitted by ingest when an application's listener connection ends.
type Disconnected struct{ event.Header }

// Restored brackets the events of an application replayed from an event log (spark/history): submitted first with
// Done false (the application is a past one from Source: no RUNNING state, no superseding of other applications),
// then after the log's events with Done true. Without an application end in the log the application stays
// DISCONNECTED. A later hello of the application's own listener (the monitor restarted while it ran) makes it live
// again.
type Restored struct {
	event.Header
	Source string
	Done   bool
}

type stageKey struct{ id, attempt int }

type liveApp struct {
	info      App
	jobs      map[int]*liveJob
	order     []int // job ids in submission order
	stages    map[stageKey]*liveStage
	latest    map[int]int // stage id -> latest attempt
	executors map[string]int
	dirty     bool
	dirtyJobs map[int]bool
	tasks     taskData // per-task detail: durations, spans (tasks.go)
	activity  activity // executor usage over time (activity.go)
	lanes     []lane   // executors seen, for the timeline (activity.go)
	sql       liveSQL  // SQL executions (sql.go)
	// killEnabled is the listener's spark.ui.killEnabled; readOnly is the monitor's --read-only (cancel.go).
	killEnabled, readOnly bool
	// log reports events that refer to no known job, stage attempt or SQL execution (they are ignored).
	log *slog.Logger
	// replaying: between the two Restored events of a replay.
	replaying bool
	// evictedJobs and evictedStages count what the retention forgot (retention.go).
	evictedJobs, evictedStages int
}

type liveJob struct {
	info            Job
	cellByRun       bool // the cell is the one its kernel was running, not the job's own (cell.go: jobCell)
	byTime          bool // it names no cell: a reported cell run may place it (runs.go)
	stageIDs        []int
	sparkNumTasks   int // Spark's job numTasks: tasks of the stages not already completed at job start
	completedStages map[int]bool
	skippedStages   map[int]bool
}

type liveStage struct {
	info   Stage
	jobIDs []int
}

func newLiveApp(appID string) *liveApp {
	return &liveApp{
		info:      App{AppID: appID, State: AppRunning, Source: SourceLive},
		log:       slog.New(slog.DiscardHandler),
		jobs:      map[int]*liveJob{},
		stages:    map[stageKey]*liveStage{},
		latest:    map[int]int{},
		executors: map[string]int{},
		dirtyJobs: map[int]bool{},
		sql:       newLiveSQL(),
	}
}

// apply changes the application by one event, following Spark's AppStatusListener counting rules.
func (a *liveApp) apply(ev event.Event) {
	switch e := ev.(type) {
	case *event.Hello:
		a.hello(e)
	case *event.AppStart:
		if e.AppName != "" {
			a.info.AppName = e.AppName
		}
		if e.SparkUser != "" {
			a.info.SparkUser = e.SparkUser
		}
		if e.Time > 0 {
			a.info.StartTime = e.Time
		}
		a.dirty = true
	case *event.AppEnd:
		a.info.State = AppFinished
		t := e.Time
		a.info.EndTime = &t
		a.endRunningJobs(t, "because SparkContext was shut down")
		a.dirty = true
	case *Restored:
		a.replaying = !e.Done
		if !e.Done {
			a.info.Source, a.info.State = e.Source, AppDisconnected
		}
		a.dirty = true
	case *DriverLost:
		a.driverLost(e)
	case *Disconnected:
		if a.info.State == AppRunning {
			a.info.State = AppDisconnected
			a.dirty = true
		}
	case *event.JobStart:
		a.jobStart(e)
	case *event.JobEnd:
		a.jobEnd(e)
	case *event.StageSubmitted:
		a.stageSubmitted(e)
	case *event.StageCompleted:
		a.stageCompleted(e)
	case *event.TaskStart:
		a.taskStart(e)
	case *event.TaskEnd:
		a.taskEnd(e)
	case *event.SQLStart:
		a.sqlStart(e)
	case *event.SQLEnd:
		a.sqlEnd(e)
	case *event.ExecutorAdded:
		a.addExecutor(e.ExecutorID, e.Cores)
		a.laneAdded(e)
		a.dirty = true
	case *event.ExecutorRemoved:
		delete(a.executors, e.ExecutorID)
		a.laneRemoved(e)
		a.dirty = true
	case *event.Stats:
		a.info.DroppedEvents = e.Dropped
		a.dirty = true
	case *event.Resync:
		a.resync(e)
	}
}

func (a *liveApp) hello(h *event.Hello) {
	i := &a.info
	i.AttemptID, i.AppName, i.SparkVersion, i.SparkUser = h.AttemptID, h.AppName, h.SparkVersion, h.SparkUser
	i.Master, i.UIURL, i.KernelID, i.NotebookPath = h.Master, h.UIURL, h.KernelID, h.NotebookPath
	a.killEnabled = h.CanKill()
	if i.StartTime == 0 {
		i.StartTime = h.StartTime
	}
	if !a.replaying {
		i.Source = SourceLive
		a.revive()
		if i.State != AppFinished {
			i.State = AppRunning
		}
	}
	a.dirty = true
}

func (a *liveApp) jobStart(e *event.JobStart) {
	cell, byRun := jobCell(e)
	j := &liveJob{
		cellByRun: byRun,
		byTime:    cell == nil && !connectOperation(e),
		info: Job{
			AppID: a.info.AppID, JobID: e.JobID, Name: e.Name, Description: e.Description, JobGroup: e.JobGroup,
			CellID: cell, KernelID: e.KernelID, NotebookPath: e.NotebookPath, SQLExecutionID: e.SQLExecutionID,
			Status: JobRunning, SubmissionTime: e.Time,
			NumStages: len(e.Stages),
		},
		completedStages: map[int]bool{},
		skippedStages:   map[int]bool{},
	}
	for _, s := range e.Stages {
		j.stageIDs = append(j.stageIDs, s.StageID)
		if s.CompletionTime == nil {
			j.sparkNumTasks += s.NumTasks
		}
		st := a.stageFor(s.StageID, s.AttemptID, s.Name, s.NumTasks)
		if !slices.Contains(st.jobIDs, e.JobID) {
			st.jobIDs = append(st.jobIDs, e.JobID)
		}
	}
	slices.Sort(j.stageIDs)
	if _, seen := a.jobs[e.JobID]; !seen {
		a.order = append(a.order, e.JobID)
	}
	a.jobs[e.JobID] = j
	a.touchJob(e.JobID)
	a.dirty = true
}

// stageFor returns the live stage attempt, creating it PENDING unless it is already pending or running for another job.
func (a *liveApp) stageFor(id, attempt int, name string, numTasks int) *liveStage {
	k := stageKey{id, attempt}
	if st, ok := a.stages[k]; ok && (st.info.Status == StagePending || st.info.Status == StageActive) {
		return st
	}
	st := &liveStage{info: Stage{StageID: id, AttemptID: attempt, Name: name, Status: StagePending, NumTasks: numTasks}}
	if old, ok := a.stages[k]; ok {
		st.jobIDs = old.jobIDs
	}
	a.stages[k] = st
	if cur, ok := a.latest[id]; !ok || attempt >= cur {
		a.latest[id] = attempt
	}
	return st
}

func (a *liveApp) jobEnd(e *event.JobEnd) {
	j, ok := a.jobs[e.JobID]
	if !ok {
		a.ignore(e, "job", int64(e.JobID), -1)
		return
	}
	j.info.Status = JobSucceeded
	if e.Result != JobSucceeded {
		j.info.Status = failedStatus(e.Error)
	}
	t := e.Time
	j.info.CompletionTime, j.info.Error = &t, e.Error
	for _, id := range j.stageIDs {
		st := a.stages[stageKey{id, a.latest[id]}]
		if st != nil && st.info.Status == StagePending {
			st.info.Status = StageSkipped
			j.skippedStages[id] = true
			j.info.NumSkippedTasks += st.info.NumTasks
		}
	}
	a.touchJob(e.JobID)
	a.dirty = true
}

func (a *liveApp) stageSubmitted(e *event.StageSubmitted) {
	var jobIDs []int
	if prev, ok := a.stages[stageKey{e.StageID, a.latest[e.StageID]}]; ok {
		jobIDs = prev.jobIDs
	}
	st := a.stageFor(e.StageID, e.AttemptID, e.Name, e.NumTasks)
	if len(st.jobIDs) == 0 {
		st.jobIDs = jobIDs
	}
	t := e.Time
	st.info.Status, st.info.SubmissionTime, st.info.NumTasks, st.info.Name = StageActive, &t, e.NumTasks, e.Name
	a.latest[e.StageID] = e.AttemptID
	a.eachJob(st, func(j *liveJob) { delete(j.completedStages, e.StageID) })
}

func (a *liveApp) stageCompleted(e *event.StageCompleted) {
	st, ok := a.stages[stageKey{e.StageID, e.AttemptID}]
	if !ok {
		a.ignore(e, "stage attempt", int64(e.StageID), e.AttemptID)
		return
	}
	t := e.Time
	wasFailed := st.info.Status == StageFailed // a resync may have said so already
	st.info.CompletionTime, st.info.FailureReason = &t, e.FailureReason
	st.info.Status = StageComplete
	if e.Status != StageComplete {
		st.info.Status = StageFailed
	}
	a.eachJob(st, func(j *liveJob) {
		if st.info.Status == StageComplete {
			j.completedStages[e.StageID] = true
		} else if !wasFailed {
			j.info.NumFailedStages++
		}
	})
}

func (a *liveApp) taskStart(e *event.TaskStart) {
	st, ok := a.stages[stageKey{e.StageID, e.StageAttemptID}]
	if !ok {
		a.ignore(e, "stage attempt", int64(e.StageID), e.StageAttemptID)
		return
	}
	st.info.NumActiveTasks++
	a.taskStarted(e, st)
	a.eachJob(st, func(j *liveJob) { j.info.NumActiveTasks++ })
}

func (a *liveApp) taskEnd(e *event.TaskEnd) {
	st, ok := a.stages[stageKey{e.StageID, e.StageAttemptID}]
	if !ok {
		a.ignore(e, "stage attempt", int64(e.StageID), e.StageAttemptID)
		return
	}
	count := func(active, completed, failed, killed *int) {
		if *active > 0 {
			*active--
		}
		switch e.Status {
		case "SUCCESS":
			*completed++
		case "KILLED":
			*killed++
		default:
			*failed++
		}
	}
	s := &st.info
	count(&s.NumActiveTasks, &s.NumCompletedTasks, &s.NumFailedTasks, &s.NumKilledTasks)
	if e.Metrics != nil {
		s.add(e.Metrics)
	}
	a.taskEnded(e, st)
	a.eachJob(st, func(j *liveJob) {
		ji := &j.info
		count(&ji.NumActiveTasks, &ji.NumCompletedTasks, &ji.NumFailedTasks, &ji.NumKilledTasks)
		if e.Status == "FAILED" && e.Reason != nil {
			ji.Failures = addFailure(ji.Failures, *e.Reason)
		}
	})
}

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
		if j := a.jobs[fj.JobID]; !known[fj.JobID] || (j != nil && j.info.Status == JobRunning) {
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

// ignore logs (at Debug) an event of an unknown job, stage attempt (attempt ≥ 0) or SQL execution: a listener that
// dropped events, frames out of order, or an entity already evicted. The event changes nothing.
func (a *liveApp) ignore(ev event.Event, what string, id int64, attempt int) {
	args := []any{"app", a.info.AppID, "type", event.TypeOf(ev), "id", id}
	if attempt >= 0 {
		args = append(args, "attempt", attempt)
	}
	a.log.Debug("ignoring an event of an unknown "+what, args...)
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
	wasFailed := st.info.Status == StageFailed
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
		case StageComplete:
			j.completedStages[rs.StageID] = true
		case StageFailed:
			if !wasFailed {
				j.info.NumFailedStages++
			}
		}
	})
}

// endRunningJobs ends the jobs still RUNNING when the application can run none any more, as Spark does at
// SparkContext.stop: "Job <id> cancelled <why>" (so they show CANCELLED), their active stages FAILED. Spark posts
// those job ends after the application end, and the listener stops sending at the application end (or its JVM is
// gone), so the monitor would otherwise show them running forever.
func (a *liveApp) endRunningJobs(t int64, why string) {
	for _, id := range a.order {
		j := a.jobs[id]
		if j == nil || j.info.Status != JobRunning {
			continue
		}
		for _, sid := range j.stageIDs {
			if st := a.stages[stageKey{sid, a.latest[sid]}]; st != nil && st.info.Status == StageActive {
				reason := "Stage cancelled " + why
				st.info.Status, st.info.CompletionTime, st.info.FailureReason, st.info.NumActiveTasks = StageFailed, &t, &reason, 0
				a.eachJob(st, func(j *liveJob) { j.info.NumFailedStages++ })
			}
		}
		msg := fmt.Sprintf("Job %d cancelled %s", id, why)
		a.jobEnd(&event.JobEnd{Header: event.Header{Time: t}, JobID: id, Result: JobFailed, Error: &msg})
		j.info.NumActiveTasks = 0
	}
}

func (a *liveApp) touchJob(id int) { a.dirtyJobs[id] = true }

// eachJob applies f to every retained job the stage belongs to, and marks those jobs changed.
func (a *liveApp) eachJob(st *liveStage, f func(*liveJob)) {
	for _, jid := range st.jobIDs {
		if j := a.jobs[jid]; j != nil {
			f(j)
			a.touchJob(jid)
		}
	}
}

// job returns a copy of the job as the API shows it.
func (a *liveApp) job(j *liveJob) Job {
	out := j.info
	out.Failures = slices.Clone(j.info.Failures)
	if out.Failures == nil {
		out.Failures = []FailureReason{}
	}
	out.NumCompletedStages = len(j.completedStages)
	out.NumSkippedStages = len(j.skippedStages)
	out.NumTasks = j.sparkNumTasks - j.info.NumSkippedTasks
	out.NumActiveStages = 0
	out.Stages = make([]Stage, 0, len(j.stageIDs))
	for _, id := range j.stageIDs {
		if st := a.stages[stageKey{id, a.latest[id]}]; st != nil {
			out.Stages = append(out.Stages, st.info)
			if st.info.Status == StageActive {
				out.NumActiveStages++
			}
		}
	}
	out.Hints = a.summarizeTasks(out.JobID, out.Stages)
	return out
}

// header returns a copy of the application without jobs, with derived counters.
func (a *liveApp) header() App {
	out := a.info
	out.Jobs = nil
	if out.UIURL != nil && out.State == AppRunning {
		p := "ui/" + url.PathEscape(out.AppID) + "/"
		out.UIPath = &p
	}
	out.NumJobs, out.NumActiveJobs, out.NumCompletedJobs, out.NumFailedJobs = len(a.jobs), 0, 0, 0
	for _, j := range a.jobs {
		switch j.info.Status {
		case JobRunning:
			out.NumActiveJobs++
		case JobSucceeded:
			out.NumCompletedJobs++
		case JobFailed, JobCancelled: // Spark counts a cancelled job as failed
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
