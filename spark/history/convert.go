package history

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// readers read the line of each Spark event the monitor uses into its sparkjson.go struct and convert that to the
// listener's event (nil for events that only fill the hello). Lines of other events are skipped.
var readers = map[string]func(rp *replayer, line []byte) (event.Event, error){
	evLogStart:        reader((*replayer).logStart),
	evAppStart:        reader((*replayer).appStart),
	evEnvUpdate:       reader((*replayer).envUpdate),
	evAppEnd:          reader((*replayer).appEnd),
	evExecutorAdded:   reader((*replayer).executorAdded),
	evExecutorRemoved: reader((*replayer).executorRemoved),
	evJobStart:        reader((*replayer).jobStart),
	evJobEnd:          reader((*replayer).jobEnd),
	evStageSubmitted:  reader((*replayer).stageSubmitted),
	evStageCompleted:  reader((*replayer).stageCompleted),
	evTaskStart:       reader((*replayer).taskStart),
	evTaskEnd:         reader((*replayer).taskEnd),
	evSQLStart:        reader((*replayer).sqlStart),
	evSQLEnd:          reader((*replayer).sqlEnd),
}

// reader returns the function that decodes a line into a T and converts it.
func reader[T any](convert func(*replayer, *T) (event.Event, error)) func(*replayer, []byte) (event.Event, error) {
	return func(rp *replayer, line []byte) (event.Event, error) {
		var l T
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, &FormatError{Err: fmt.Errorf("malformed JSON: %w", err)}
		}
		return convert(rp, &l)
	}
}

func hdr(t string, time int64) event.Header { return event.Header{Type: t, Time: time} }

// missing is the error of an event without a member it needs.
func missing(name, what string) error {
	return &FormatError{Err: fmt.Errorf("%s without %s", name, what)}
}

func (rp *replayer) logStart(l *sparkLogStart) (event.Event, error) {
	rp.helloFor().SparkVersion = l.SparkVersion
	return nil, nil
}

func (rp *replayer) appStart(l *sparkAppStart) (event.Event, error) {
	if l.AppID == "" {
		return nil, missing(evAppStart, `"App ID"`)
	}
	if rp.appSeen {
		return nil, nil // Spark writes one; a second (a restarted writer) changes nothing
	}
	h := rp.helloFor()
	h.AppID, h.AppName, h.SparkUser, h.StartTime, h.Time = l.AppID, l.AppName, l.User, l.Timestamp, l.Timestamp
	if l.AttemptID != nil && *l.AttemptID != "" {
		h.AttemptID = l.AttemptID
	}
	rp.appSeen = true
	return nil, nil
}

func (rp *replayer) envUpdate(l *sparkEnvUpdate) (event.Event, error) {
	h := rp.helloFor()
	if m := l.SparkProperties; m != nil {
		h.Master, h.KernelID, h.NotebookPath = m["spark.master"], m[propKernelID], m[propNotebookPath]
	}
	if v := l.JVMInformation["Scala Version"]; v != "" {
		h.ScalaVersion = strings.TrimPrefix(v, "version ")
	}
	return nil, nil
}

func (rp *replayer) appEnd(l *sparkTimestamped) (event.Event, error) {
	rp.ended = true
	return &event.AppEnd{Header: hdr("appEnd", l.Timestamp)}, nil
}

func (*replayer) executorAdded(l *sparkExecutorAdded) (event.Event, error) {
	ea := &event.ExecutorAdded{Header: hdr("executorAdded", l.Timestamp), ExecutorID: l.ExecutorID}
	if l.Info != nil {
		ea.Host, ea.Cores = l.Info.Host, l.Info.TotalCores
	}
	return ea, nil
}

func (*replayer) executorRemoved(l *sparkExecutorRemoved) (event.Event, error) {
	return &event.ExecutorRemoved{Header: hdr("executorRemoved", l.Timestamp), ExecutorID: l.ExecutorID,
		Reason: l.RemovedReason}, nil
}

func (*replayer) jobStart(l *sparkJobStart) (event.Event, error) {
	if l.JobID == nil {
		return nil, missing(evJobStart, `"Job ID"`)
	}
	js := &event.JobStart{Header: hdr("jobStart", l.SubmissionTime), JobID: *l.JobID}
	last := -1
	for _, s := range l.StageInfos {
		if s.StageID == nil {
			return nil, &FormatError{Err: errors.New(`a stage of SparkListenerJobStart without "Stage ID"`)}
		}
		si := event.StageInfo{StageID: *s.StageID, AttemptID: s.AttemptID, Name: s.Name, NumTasks: s.NumTasks,
			ParentIDs: s.ParentIDs, CompletionTime: s.CompletionTime}
		js.Stages = append(js.Stages, si)
		if si.StageID > last {
			last, js.Name = si.StageID, si.Name // Spark names a job after its last stage
		}
	}
	jobFromProperties(js, l.Properties)
	return js, nil
}

// jobFromProperties sets what the job's properties say of it.
func jobFromProperties(js *event.JobStart, p map[string]string) {
	if v, ok := p[propCallSite]; ok && v != "" {
		js.Name = v
	}
	str := func(k string) *string {
		if v, ok := p[k]; ok {
			return &v
		}
		return nil
	}
	js.Description, js.JobGroup, js.CellID = str(propDescription), str(propJobGroup), str(propCellID)
	js.RunningCell = str(propRunningCell)
	if v := p[propJobTags]; v != "" {
		js.JobTags = strings.Split(v, ",")
	}
	if v := p[propStreamQuery]; v != "" {
		js.StreamQueryID = &v
	}
	if line, text, ok := event.ParseCellLine(p[event.CellLineProperty]); ok {
		js.CellLine, js.CellLineText = &line, &text
	}
	if v, ok := p[propSQLExecution]; ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			js.SQLExecutionID = &id
		}
	}
}

func (*replayer) jobEnd(l *sparkJobEnd) (event.Event, error) {
	if l.JobID == nil {
		return nil, missing(evJobEnd, `"Job ID"`)
	}
	je := &event.JobEnd{Header: hdr("jobEnd", l.CompletionTime), JobID: *l.JobID, Result: "SUCCEEDED"}
	if r := l.JobResult; r != nil && r.Result != "JobSucceeded" {
		je.Result = "FAILED"
		msg := r.Result
		if r.Exception != nil {
			msg = r.Exception.Message
		}
		je.Error = &msg
	}
	return je, nil
}

// stageOf returns the stage of a stage event, which must have one with its id.
func stageOf(name string, l *sparkStageEvent) (*sparkStage, error) {
	if l.StageInfo == nil || l.StageInfo.StageID == nil {
		return nil, missing(name, `"Stage Info" and its "Stage ID"`)
	}
	return l.StageInfo, nil
}

func (*replayer) stageSubmitted(l *sparkStageEvent) (event.Event, error) {
	s, err := stageOf(evStageSubmitted, l)
	if err != nil {
		return nil, err
	}
	var t int64
	if s.SubmissionTime != nil {
		t = *s.SubmissionTime
	}
	return &event.StageSubmitted{Header: hdr("stageSubmitted", t), StageID: *s.StageID, AttemptID: s.AttemptID,
		Name: s.Name, NumTasks: s.NumTasks, ParentIDs: s.ParentIDs}, nil
}

func (*replayer) stageCompleted(l *sparkStageEvent) (event.Event, error) {
	s, err := stageOf(evStageCompleted, l)
	if err != nil {
		return nil, err
	}
	var t int64
	if s.CompletionTime != nil {
		t = *s.CompletionTime
	}
	sc := &event.StageCompleted{Header: hdr("stageCompleted", t), StageID: *s.StageID, AttemptID: s.AttemptID,
		Status: "COMPLETE", NumTasks: s.NumTasks}
	if s.FailureReason != nil {
		sc.Status, sc.FailureReason = "FAILED", s.FailureReason
	}
	return sc, nil
}

func (*replayer) taskStart(l *sparkTaskEvent) (event.Event, error) {
	if l.TaskInfo == nil || l.StageID == nil {
		return nil, missing(evTaskStart, `"Stage ID" or "Task Info"`)
	}
	t := l.TaskInfo
	return &event.TaskStart{Header: hdr("taskStart", t.LaunchTime), StageID: *l.StageID,
		StageAttemptID: l.StageAttemptID, TaskID: t.TaskID, Index: t.Index, Attempt: t.Attempt,
		ExecutorID: t.ExecutorID, Host: t.Host, Speculative: t.Speculative}, nil
}

func (*replayer) taskEnd(l *sparkTaskEvent) (event.Event, error) {
	if l.TaskInfo == nil || l.StageID == nil {
		return nil, missing(evTaskEnd, `"Stage ID" or "Task Info"`)
	}
	t := l.TaskInfo
	te := &event.TaskEnd{Header: hdr("taskEnd", t.FinishTime), StageID: *l.StageID, StageAttemptID: l.StageAttemptID,
		TaskID: t.TaskID, Index: t.Index, Attempt: t.Attempt, ExecutorID: t.ExecutorID, Host: t.Host,
		LaunchTime: t.LaunchTime}
	te.Status, te.Reason = endReason(l.Reason)
	if m := l.Metrics; m != nil {
		te.Metrics = &event.TaskMetrics{
			ExecutorRunTime: m.ExecutorRunTime, ExecutorCPUTime: m.ExecutorCPUTime, ResultSize: m.ResultSize,
			JVMGCTime: m.JVMGCTime, MemoryBytesSpilled: m.MemoryBytesSpilled, DiskBytesSpilled: m.DiskBytesSpilled,
			InputBytes: m.Input.BytesRead, InputRecords: m.Input.RecordsRead,
			OutputBytes: m.Output.BytesWritten, OutputRecords: m.Output.RecordsWritten,
			ShuffleReadBytes:    m.ShuffleRead.RemoteBytesRead + m.ShuffleRead.LocalBytesRead,
			ShuffleReadRecords:  m.ShuffleRead.TotalRecordsRead,
			ShuffleWriteBytes:   m.ShuffleWrite.BytesWritten,
			ShuffleWriteRecords: m.ShuffleWrite.RecordsWritten,
		}
	}
	return te, nil
}

// endReason maps Spark's TaskEndReason to the listener's status and reason, counted as Spark's status store counts
// them: TaskKilled and TaskCommitDenied are KILLED, every other failure FAILED; the reason is close to Spark's
// toErrorString.
func endReason(r *sparkReason) (string, *string) {
	if r == nil || r.Reason == "Success" {
		return "SUCCESS", nil
	}
	s := r.Reason
	status := "FAILED"
	switch r.Reason {
	case "TaskKilled":
		status, s = "KILLED", "TaskKilled ("+text(r.KillReason)+")"
	case "TaskCommitDenied":
		status = "KILLED"
	case "ExceptionFailure":
		s = text(r.FullStackTrace)
		if s == "" {
			s = text(r.ClassName) + ": " + text(r.Description)
		}
	case "ExecutorLostFailure":
		s = fmt.Sprintf("ExecutorLostFailure (executor %s exited) Reason: %s", r.ExecutorID, r.LossReason)
	case "FetchFailed":
		s = "FetchFailed: " + r.Message
	case "Resubmitted":
		s = "Resubmitted (resubmitted due to lost executor)"
	}
	return status, &s
}

// text is *p, or "" for nil.
func text(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (*replayer) sqlStart(l *sparkSQLStart) (event.Event, error) {
	if l.ExecutionID == nil {
		return nil, missing("SparkListenerSQLExecutionStart", `"executionId"`)
	}
	return &event.SQLStart{Header: hdr("sqlStart", l.Time), ExecutionID: *l.ExecutionID,
		RootExecutionID: l.RootExecutionID, Description: l.Description}, nil
}

func (*replayer) sqlEnd(l *sparkSQLEnd) (event.Event, error) {
	if l.ExecutionID == nil {
		return nil, missing("SparkListenerSQLExecutionEnd", `"executionId"`)
	}
	se := &event.SQLEnd{Header: hdr("sqlEnd", l.Time), ExecutionID: *l.ExecutionID}
	if l.ErrorMessage != nil && *l.ErrorMessage != "" {
		se.Error = l.ErrorMessage
	}
	return se, nil
}
