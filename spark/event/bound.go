package event

import "unicode/utf8"

// Bounds of the free text an event carries (PROTOCOL.md "Bounds of text"): lengths in bytes of UTF-8, the Ellipsis
// included. The listener cuts before it queues a frame; Bound cuts again in the monitor, whatever sent the event (a
// listener, a replayed history file, an uploaded Spark event log).
const (
	// MaxShort bounds names and identifiers: call sites (short form), stage and application names, job groups,
	// tags, cell, kernel, application and executor ids, hosts, users, masters, versions. Spark's own are well under
	// 200 bytes ("collect at /tmp/ipykernel_123/456.py:3").
	MaxShort = 1 << 10
	// MaxPath bounds a notebook path and a UI URL: PATH_MAX on Linux.
	MaxPath = 4 << 10
	// MaxDescription bounds a job's description (spark.job.description) and a SQL execution's (the query text):
	// about 60 lines of SQL, more than the cell shows before "show more".
	MaxDescription = 4 << 10
	// MaxReason bounds failure reasons, errors and stack traces: a PySpark task failure (the Java exception, the
	// whole Python traceback and Spark's frames) is 3-10 KiB; 16 KiB keeps it whole and the first ~150 frames of a
	// deeper Java trace. The full trace stays in Spark's UI.
	MaxReason = 16 << 10
)

// MaxSQLDescription bounds SQLStart.Description.
const MaxSQLDescription = MaxDescription

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// Clip returns s when it has at most max bytes; otherwise its longest prefix that ends on a character boundary and,
// with Ellipsis after it, has at most max bytes. The result never shares memory with a cut s (a 1 MB description is
// not kept alive by its first 4 KiB). max must exceed len(Ellipsis).
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max - len(Ellipsis)
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}

func clip(p *string, max int) { *p = Clip(*p, max) }

func clipPtr(p *string, max int) *string {
	if p == nil || len(*p) <= max {
		return p
	}
	s := Clip(*p, max)
	return &s
}

// Bound cuts every free text of ev in place to the bounds above (events of other types are left as they are). It is
// idempotent; the state's Submit calls it, the one place every event passes before it is kept.
func Bound(ev Event) {
	if h := ev.header(); h != nil {
		clip(&h.Type, MaxShort)
	}
	switch e := ev.(type) {
	case *Hello:
		boundHello(e)
	case *AppStart:
		clip(&e.AppID, MaxShort)
		e.AttemptID = clipPtr(e.AttemptID, MaxShort)
		clip(&e.AppName, MaxShort)
		clip(&e.SparkUser, MaxShort)
	case *JobStart:
		boundJobStart(e)
	case *JobEnd:
		clip(&e.Result, MaxShort)
		e.Error = clipPtr(e.Error, MaxReason)
	case *StageSubmitted:
		clip(&e.Name, MaxShort)
	case *StageCompleted:
		clip(&e.Status, MaxShort)
		e.FailureReason = clipPtr(e.FailureReason, MaxReason)
	case *TaskStart:
		clip(&e.ExecutorID, MaxShort)
		clip(&e.Host, MaxShort)
	case *TaskEnd:
		clip(&e.ExecutorID, MaxShort)
		clip(&e.Host, MaxShort)
		clip(&e.Status, MaxShort)
		e.Reason = clipPtr(e.Reason, MaxReason)
	case *SQLStart:
		clip(&e.Description, MaxDescription)
	case *SQLEnd:
		e.Error = clipPtr(e.Error, MaxReason)
	case *ExecutorAdded:
		boundExecutor(e)
	case *ExecutorRemoved:
		clip(&e.ExecutorID, MaxShort)
		clip(&e.Reason, MaxReason)
	case *Resync:
		boundResync(e)
	case *SQLPlan:
		boundPlan(e)
	case *LogLine:
		boundLogLine(e)
	case *StreamStart, *StreamProgress, *StreamEnd:
		boundStream(e)
	}
}

func boundHello(e *Hello) {
	for _, p := range []*string{&e.Secret, &e.AppID, &e.AppName, &e.SparkVersion, &e.ScalaVersion, &e.SparkUser, &e.Master,
		&e.KernelID} {
		clip(p, MaxShort)
	}
	e.AttemptID = clipPtr(e.AttemptID, MaxShort)
	e.UIURL = clipPtr(e.UIURL, MaxPath)
	clip(&e.NotebookPath, MaxPath)
}

func boundJobStart(e *JobStart) {
	clip(&e.Type, MaxShort) // a resync's jobs carry a header too
	clip(&e.Name, MaxShort)
	e.Description = clipPtr(e.Description, MaxDescription)
	e.JobGroup = clipPtr(e.JobGroup, MaxShort)
	e.CellID = clipPtr(e.CellID, MaxShort)
	e.RunningCell = clipPtr(e.RunningCell, MaxShort)
	e.StreamQueryID = clipPtr(e.StreamQueryID, MaxShort)
	e.CellLineText = clipPtr(e.CellLineText, MaxShort)
	for i := range e.JobTags {
		clip(&e.JobTags[i], MaxShort)
	}
	for i := range e.Stages {
		clip(&e.Stages[i].Name, MaxShort)
	}
	clip(&e.KernelID, MaxShort)
	clip(&e.NotebookPath, MaxPath)
}

func boundExecutor(e *ExecutorAdded) {
	clip(&e.Type, MaxShort)
	clip(&e.ExecutorID, MaxShort)
	clip(&e.Host, MaxShort)
}

func boundResync(e *Resync) {
	for i := range e.Jobs {
		boundJobStart(&e.Jobs[i])
	}
	for i := range e.FinishedJobs {
		j := &e.FinishedJobs[i]
		boundJobStart(&j.JobStart)
		clip(&j.Result, MaxShort)
		j.Error = clipPtr(j.Error, MaxReason)
	}
	for i := range e.Stages {
		clip(&e.Stages[i].Name, MaxShort)
		clip(&e.Stages[i].Status, MaxShort)
	}
	for i := range e.Executors {
		boundExecutor(&e.Executors[i])
	}
	for i := range e.SQLExecutions {
		clip(&e.SQLExecutions[i].Type, MaxShort)
		clip(&e.SQLExecutions[i].Description, MaxDescription)
	}
}
