package history

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Spark's event names (JsonProtocol's "Event" field). SQL events are serialized by Jackson under their class name.
const (
	evLogStart        = "SparkListenerLogStart"
	evAppStart        = "SparkListenerApplicationStart"
	evAppEnd          = "SparkListenerApplicationEnd"
	evEnvUpdate       = "SparkListenerEnvironmentUpdate"
	evExecutorAdded   = "SparkListenerExecutorAdded"
	evExecutorRemoved = "SparkListenerExecutorRemoved"
	evJobStart        = "SparkListenerJobStart"
	evJobEnd          = "SparkListenerJobEnd"
	evStageSubmitted  = "SparkListenerStageSubmitted"
	evStageCompleted  = "SparkListenerStageCompleted"
	evTaskStart       = "SparkListenerTaskStart"
	evTaskEnd         = "SparkListenerTaskEnd"
	evSQLStart        = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart"
	evSQLEnd          = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd"
)

// Property keys: Spark's job properties, and ours (the cell id, and the notebook in the environment update).
const (
	propCellID       = "sparkmonitor.cellId"
	propRunningCell  = "sparkmonitor.runningCell" // the cell the kernel was running (event.JobStart.RunningCell)
	propKernelID     = "sparkmonitor.kernelId"
	propNotebookPath = "sparkmonitor.notebookPath"
	propDescription  = "spark.job.description"
	propJobGroup     = "spark.jobGroup.id"
	propJobTags      = "spark.job.tags"
	propSQLExecution = "spark.sql.execution.id"
	propCallSite     = "callSite.short"
)

type stageKey struct{ id, attempt int }

type stageRec struct {
	name      string
	numTasks  int
	parents   []int
	submitted int64 // 0: not submitted in this log
	done      bool
}

// encoder turns one application's listener events into Spark event-log lines. It remembers what Spark's events
// carry and ours do not (a stage's name and submission time at its completion, which stage of a job gives its result
// tasks) and what the log already holds (to write a resync's jobs once). Not safe for concurrent use.
type encoder struct {
	started bool // the log start and application start are written
	jobs    map[int]bool
	stages  map[stageKey]*stageRec
	result  map[int]bool // stage ids that are a job's result stage (their tasks are ResultTasks)
}

func newEncoder() *encoder {
	return &encoder{jobs: map[int]bool{}, stages: map[stageKey]*stageRec{}, result: map[int]bool{}}
}

// encode appends the event's lines (none, one or several, each ending in '\n') to b.
func (e *encoder) encode(b []byte, ev event.Event) []byte {
	switch x := ev.(type) {
	case *event.Hello:
		return e.hello(b, x)
	case *event.AppEnd:
		return append(kvInt(begin(b, evAppEnd), "Timestamp", x.Time), "}\n"...)
	case *event.ExecutorAdded:
		return executorAdded(b, x)
	case *event.ExecutorRemoved:
		b = kvInt(begin(b, evExecutorRemoved), "Timestamp", x.Time)
		b = kvStr(kvStr(b, "Executor ID", x.ExecutorID), "Removed Reason", x.Reason)
		return append(b, "}\n"...)
	case *event.JobStart:
		return e.jobStart(b, x)
	case *event.JobEnd:
		return e.jobEnd(b, x)
	case *event.StageSubmitted:
		return e.stageSubmitted(b, x)
	case *event.StageCompleted:
		return e.stageCompleted(b, x)
	case *event.TaskStart:
		b = kvInt(kvInt(begin(b, evTaskStart), "Stage ID", int64(x.StageID)), "Stage Attempt ID", int64(x.StageAttemptID))
		b = taskInfo(key(b, "Task Info"), x.TaskID, x.Index, x.Attempt, x.Time, 0, x.ExecutorID, x.Host, x.Speculative, "")
		return append(b, "}\n"...)
	case *event.TaskEnd:
		return e.taskEnd(b, x)
	case *event.SQLStart:
		return sqlStart(b, x)
	case *event.SQLEnd:
		b = kvInt(kvInt(begin(b, evSQLEnd), "executionId", x.ExecutionID), "time", x.Time)
		if x.Error != nil {
			b = kvStr(b, "errorMessage", *x.Error)
		}
		return append(b, "}\n"...)
	case *event.Resync:
		return e.resync(b, x)
	case *state.DriverLost:
		return driverLost(b, x)
	}
	return b // appStart (written from the hello), stats, disconnects, unknown frames
}

// hello writes the log's header the first time: Spark's log start, the application start and an environment update
// that carries what the monitor knows of the application (master, kernel, notebook). A reconnect's hello writes
// nothing.
func (e *encoder) hello(b []byte, h *event.Hello) []byte {
	if e.started {
		return b
	}
	e.started = true
	b = append(kvStr(begin(b, evLogStart), "Spark Version", h.SparkVersion), "}\n"...)
	b = kvStr(begin(b, evAppStart), "App Name", h.AppName)
	b = kvStr(b, "App ID", h.AppID)
	b = kvInt(b, "Timestamp", h.StartTime)
	b = kvStr(b, "User", h.SparkUser)
	if h.AttemptID != nil && *h.AttemptID != "" {
		b = kvStr(b, "App Attempt ID", *h.AttemptID)
	}
	b = append(b, "}\n"...)
	b = appendProps(key(begin(b, evEnvUpdate), "JVM Information"), "Scala Version", "version "+h.ScalaVersion)
	b = appendProps(key(b, "Spark Properties"),
		"spark.app.id", h.AppID, "spark.app.name", h.AppName, "spark.master", h.Master,
		"spark.app.startTime", strconv.FormatInt(h.StartTime, 10),
		propKernelID, h.KernelID, propNotebookPath, h.NotebookPath)
	b = append(b, `,"Hadoop Properties":{},"System Properties":{},"Metrics Properties":{},"Classpath Entries":{}}`+"\n"...)
	return b
}

func executorAdded(b []byte, x *event.ExecutorAdded) []byte {
	b = kvStr(kvInt(begin(b, evExecutorAdded), "Timestamp", x.Time), "Executor ID", x.ExecutorID)
	b = appendStr(append(key(b, "Executor Info"), `{"Host":`...), x.Host)
	b = kvInt(b, "Total Cores", int64(x.Cores))
	return append(b, `,"Log Urls":{},"Attributes":{},"Resources":{},"Resource Profile Id":0}}`+"\n"...)
}

// stageInfo appends Spark's StageInfo object.
func stageInfo(b []byte, id, attempt int, r *stageRec, completion int64, failure *string) []byte {
	b = strconv.AppendInt(append(b, `{"Stage ID":`...), int64(id), 10)
	b = kvInt(b, "Stage Attempt ID", int64(attempt))
	b = kvStr(b, "Stage Name", r.name)
	b = kvInt(b, "Number of Tasks", int64(r.numTasks))
	b = append(key(b, "RDD Info"), "[]"...)
	b = appendInts(key(b, "Parent IDs"), r.parents)
	b = kvStr(b, "Details", "")
	if r.submitted > 0 {
		b = kvInt(b, "Submission Time", r.submitted)
	}
	if completion > 0 {
		b = kvInt(b, "Completion Time", completion)
	}
	if failure != nil {
		b = kvStr(b, "Failure Reason", *failure)
	}
	return append(b, `,"Accumulables":[],"Resource Profile Id":0}`...)
}

func (e *encoder) stage(id, attempt int) *stageRec {
	k := stageKey{id, attempt}
	r := e.stages[k]
	if r == nil {
		r = &stageRec{}
		e.stages[k] = r
	}
	return r
}

func (e *encoder) jobStart(b []byte, x *event.JobStart) []byte {
	e.jobs[x.JobID] = false
	b = kvInt(kvInt(begin(b, evJobStart), "Job ID", int64(x.JobID)), "Submission Time", x.Time)
	b = append(key(b, "Stage Infos"), '[')
	ids := make([]int, 0, len(x.Stages))
	last := -1
	for i, s := range x.Stages {
		if i > 0 {
			b = append(b, ',')
		}
		if r := e.stage(s.StageID, s.AttemptID); r.name == "" {
			r.name, r.numTasks, r.parents = s.Name, s.NumTasks, s.ParentIDs
		}
		var done int64
		if s.CompletionTime != nil {
			done = *s.CompletionTime
		}
		b = stageInfo(b, s.StageID, s.AttemptID, &stageRec{name: s.Name, numTasks: s.NumTasks, parents: s.ParentIDs}, done, nil)
		ids = append(ids, s.StageID)
		last = max(last, s.StageID)
	}
	b = append(b, ']')
	b = appendInts(key(b, "Stage IDs"), ids)
	if last >= 0 {
		e.result[last] = true
	}
	props := []string{propCallSite, x.Name}
	if x.Description != nil {
		props = append(props, propDescription, *x.Description)
	}
	if x.JobGroup != nil {
		props = append(props, propJobGroup, *x.JobGroup)
	}
	if len(x.JobTags) > 0 {
		props = append(props, propJobTags, strings.Join(x.JobTags, ","))
	}
	if x.CellID != nil {
		props = append(props, propCellID, *x.CellID)
	}
	if x.RunningCell != nil {
		props = append(props, propRunningCell, *x.RunningCell)
	}
	if x.SQLExecutionID != nil {
		props = append(props, propSQLExecution, strconv.FormatInt(*x.SQLExecutionID, 10))
	}
	b = appendProps(key(b, "Properties"), props...)
	return append(b, "}\n"...)
}

func (e *encoder) jobEnd(b []byte, x *event.JobEnd) []byte {
	e.jobs[x.JobID] = true
	b = kvInt(kvInt(begin(b, evJobEnd), "Job ID", int64(x.JobID)), "Completion Time", x.Time)
	if x.Result == state.JobSucceeded {
		b = append(b, `,"Job Result":{"Result":"JobSucceeded"}`...)
	} else {
		msg := ""
		if x.Error != nil {
			msg = *x.Error
		}
		b = appendStr(append(b, `,"Job Result":{"Result":"JobFailed","Exception":{"Message":`...), msg)
		b = append(b, `,"Stack Trace":[]}}`...)
	}
	return append(b, "}\n"...)
}

func (e *encoder) stageSubmitted(b []byte, x *event.StageSubmitted) []byte {
	r := e.stage(x.StageID, x.AttemptID)
	r.name, r.numTasks, r.parents, r.submitted, r.done = x.Name, x.NumTasks, x.ParentIDs, x.Time, false
	b = stageInfo(key(begin(b, evStageSubmitted), "Stage Info"), x.StageID, x.AttemptID, r, 0, nil)
	return append(b, `,"Properties":{}}`+"\n"...)
}

func (e *encoder) stageCompleted(b []byte, x *event.StageCompleted) []byte {
	r := e.stage(x.StageID, x.AttemptID)
	r.done = true
	if x.NumTasks > 0 {
		r.numTasks = x.NumTasks
	}
	var failure *string
	if x.Status != state.StageComplete {
		f := ""
		if x.FailureReason != nil {
			f = *x.FailureReason
		}
		failure = &f
	}
	b = stageInfo(key(begin(b, evStageCompleted), "Stage Info"), x.StageID, x.AttemptID, r, x.Time, failure)
	e.prune()
	return append(b, "}\n"...)
}

// taskInfo appends Spark's TaskInfo object (finish 0: running).
func taskInfo(b []byte, id int64, index, attempt int, launch, finish int64, exec, host string, spec bool, status string) []byte {
	b = strconv.AppendInt(append(b, `{"Task ID":`...), id, 10)
	b = kvInt(b, "Index", int64(index))
	b = kvInt(b, "Attempt", int64(attempt))
	b = kvInt(b, "Partition ID", int64(index))
	b = kvInt(b, "Launch Time", launch)
	b = kvStr(b, "Executor ID", exec)
	b = kvStr(b, "Host", host)
	b = append(b, `,"Locality":"PROCESS_LOCAL"`...)
	b = kvBool(b, "Speculative", spec)
	b = append(b, `,"Getting Result Time":0`...)
	b = kvInt(b, "Finish Time", finish)
	b = kvBool(b, "Failed", status == "FAILED")
	b = kvBool(b, "Killed", status == "KILLED")
	return append(b, `,"Accumulables":[]}`...)
}

func (e *encoder) taskEnd(b []byte, x *event.TaskEnd) []byte {
	b = kvInt(kvInt(begin(b, evTaskEnd), "Stage ID", int64(x.StageID)), "Stage Attempt ID", int64(x.StageAttemptID))
	if e.result[x.StageID] {
		b = append(b, `,"Task Type":"ResultTask"`...)
	} else {
		b = append(b, `,"Task Type":"ShuffleMapTask"`...)
	}
	b = taskEndReason(key(b, "Task End Reason"), x.Status, x.Reason)
	b = taskInfo(key(b, "Task Info"), x.TaskID, x.Index, x.Attempt, x.LaunchTime, x.Time, x.ExecutorID, x.Host, false, x.Status)
	if m := x.Metrics; m != nil {
		b = taskMetrics(key(b, "Task Metrics"), m)
	}
	return append(b, "}\n"...)
}

// taskEndReason appends Spark's TaskEndReason: Success, TaskKilled, or an ExceptionFailure whose full stack trace is
// the listener's reason (Spark's toErrorString of the failure, which is what Spark shows for it).
func taskEndReason(b []byte, status string, reason *string) []byte {
	r := ""
	if reason != nil {
		r = *reason
	}
	switch status {
	case "SUCCESS":
		return append(b, `{"Reason":"Success"}`...)
	case "KILLED":
		if in, ok := strings.CutPrefix(r, "TaskKilled ("); ok { // Spark's toErrorString of a TaskKilled
			r = strings.TrimSuffix(in, ")")
		}
		b = appendStr(append(b, `{"Reason":"TaskKilled","Kill Reason":`...), r)
		return append(b, `,"Accumulator Updates":[]}`...)
	}
	first, _, _ := strings.Cut(r, "\n")
	class, desc, found := strings.Cut(first, ": ")
	if !found || strings.ContainsAny(class, " \t") {
		class, desc = "", first
	}
	b = appendStr(append(b, `{"Reason":"ExceptionFailure","Class Name":`...), class)
	b = kvStr(b, "Description", desc)
	b = append(b, `,"Stack Trace":[]`...)
	b = kvStr(b, "Full Stack Trace", r)
	return append(b, `,"Accumulator Updates":[]}`...)
}

func taskMetrics(b []byte, m *event.TaskMetrics) []byte {
	b = append(b, `{"Executor Deserialize Time":0,"Executor Deserialize CPU Time":0`...)
	b = kvInt(b, "Executor Run Time", m.ExecutorRunTime)
	b = kvInt(b, "Executor CPU Time", m.ExecutorCPUTime)
	b = append(b, `,"Peak Execution Memory":0`...)
	b = kvInt(b, "Result Size", m.ResultSize)
	b = kvInt(b, "JVM GC Time", m.JVMGCTime)
	b = append(b, `,"Result Serialization Time":0`...)
	b = kvInt(b, "Memory Bytes Spilled", m.MemoryBytesSpilled)
	b = kvInt(b, "Disk Bytes Spilled", m.DiskBytesSpilled)
	b = append(b, `,"Shuffle Read Metrics":{"Remote Blocks Fetched":0,"Local Blocks Fetched":0,"Fetch Wait Time":0`...)
	b = kvInt(b, "Remote Bytes Read", m.ShuffleReadBytes)
	b = append(b, `,"Remote Bytes Read To Disk":0,"Local Bytes Read":0`...)
	b = kvInt(b, "Total Records Read", m.ShuffleReadRecords)
	b = strconv.AppendInt(append(b, `},"Shuffle Write Metrics":{"Shuffle Bytes Written":`...), m.ShuffleWriteBytes, 10)
	b = append(b, `,"Shuffle Write Time":0`...)
	b = kvInt(b, "Shuffle Records Written", m.ShuffleWriteRecords)
	b = strconv.AppendInt(append(b, `},"Input Metrics":{"Bytes Read":`...), m.InputBytes, 10)
	b = kvInt(b, "Records Read", m.InputRecords)
	b = strconv.AppendInt(append(b, `},"Output Metrics":{"Bytes Written":`...), m.OutputBytes, 10)
	b = kvInt(b, "Records Written", m.OutputRecords)
	return append(b, `},"Updated Blocks":[]}`...)
}

func sqlStart(b []byte, x *event.SQLStart) []byte {
	b = kvInt(begin(b, evSQLStart), "executionId", x.ExecutionID)
	if x.RootExecutionID != nil {
		b = kvInt(b, "rootExecutionId", *x.RootExecutionID)
	}
	b = kvStr(b, "description", x.Description)
	b = append(b, `,"details":"","physicalPlanDescription":"",`+
		`"sparkPlanInfo":{"nodeName":"","simpleString":"","children":[],"metadata":{},"metrics":[]}`...)
	b = kvInt(b, "time", x.Time)
	return append(b, `,"modifiedConfigs":{},"jobTags":[]}`+"\n"...)
}

// resync writes what a reconnected listener reports that the log lacks: the jobs it never saw start or end, the
// stage attempts it never saw submitted or completed, and the stages' task counts (evStageCounts: the tasks that
// ended while the monitor was down have no line of their own).
func (e *encoder) resync(b []byte, x *event.Resync) []byte {
	starts := make([]*event.JobStart, 0, len(x.Jobs)+len(x.FinishedJobs))
	for i := range x.Jobs {
		starts = append(starts, &x.Jobs[i])
	}
	for i := range x.FinishedJobs {
		starts = append(starts, &x.FinishedJobs[i].JobStart)
	}
	slices.SortFunc(starts, func(p, q *event.JobStart) int { return p.JobID - q.JobID })
	for _, js := range starts {
		if _, known := e.jobs[js.JobID]; !known {
			b = e.jobStart(b, js)
		}
	}
	for _, rs := range x.Stages {
		r := e.stage(rs.StageID, rs.AttemptID)
		if r.name == "" {
			r.name, r.numTasks = rs.Name, rs.NumTasks
		}
		if r.submitted == 0 && !r.done {
			at := x.Time
			if rs.CompletionTime != nil {
				at = *rs.CompletionTime
			}
			b = e.stageSubmitted(b, &event.StageSubmitted{Header: event.Header{Time: at}, StageID: rs.StageID,
				AttemptID: rs.AttemptID, Name: r.name, NumTasks: r.numTasks, ParentIDs: r.parents})
		}
		if rs.Status != state.StageActive && rs.CompletionTime != nil && !r.done {
			b = e.stageCompleted(b, &event.StageCompleted{Header: event.Header{Time: *rs.CompletionTime},
				StageID: rs.StageID, AttemptID: rs.AttemptID, Status: rs.Status, NumTasks: rs.NumTasks})
		}
	}
	b = stageCounts(b, x) // the tasks that ended while the monitor was down are in no other line
	for i := range x.FinishedJobs {
		if fj := &x.FinishedJobs[i]; !e.jobs[fj.JobID] {
			b = e.jobEnd(b, &event.JobEnd{Header: event.Header{Time: fj.CompletionTime}, JobID: fj.JobID,
				Result: fj.Result, Error: fj.Error})
		}
	}
	for i := range x.Executors {
		b = executorAdded(b, &x.Executors[i])
	}
	for i := range x.SQLExecutions {
		b = sqlStart(b, &x.SQLExecutions[i])
	}
	return b
}

// maxStageRecs bounds what an encoder remembers of stage attempts; beyond it the completed ones are forgotten (a
// later resync may then write one's completion again, which changes no count).
const maxStageRecs = 20_000

func (e *encoder) prune() {
	if len(e.stages) <= maxStageRecs {
		return
	}
	for k, r := range e.stages {
		if r.done {
			delete(e.stages, k)
		}
	}
}
