package history

import (
	"bytes"
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
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
	propStreamQuery  = "sql.streaming.queryId" // Spark's own: the streaming query whose micro-batch ran the job
	propCallSite     = "callSite.short"
)

// encoder turns one application's listener events into Spark event-log lines (sparkjson.go's structs, through
// encoding/json). It remembers what Spark's events carry and ours do not, and what the log already holds, within
// bounds (memory.go). Not safe for concurrent use.
type encoder struct {
	started bool // the log start and application start are written
	memory
	out  bytes.Buffer
	js   *json.Encoder // writes to out
	task taskScratch
}

// taskScratch holds a task event's line while it is written: task events are most of a log, and filling these
// instead of new ones saves the writer four allocations per line.
type taskScratch struct {
	ev      sparkTaskEvent
	info    sparkTask
	metrics sparkMetrics
}

// successReason is the end reason of every successful task (never changed).
var successReason = sparkReason{Reason: "Success"}

// newEncoder returns an encoder that remembers at most maxJobs jobs and state.MaxStageAttempts(maxJobs) stage
// attempts, as the live state keeps (≤ 0: state.DefaultMaxJobsPerApp).
func newEncoder(maxJobs int) *encoder {
	e := &encoder{memory: newMemory(maxJobs)}
	e.js = json.NewEncoder(&e.out)
	e.js.SetEscapeHTML(false) // as Spark writes its logs
	return e
}

// encode appends the event's lines (none, one or several, each ending in '\n') to b.
func (e *encoder) encode(b []byte, ev event.Event) []byte {
	e.out.Reset()
	e.event(ev)
	b = append(b, e.out.Bytes()...)
	if e.out.Cap() > maxKeptBuffer { // a large resync's lines are not kept for the application's lifetime
		e.out = bytes.Buffer{}
	}
	return b
}

// maxKeptBuffer bounds the line buffer an encoder keeps between events (the recorder keeps up to maxIdle encoders of
// disconnected applications).
const maxKeptBuffer = 64 << 10

// write appends one line.
func (e *encoder) write(line any) {
	_ = e.js.Encode(line) // plain types and the empty members' constants: it cannot fail
}

func (e *encoder) event(ev event.Event) {
	switch x := ev.(type) {
	case *event.Hello:
		e.hello(x)
	case *event.AppEnd:
		e.write(&sparkTimestamped{Event: evAppEnd, Timestamp: x.Time})
	case *event.ExecutorAdded:
		e.executorAdded(x)
	case *event.ExecutorRemoved:
		e.write(&sparkExecutorRemoved{Event: evExecutorRemoved, Timestamp: x.Time, ExecutorID: x.ExecutorID,
			RemovedReason: x.Reason})
	case *event.JobStart:
		e.jobStart(x)
	case *event.JobEnd:
		e.jobEnd(x)
	case *event.StageSubmitted:
		e.stageSubmitted(x)
	case *event.StageCompleted:
		e.stageCompleted(x)
	case *event.TaskStart:
		e.taskStart(x)
	case *event.TaskEnd:
		e.taskEnd(x)
	case *event.SQLStart:
		e.sqlStart(x)
	case *event.SQLEnd:
		e.write(&sparkSQLEnd{Event: evSQLEnd, ExecutionID: &x.ExecutionID, Time: x.Time, ErrorMessage: x.Error})
	case *event.Resync:
		e.resync(x)
	case *state.DriverLost:
		e.write(&sparkTimestamped{Event: evDriverLost, Timestamp: x.Time})
	}
	// appStart (written from the hello), stats, disconnects, unknown frames: nothing
}

// hello writes the log's header the first time: Spark's log start, the application start and an environment update
// that carries what the monitor knows of the application (master, kernel, notebook). A reconnect's hello writes
// nothing.
func (e *encoder) hello(h *event.Hello) {
	if e.started {
		return
	}
	e.started = true
	e.write(&sparkLogStart{Event: evLogStart, SparkVersion: h.SparkVersion})
	as := &sparkAppStart{Event: evAppStart, AppName: h.AppName, AppID: h.AppID, Timestamp: h.StartTime,
		User: h.SparkUser}
	if h.AttemptID != nil && *h.AttemptID != "" {
		as.AttemptID = h.AttemptID
	}
	e.write(as)
	e.write(&sparkEnvUpdate{Event: evEnvUpdate, JVMInformation: map[string]string{"Scala Version": "version " + h.ScalaVersion},
		SparkProperties: map[string]string{"spark.app.id": h.AppID, "spark.app.name": h.AppName, "spark.master": h.Master,
			"spark.app.startTime": strconv.FormatInt(h.StartTime, 10), propKernelID: h.KernelID,
			propNotebookPath: h.NotebookPath}})
}

func (e *encoder) executorAdded(x *event.ExecutorAdded) {
	e.write(&sparkExecutorAdded{Event: evExecutorAdded, Timestamp: x.Time, ExecutorID: x.ExecutorID,
		Info: &sparkExecutorInfo{Host: x.Host, TotalCores: x.Cores}})
}

// stageInfo returns Spark's StageInfo of a stage attempt (times 0: not known).
func stageInfo(id, attempt int, r *stageRec, submitted, completed int64, failure *string) *sparkStage {
	s := &sparkStage{StageID: &id, AttemptID: attempt, Name: r.name, NumTasks: r.numTasks,
		ParentIDs: orEmpty(r.parents), FailureReason: failure}
	if submitted > 0 {
		s.SubmissionTime = &submitted
	}
	if completed > 0 {
		s.CompletionTime = &completed
	}
	return s
}

// orEmpty returns ids, or an empty list for nil (Spark reads a list, not null).
func orEmpty(ids []int) []int {
	if ids == nil {
		return []int{}
	}
	return ids
}

func (e *encoder) jobStart(x *event.JobStart) {
	js := &sparkJobStart{Event: evJobStart, JobID: &x.JobID, SubmissionTime: x.Time,
		StageInfos: make([]sparkStage, 0, len(x.Stages)), StageIDs: make([]int, 0, len(x.Stages)),
		Properties: jobProperties(x)}
	last := -1
	for _, s := range x.Stages {
		if r := e.stage(s.StageID, s.AttemptID); r.name == "" {
			r.name, r.numTasks, r.parents = s.Name, s.NumTasks, s.ParentIDs
		}
		var done int64
		if s.CompletionTime != nil {
			done = *s.CompletionTime
		}
		js.StageInfos = append(js.StageInfos,
			*stageInfo(s.StageID, s.AttemptID, &stageRec{name: s.Name, numTasks: s.NumTasks, parents: s.ParentIDs}, 0, done, nil))
		js.StageIDs = append(js.StageIDs, s.StageID)
		last = max(last, s.StageID)
	}
	e.jobStarted(x.JobID, last)
	e.write(js)
}

// jobProperties are the job's Spark properties: what the listener read of them, and the cell ids.
func jobProperties(x *event.JobStart) map[string]string {
	p := map[string]string{propCallSite: x.Name}
	set := func(k string, v *string) {
		if v != nil {
			p[k] = *v
		}
	}
	set(propDescription, x.Description)
	set(propJobGroup, x.JobGroup)
	set(propCellID, x.CellID)
	set(propRunningCell, x.RunningCell)
	if len(x.JobTags) > 0 {
		p[propJobTags] = strings.Join(x.JobTags, ",")
	}
	if x.SQLExecutionID != nil {
		p[propSQLExecution] = strconv.FormatInt(*x.SQLExecutionID, 10)
	}
	if x.StreamQueryID != nil {
		p[propStreamQuery] = *x.StreamQueryID
	}
	if x.CellLine != nil && x.CellLineText != nil {
		p[event.CellLineProperty] = event.FormatCellLine(*x.CellLine, *x.CellLineText)
	}
	return p
}

func (e *encoder) jobEnd(x *event.JobEnd) {
	e.jobEnded(x.JobID)
	je := &sparkJobEnd{Event: evJobEnd, JobID: &x.JobID, CompletionTime: x.Time,
		JobResult: &sparkJobResult{Result: "JobSucceeded"}}
	if x.Result != wire.JobSucceeded {
		msg := ""
		if x.Error != nil {
			msg = *x.Error
		}
		je.JobResult = &sparkJobResult{Result: "JobFailed", Exception: &sparkException{Message: msg}}
	}
	e.write(je)
}

func (e *encoder) stageSubmitted(x *event.StageSubmitted) {
	r := e.stage(x.StageID, x.AttemptID)
	r.name, r.numTasks, r.parents, r.submitted, r.done = x.Name, x.NumTasks, x.ParentIDs, x.Time, false
	e.write(&sparkStageEvent{Event: evStageSubmitted, StageInfo: stageInfo(x.StageID, x.AttemptID, r, r.submitted, 0, nil),
		Properties: &emptyObject{}})
}

func (e *encoder) stageCompleted(x *event.StageCompleted) {
	r := e.stage(x.StageID, x.AttemptID)
	r.done = true
	if x.NumTasks > 0 {
		r.numTasks = x.NumTasks
	}
	var failure *string
	if x.Status != wire.StageComplete {
		f := ""
		if x.FailureReason != nil {
			f = *x.FailureReason
		}
		failure = &f
	}
	e.write(&sparkStageEvent{Event: evStageCompleted, StageInfo: stageInfo(x.StageID, x.AttemptID, r, r.submitted, x.Time, failure)})
}

func (e *encoder) taskStart(x *event.TaskStart) {
	t := &e.task
	t.info = sparkTask{TaskID: x.TaskID, Index: x.Index, Attempt: x.Attempt, PartitionID: x.Index,
		LaunchTime: x.Time, ExecutorID: x.ExecutorID, Host: x.Host, Locality: "PROCESS_LOCAL", Speculative: x.Speculative}
	t.ev = sparkTaskEvent{Event: evTaskStart, StageID: &x.StageID, StageAttemptID: x.StageAttemptID, TaskInfo: &t.info}
	e.write(&t.ev)
}

func (e *encoder) taskEnd(x *event.TaskEnd) {
	t := &e.task
	t.info = sparkTask{TaskID: x.TaskID, Index: x.Index, Attempt: x.Attempt, PartitionID: x.Index,
		LaunchTime: x.LaunchTime, ExecutorID: x.ExecutorID, Host: x.Host, Locality: "PROCESS_LOCAL",
		FinishTime: x.Time, Failed: x.Status == "FAILED", Killed: x.Status == "KILLED"}
	t.ev = sparkTaskEvent{Event: evTaskEnd, StageID: &x.StageID, StageAttemptID: x.StageAttemptID,
		TaskType: "ShuffleMapTask", Reason: taskEndReason(x.Status, x.Reason), TaskInfo: &t.info}
	if e.isResultStage(x.StageID) {
		t.ev.TaskType = "ResultTask"
	}
	if m := x.Metrics; m != nil {
		t.metrics = sparkMetrics{ExecutorRunTime: m.ExecutorRunTime, ExecutorCPUTime: m.ExecutorCPUTime,
			ResultSize: m.ResultSize, JVMGCTime: m.JVMGCTime, MemoryBytesSpilled: m.MemoryBytesSpilled,
			DiskBytesSpilled: m.DiskBytesSpilled,
			ShuffleRead:      sparkShuffleRead{RemoteBytesRead: m.ShuffleReadBytes, TotalRecordsRead: m.ShuffleReadRecords},
			ShuffleWrite:     sparkShuffleWrite{BytesWritten: m.ShuffleWriteBytes, RecordsWritten: m.ShuffleWriteRecords},
			Input:            sparkInput{BytesRead: m.InputBytes, RecordsRead: m.InputRecords},
			Output:           sparkOutput{BytesWritten: m.OutputBytes, RecordsWritten: m.OutputRecords}}
		t.ev.Metrics = &t.metrics
	}
	e.write(&t.ev)
}

// taskEndReason returns Spark's TaskEndReason: Success, TaskKilled, or an ExceptionFailure whose full stack trace is
// the listener's reason (Spark's toErrorString of the failure, which is what Spark shows for it).
func taskEndReason(status string, reason *string) *sparkReason {
	r := ""
	if reason != nil {
		r = *reason
	}
	switch status {
	case "SUCCESS":
		return &successReason
	case "KILLED":
		if in, ok := strings.CutPrefix(r, "TaskKilled ("); ok { // Spark's toErrorString of a TaskKilled
			r = strings.TrimSuffix(in, ")")
		}
		return &sparkReason{Reason: "TaskKilled", KillReason: &r, AccumulatorUpdates: &emptyArray{}}
	}
	first, _, _ := strings.Cut(r, "\n")
	class, desc, found := strings.Cut(first, ": ")
	if !found || strings.ContainsAny(class, " \t") {
		class, desc = "", first
	}
	return &sparkReason{Reason: "ExceptionFailure", ClassName: &class, Description: &desc, StackTrace: &emptyArray{},
		FullStackTrace: &r, AccumulatorUpdates: &emptyArray{}}
}

func (e *encoder) sqlStart(x *event.SQLStart) {
	e.write(&sparkSQLStart{Event: evSQLStart, ExecutionID: &x.ExecutionID, RootExecutionID: x.RootExecutionID,
		Description: x.Description, Time: x.Time})
}

// resync writes what a reconnected listener reports that the log lacks: the jobs it never saw start or end, the
// stage attempts it never saw submitted or completed, and the stages' task counts (evStageCounts: the tasks that
// ended while the monitor was down have no line of their own).
func (e *encoder) resync(x *event.Resync) {
	starts := make([]*event.JobStart, 0, len(x.Jobs)+len(x.FinishedJobs))
	for i := range x.Jobs {
		starts = append(starts, &x.Jobs[i])
	}
	for i := range x.FinishedJobs {
		starts = append(starts, &x.FinishedJobs[i].JobStart)
	}
	slices.SortFunc(starts, func(p, q *event.JobStart) int { return p.JobID - q.JobID })
	for _, js := range starts {
		if !e.jobKnown(js.JobID) {
			e.jobStart(js)
		}
	}
	for _, rs := range x.Stages {
		e.resyncStage(x.Time, rs)
	}
	e.stageCounts(x) // the tasks that ended while the monitor was down are in no other line
	for i := range x.FinishedJobs {
		if fj := &x.FinishedJobs[i]; !e.jobEndWritten(fj.JobID) {
			e.jobEnd(&event.JobEnd{Header: event.Header{Time: fj.CompletionTime}, JobID: fj.JobID, Result: fj.Result,
				Error: fj.Error})
		}
	}
	for i := range x.Executors {
		e.executorAdded(&x.Executors[i])
	}
	for i := range x.SQLExecutions {
		e.sqlStart(&x.SQLExecutions[i])
	}
}

// resyncStage writes the submission and completion of a resync's stage attempt that the log lacks.
func (e *encoder) resyncStage(now int64, rs event.ResyncStage) {
	r := e.stage(rs.StageID, rs.AttemptID)
	if r.name == "" {
		r.name, r.numTasks = rs.Name, rs.NumTasks
	}
	if r.submitted == 0 && !r.done {
		at := now
		if rs.CompletionTime != nil {
			at = *rs.CompletionTime
		}
		e.stageSubmitted(&event.StageSubmitted{Header: event.Header{Time: at}, StageID: rs.StageID,
			AttemptID: rs.AttemptID, Name: r.name, NumTasks: r.numTasks, ParentIDs: r.parents})
	}
	if rs.Status != wire.StageActive && rs.CompletionTime != nil && !r.done {
		e.stageCompleted(&event.StageCompleted{Header: event.Header{Time: *rs.CompletionTime},
			StageID: rs.StageID, AttemptID: rs.AttemptID, Status: rs.Status, NumTasks: rs.NumTasks})
	}
}
