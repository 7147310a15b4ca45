package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// MaxLineBytes bounds one line of an event log (Spark writes a SQL query's plan on one line; a bigger line is an
// error, not a reason to hold unbounded memory).
const MaxLineBytes = 32 << 20

// maxPreamble bounds the events held back until the log names its application (SparkListenerApplicationStart).
const maxPreamble = 10_000

// FormatError is a line of an event log that cannot be read.
type FormatError struct {
	Line int // 1-based; 0 when the error is not a line's (a compressed stream that is cut, say)
	Err  error
}

func (e *FormatError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Summary describes a replayed log.
type Summary struct {
	AppID     string
	AttemptID *string
	// Ended: the log has the application's end (SparkListenerApplicationEnd).
	Ended bool
	// Lines read; Skipped: lines of Spark events the monitor does not use (block managers, metrics, plans...).
	Lines, Skipped int
	// Truncated is the error that ended a lenient replay early (a log cut by a crash); nil otherwise.
	Truncated error
}

// ReplayOptions configure Replay.
type ReplayOptions struct {
	// Lenient stops at the first unreadable line or a cut compressed stream and keeps what came before (the monitor's
	// own logs after a crash); otherwise any such error fails the replay.
	Lenient bool
}

// Replay reads a Spark event log (JSON lines, plain or zstd-compressed: see Open) and calls emit with the events
// the listener would have sent, in order: first a Hello built from the log's application start and environment
// (app id, name, user, Spark version, master, and the kernel and notebook the monitor recorded), then the rest. The
// Hello's StartTime is the application's start. An error of emit stops the replay and is returned as is.
func Replay(r io.Reader, opts ReplayOptions, emit func(event.Event) error) (Summary, error) {
	rp := &replayer{emit: emit}
	br := bufio.NewReaderSize(r, 256<<10)
	var sum Summary
	fail := func(err error) (Summary, error) {
		var fe *FormatError
		if opts.Lenient && errors.As(err, &fe) {
			sum.Truncated = err
			return rp.finish(&sum)
		}
		return sum, err
	}
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			sum.Lines++
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLineTooLong) {
				return fail(&FormatError{Line: sum.Lines, Err: err})
			}
			return fail(&FormatError{Line: 0, Err: fmt.Errorf("after line %d: %w", sum.Lines, err)})
		}
		if len(bytes.TrimSpace(line)) > 0 {
			skipped, lerr := rp.line(line)
			if lerr != nil {
				var fe *FormatError
				if errors.As(lerr, &fe) {
					fe.Line = sum.Lines
					return fail(fe)
				}
				return sum, lerr
			}
			if skipped {
				sum.Skipped++
			}
		}
		if errors.Is(err, io.EOF) {
			return rp.finish(&sum)
		}
	}
}

var errLineTooLong = fmt.Errorf("line longer than %d MiB", MaxLineBytes>>20)

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			return nil, errLineTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if buf != nil {
			chunk = append(buf, chunk...)
		}
		return bytes.TrimRight(chunk, "\r\n"), err
	}
}

type replayer struct {
	emit     func(event.Event) error
	hello    *event.Hello
	appSeen  bool
	sent     bool // the hello is emitted
	pending  []event.Event
	ended    bool
	lastTime int64
}

func (rp *replayer) finish(sum *Summary) (Summary, error) {
	if !rp.appSeen {
		if sum.Truncated != nil {
			return *sum, sum.Truncated
		}
		return *sum, &FormatError{Err: errors.New("not a Spark event log: no SparkListenerApplicationStart")}
	}
	if err := rp.flushHello(); err != nil {
		return *sum, err
	}
	sum.AppID, sum.AttemptID, sum.Ended = rp.hello.AppID, rp.hello.AttemptID, rp.ended
	return *sum, nil
}

func (rp *replayer) flushHello() error {
	if rp.sent {
		return nil
	}
	rp.sent = true
	if err := rp.emit(rp.hello); err != nil {
		return err
	}
	for _, ev := range rp.pending {
		if err := rp.emit(ev); err != nil {
			return err
		}
	}
	rp.pending = nil
	return nil
}

// out emits an event, or holds it back until the application is known.
func (rp *replayer) out(ev event.Event) error {
	if rp.sent {
		return rp.emit(ev)
	}
	if !rp.appSeen {
		if len(rp.pending) >= maxPreamble {
			return &FormatError{Err: fmt.Errorf("no SparkListenerApplicationStart in the first %d events", maxPreamble)}
		}
		event.Bound(ev) // held here before the store's Submit cuts it: 10 000 uncut events could be gigabytes
		rp.pending = append(rp.pending, ev)
		return nil
	}
	if err := rp.flushHello(); err != nil {
		return err
	}
	return rp.emit(ev)
}

func (rp *replayer) helloFor() *event.Hello {
	if rp.hello == nil {
		rp.hello = &event.Hello{Header: event.Header{Type: "hello"}, Protocol: event.ProtocolVersion, Connection: 1}
	}
	return rp.hello
}

// eventName reads the "Event" field of a line written as Spark writes it (first), without decoding the rest.
func eventName(line []byte) (string, bool) {
	const prefix = `{"Event":"`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return "", false
	}
	rest := line[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

var used = map[string]bool{
	evLogStart: true, evAppStart: true, evAppEnd: true, evEnvUpdate: true, evExecutorAdded: true,
	evExecutorRemoved: true, evJobStart: true, evJobEnd: true, evStageSubmitted: true, evStageCompleted: true,
	evTaskStart: true, evTaskEnd: true, evSQLStart: true, evSQLEnd: true,
}

// line replays one line; skipped reports a valid event the monitor does not use.
func (rp *replayer) line(line []byte) (skipped bool, err error) {
	name, ok := eventName(line)
	if ev, mine, err := readMark(name, line); mine {
		if err != nil || ev == nil {
			return false, err
		}
		return false, rp.out(ev)
	}
	if ok && !used[name] {
		if !json.Valid(line) {
			return false, &FormatError{Err: errors.New("malformed JSON (" + name + ")")}
		}
		return true, nil
	}
	var l sparkLine
	if err := json.Unmarshal(line, &l); err != nil {
		return false, &FormatError{Err: fmt.Errorf("malformed JSON: %w", err)}
	}
	if l.Event == "" {
		return false, &FormatError{Err: errors.New(`not a Spark event: no "Event" field`)}
	}
	if !used[l.Event] {
		return true, nil
	}
	ev, err := rp.convert(&l)
	if err != nil || ev == nil {
		return false, err
	}
	return false, rp.out(ev)
}

func hdr(t string, time int64) event.Header { return event.Header{Type: t, Time: time} }

// convert maps one Spark event to the listener's; nil for events that only fill the hello.
func (rp *replayer) convert(l *sparkLine) (event.Event, error) {
	switch l.Event {
	case evLogStart:
		rp.helloFor().SparkVersion = l.SparkVersion
	case evAppStart:
		if l.AppID == "" {
			return nil, &FormatError{Err: errors.New(`SparkListenerApplicationStart without "App ID"`)}
		}
		if rp.appSeen {
			return nil, nil // Spark writes one; a second (a restarted writer) changes nothing
		}
		h := rp.helloFor()
		h.AppID, h.AppName, h.SparkUser, h.StartTime, h.Time = l.AppID, l.AppName, l.User, l.Timestamp, l.Timestamp
		if l.AttemptID != nil && *l.AttemptID != "" {
			a := *l.AttemptID
			h.AttemptID = &a
		}
		rp.appSeen = true
	case evEnvUpdate:
		h := rp.helloFor()
		if m := l.SparkProperties; m != nil {
			h.Master, h.KernelID, h.NotebookPath = m["spark.master"], m[propKernelID], m[propNotebookPath]
		}
		if v := l.JVMInformation["Scala Version"]; v != "" {
			h.ScalaVersion = strings.TrimPrefix(v, "version ")
		}
	case evAppEnd:
		rp.ended = true
		return &event.AppEnd{Header: hdr("appEnd", l.Timestamp)}, nil
	case evExecutorAdded:
		ea := &event.ExecutorAdded{Header: hdr("executorAdded", l.Timestamp), ExecutorID: l.ExecutorID}
		if l.ExecutorInfo != nil {
			ea.Host, ea.Cores = l.ExecutorInfo.Host, l.ExecutorInfo.TotalCores
		}
		return ea, nil
	case evExecutorRemoved:
		return &event.ExecutorRemoved{Header: hdr("executorRemoved", l.Timestamp), ExecutorID: l.ExecutorID,
			Reason: l.RemovedReason}, nil
	case evJobStart:
		return jobStart(l)
	case evJobEnd:
		if l.JobID == nil {
			return nil, &FormatError{Err: errors.New(`SparkListenerJobEnd without "Job ID"`)}
		}
		je := &event.JobEnd{Header: hdr("jobEnd", l.CompletionTime), JobID: *l.JobID, Result: "SUCCEEDED"}
		if l.JobResult != nil && l.JobResult.Result != "JobSucceeded" {
			je.Result = "FAILED"
			msg := l.JobResult.Result
			if l.JobResult.Exception != nil {
				msg = l.JobResult.Exception.Message
			}
			je.Error = &msg
		}
		return je, nil
	case evStageSubmitted, evStageCompleted:
		return stageEvent(l)
	case evTaskStart:
		if l.TaskInfo == nil || l.StageID == nil {
			return nil, &FormatError{Err: errors.New(`SparkListenerTaskStart without "Stage ID" or "Task Info"`)}
		}
		t := l.TaskInfo
		return &event.TaskStart{Header: hdr("taskStart", t.LaunchTime), StageID: *l.StageID,
			StageAttemptID: l.StageAttemptID, TaskID: t.TaskID, Index: t.Index, Attempt: t.Attempt,
			ExecutorID: t.ExecutorID, Host: t.Host, Speculative: t.Speculative}, nil
	case evTaskEnd:
		return taskEnd(l)
	case evSQLStart:
		if l.ExecutionID == nil {
			return nil, &FormatError{Err: errors.New(`SparkListenerSQLExecutionStart without "executionId"`)}
		}
		return &event.SQLStart{Header: hdr("sqlStart", l.Time), ExecutionID: *l.ExecutionID,
			RootExecutionID: l.RootExecutionID, Description: l.Description}, nil
	case evSQLEnd:
		if l.ExecutionID == nil {
			return nil, &FormatError{Err: errors.New(`SparkListenerSQLExecutionEnd without "executionId"`)}
		}
		se := &event.SQLEnd{Header: hdr("sqlEnd", l.Time), ExecutionID: *l.ExecutionID}
		if l.ErrorMessage != nil && *l.ErrorMessage != "" {
			se.Error = l.ErrorMessage
		}
		return se, nil
	}
	return nil, nil
}

func jobStart(l *sparkLine) (event.Event, error) {
	if l.JobID == nil {
		return nil, &FormatError{Err: errors.New(`SparkListenerJobStart without "Job ID"`)}
	}
	js := &event.JobStart{Header: hdr("jobStart", l.SubmissionTime), JobID: *l.JobID}
	last := -1
	for _, s := range l.StageInfos {
		if s.StageID == nil {
			return nil, &FormatError{Err: errors.New(`a stage of SparkListenerJobStart without "Stage ID"`)}
		}
		si := event.StageInfo{StageID: *s.StageID, AttemptID: s.AttemptID, Name: s.Name, NumTasks: s.NumTasks,
			ParentIDs: s.ParentIDs}
		if s.CompletionTime != nil {
			c := *s.CompletionTime
			si.CompletionTime = &c
		}
		js.Stages = append(js.Stages, si)
		if si.StageID > last {
			last, js.Name = si.StageID, si.Name // Spark names a job after its last stage
		}
	}
	p := l.Properties
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
	if v, ok := p[propSQLExecution]; ok {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			js.SQLExecutionID = &id
		}
	}
	return js, nil
}

func stageEvent(l *sparkLine) (event.Event, error) {
	s := l.StageInfo
	if s == nil || s.StageID == nil {
		return nil, &FormatError{Err: fmt.Errorf(`%s without "Stage Info" and its "Stage ID"`, l.Event)}
	}
	if l.Event == evStageSubmitted {
		var t int64
		if s.SubmissionTime != nil {
			t = *s.SubmissionTime
		}
		return &event.StageSubmitted{Header: hdr("stageSubmitted", t), StageID: *s.StageID, AttemptID: s.AttemptID,
			Name: s.Name, NumTasks: s.NumTasks, ParentIDs: s.ParentIDs}, nil
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

func taskEnd(l *sparkLine) (event.Event, error) {
	if l.TaskInfo == nil || l.StageID == nil {
		return nil, &FormatError{Err: errors.New(`SparkListenerTaskEnd without "Stage ID" or "Task Info"`)}
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
		status, s = "KILLED", "TaskKilled ("+r.KillReason+")"
	case "TaskCommitDenied":
		status = "KILLED"
	case "ExceptionFailure":
		s = r.FullStackTrace
		if s == "" {
			s = r.ClassName + ": " + r.Description
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
