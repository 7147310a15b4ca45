package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// cellLine is the cell line a jobStart names (PROTOCOL.md "Cell line"), or none when it names no positive line.
func cellLine(e *event.JobStart) wire.CellLine {
	if e.CellLine == nil || *e.CellLine < 1 {
		return wire.CellLine{}
	}
	l := wire.CellLine{CellLine: *e.CellLine}
	if e.CellLineText != nil {
		l.CellLineText = *e.CellLineText
	}
	return l
}

// sqlLineFromJob gives a job's SQL execution (and its sub-executions that have none) the job's line when the
// execution has none yet: a SQL start carries no job properties, so an execution is named by its first job that has
// a line. An execution's later jobs (AQE's query stages, broadcasts) carry the same line, copied by Spark from the
// thread that ran the query.
func (a *liveApp) sqlLineFromJob(j *wire.Job) {
	if !j.Known() || j.SQLExecutionID == nil {
		return
	}
	x := a.sql.execs[*j.SQLExecutionID]
	if x == nil || x.Known() {
		return
	}
	x.CellLine = j.CellLine
	a.sql.dirty[x.ExecutionID] = true
	if root := x.RootExecutionID; root != nil && *root != x.ExecutionID {
		if r := a.sql.execs[*root]; r != nil && !r.Known() {
			r.CellLine = j.CellLine
			a.sql.dirty[r.ExecutionID] = true
		}
	}
}

// sqlLineFromRoot gives a sub-execution (one that a query ran: rootExecutionId names another) its root query's line.
func (a *liveApp) sqlLineFromRoot(x *wire.SQLExecution) {
	if x.Known() || x.RootExecutionID == nil || *x.RootExecutionID == x.ExecutionID {
		return
	}
	if r := a.sql.execs[*x.RootExecutionID]; r != nil {
		x.CellLine = r.CellLine
	}
}
