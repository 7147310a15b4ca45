package state

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
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
	Source wire.AppSource
	Done   bool
}

type stageKey struct{ id, attempt int }

type liveApp struct {
	info      wire.App
	jobs      map[int]*liveJob
	order     []int // job ids in submission order
	stages    map[stageKey]*liveStage
	latest    map[int]int // stage id -> latest attempt
	executors map[string]int
	dirty     bool
	dirtyJobs map[int]bool
	tasks     taskData    // per-task detail: durations, spans (tasks.go)
	activity  activity    // executor usage over time (activity.go)
	lanes     []lane      // executors seen, for the timeline (activity.go)
	sql       liveSQL     // SQL executions (sql.go)
	streams   liveStreams // Structured Streaming queries (streaming.go)
	plans     livePlans   // the SQL executions' latest plans (plans.go)
	logs      logRing     // the driver's last log lines (logs.go)
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
	info            wire.Job
	cellByRun       bool // the cell is the one its kernel was running, not the job's own (cell.go: jobCell)
	byTime          bool // it names no cell: a reported cell run may place it (runs.go)
	stageIDs        []int
	sparkNumTasks   int // Spark's job numTasks: tasks of the stages not already completed at job start
	completedStages map[int]bool
	skippedStages   map[int]bool
	lastFailed      *event.TaskEnd // the job's latest failed task (failurecard.go)
}

type liveStage struct {
	info   wire.Stage
	jobIDs []int
}

func newLiveApp(appID string) *liveApp {
	return &liveApp{
		info:      wire.App{AppID: appID, State: wire.AppRunning, Source: wire.SourceLive},
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
		a.appStart(e)
	case *event.AppEnd:
		a.appEnd(e)
	case *Restored:
		a.restored(e)
	case *DriverLost:
		a.driverLost(e)
	case *Disconnected:
		a.disconnected()
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
	case *event.ExecutorAdded:
		a.executorAdded(e)
	case *event.ExecutorRemoved:
		a.executorRemoved(e)
	case *event.Stats:
		a.info.DroppedEvents = e.Dropped
		a.dirty = true
	case *event.Resync:
		a.resync(e)
	default:
		a.applySQLAndMore(ev)
	}
}

// applySQLAndMore applies the events beside Spark's core scheduler events: SQL executions and their plans, driver log
// lines and Structured Streaming queries.
func (a *liveApp) applySQLAndMore(ev event.Event) {
	switch e := ev.(type) {
	case *event.SQLStart:
		a.sqlStart(e)
	case *event.SQLEnd:
		a.sqlEnd(e)
	case *event.SQLPlan:
		a.sqlPlan(e)
	case *event.LogLine:
		a.logs.add(a.info.AppID, e)
	case *event.StreamStart, *event.StreamProgress, *event.StreamEnd:
		a.streamEvent(e)
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
		i.Source = wire.SourceLive
		a.revive()
		if i.State != wire.AppFinished {
			i.State = wire.AppRunning
		}
	}
	a.dirty = true
}

// appStart takes the application's name, user and start time; an empty or zero one keeps what the hello said.
func (a *liveApp) appStart(e *event.AppStart) {
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
}

func (a *liveApp) appEnd(e *event.AppEnd) {
	a.info.State = wire.AppFinished
	t := e.Time
	a.info.EndTime = &t
	a.endRunningJobs(t, "because SparkContext was shut down")
	a.dirty = true
}

func (a *liveApp) restored(e *Restored) {
	a.replaying = !e.Done
	if !e.Done {
		a.info.Source, a.info.State = e.Source, wire.AppDisconnected
	}
	a.dirty = true
}

func (a *liveApp) disconnected() {
	if a.info.State == wire.AppRunning {
		a.info.State = wire.AppDisconnected
		a.dirty = true
	}
}

func (a *liveApp) executorAdded(e *event.ExecutorAdded) {
	a.addExecutor(e.ExecutorID, e.Cores)
	a.laneAdded(e)
	a.dirty = true
}

func (a *liveApp) executorRemoved(e *event.ExecutorRemoved) {
	delete(a.executors, e.ExecutorID)
	a.laneRemoved(e)
	a.dirty = true
}

func (a *liveApp) jobStart(e *event.JobStart) {
	cell, byRun := jobCell(e)
	stream := e.StreamQueryID != nil && *e.StreamQueryID != ""
	if stream { // a micro-batch's job: its query's panel stands for it, under no cell
		cell, byRun = nil, false
		a.streamJob(*e.StreamQueryID, e.CellID)
	}
	j := &liveJob{
		cellByRun: byRun,
		byTime:    cell == nil && !connectOperation(e) && !stream,
		info: wire.Job{
			AppID: a.info.AppID, JobID: e.JobID, Name: e.Name, Description: e.Description, JobGroup: e.JobGroup,
			CellID: cell, KernelID: e.KernelID, NotebookPath: e.NotebookPath, SQLExecutionID: e.SQLExecutionID,
			Status: wire.JobRunning, SubmissionTime: e.Time, StreamQueryID: deref(e.StreamQueryID),
			NumStages: len(e.Stages), CellLine: cellLine(e),
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
	a.sqlLineFromJob(&j.info)
	a.dirty = true
}

// stageFor returns the live stage attempt, creating it PENDING unless it is already pending or running for another job.
func (a *liveApp) stageFor(id, attempt int, name string, numTasks int) *liveStage {
	k := stageKey{id, attempt}
	if st, ok := a.stages[k]; ok && (st.info.Status == wire.StagePending || st.info.Status == wire.StageActive) {
		return st
	}
	st := &liveStage{info: wire.Stage{StageID: id, AttemptID: attempt, Name: name, Status: wire.StagePending, NumTasks: numTasks}}
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
	j.info.Status = wire.JobSucceeded
	if e.Result != wire.JobSucceeded {
		j.info.Status = failedStatus(e.Error)
	}
	t := e.Time
	j.info.CompletionTime, j.info.Error = &t, e.Error
	if j.info.Status != wire.JobSucceeded {
		j.info.FailureCard = a.failureCard(j)
	}
	for _, id := range j.stageIDs {
		st := a.stages[stageKey{id, a.latest[id]}]
		if st != nil && st.info.Status == wire.StagePending {
			st.info.Status = wire.StageSkipped
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
	st.info.Status, st.info.SubmissionTime, st.info.NumTasks, st.info.Name = wire.StageActive, &t, e.NumTasks, e.Name
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
	wasFailed := st.info.Status == wire.StageFailed // a resync may have said so already
	st.info.CompletionTime, st.info.FailureReason = &t, e.FailureReason
	st.info.Status = wire.StageComplete
	if e.Status != wire.StageComplete {
		st.info.Status = wire.StageFailed
	}
	a.eachJob(st, func(j *liveJob) {
		if st.info.Status == wire.StageComplete {
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
		addMetrics(&s.StageMetrics, e.Metrics)
	}
	a.taskEnded(e, st)
	a.eachJob(st, func(j *liveJob) {
		ji := &j.info
		count(&ji.NumActiveTasks, &ji.NumCompletedTasks, &ji.NumFailedTasks, &ji.NumKilledTasks)
		if e.Status == "FAILED" && e.Reason != nil {
			ji.Failures = addFailure(ji.Failures, *e.Reason)
			j.lastFailed = e
		}
	})
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

// endRunningJobs ends the jobs still RUNNING when the application can run none any more, as Spark does at
// SparkContext.stop: "Job <id> cancelled <why>" (so they show CANCELLED), their active stages FAILED. Spark posts
// those job ends after the application end, and the listener stops sending at the application end (or its JVM is
// gone), so the monitor would otherwise show them running forever.
func (a *liveApp) endRunningJobs(t int64, why string) {
	a.endStreams(t)
	for _, id := range a.order {
		j := a.jobs[id]
		if j == nil || j.info.Status != wire.JobRunning {
			continue
		}
		for _, sid := range j.stageIDs {
			if st := a.stages[stageKey{sid, a.latest[sid]}]; st != nil && st.info.Status == wire.StageActive {
				reason := "Stage cancelled " + why
				st.info.Status, st.info.CompletionTime, st.info.FailureReason, st.info.NumActiveTasks = wire.StageFailed, &t, &reason, 0
				a.eachJob(st, func(j *liveJob) { j.info.NumFailedStages++ })
			}
		}
		msg := fmt.Sprintf("Job %d cancelled %s", id, why)
		a.jobEnd(&event.JobEnd{Header: event.Header{Time: t}, JobID: id, Result: wire.JobFailed, Error: &msg})
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
