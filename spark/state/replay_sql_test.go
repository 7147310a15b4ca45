package state

import (
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The sql_query scenario (record.py): cell-sql runs a spark.sql GROUP BY query and a DataFrame groupBy, both
// collected; cell-sql-fail runs a spark.sql query whose raise_error fails a task.
const (
	sqlQueryText  = "SELECT id % 10 AS k, count(*) AS n FROM numbers GROUP BY k ORDER BY k"
	sqlFailing    = "raise_error('sql boom')"
	sqlFailingMsg = "sql boom"
)

// sqlFromFrames is each SQL execution's description and failure as the recording's frames state them.
func sqlFromFrames(evs []event.Event) (desc map[int64]string, failed map[int64]bool) {
	desc, failed = map[int64]string{}, map[int64]bool{}
	for _, ev := range evs {
		switch e := ev.(type) {
		case *event.SQLStart:
			desc[e.ExecutionID] = e.Description
		case *event.SQLEnd:
			failed[e.ExecutionID] = e.Error != nil && *e.Error != ""
		}
	}
	return desc, failed
}

func TestReplaySQLQueryGroupsJobsUnderTheirQuery(t *testing.T) {
	a, want := replay(t, "sql_query.jsonl")
	checkJobs(t, a, want)
	_, evs := readRecording(t, "sql_query.jsonl")
	desc, failed := sqlFromFrames(evs)

	execs := map[int64]wire.SQLExecution{}
	for _, x := range a.SQLExecutions {
		execs[x.ExecutionID] = x
		wantStatus := wire.SQLCompleted
		if failed[x.ExecutionID] {
			wantStatus = wire.SQLFailed
		}
		if x.Status != wantStatus || x.Description != desc[x.ExecutionID] || x.EndTime == nil {
			t.Errorf("execution %d = %+v; its frames say %s, %q", x.ExecutionID, x, wantStatus, desc[x.ExecutionID])
		}
	}
	// What the user sees per cell: each job under the query that started it.
	byCell := map[string]map[int64][]wire.Job{}
	for _, j := range a.Jobs {
		if j.SQLExecutionID == nil {
			t.Errorf("job %d (%s) belongs to no SQL execution, but every action of the scenario is a DataFrame one", j.JobID, j.Name)
			continue
		}
		if _, ok := execs[*j.SQLExecutionID]; !ok {
			t.Errorf("job %d names SQL execution %d, which the snapshot lacks", j.JobID, *j.SQLExecutionID)
			continue
		}
		cell := ""
		if j.CellID != nil {
			cell = *j.CellID
		}
		if byCell[cell] == nil {
			byCell[cell] = map[int64][]wire.Job{}
		}
		byCell[cell][*j.SQLExecutionID] = append(byCell[cell][*j.SQLExecutionID], j)
	}
	if len(execs) != len(byCell["cell-sql"])+len(byCell["cell-sql-fail"]) {
		t.Errorf("snapshot has %d SQL executions, jobs name %d: a finished query without jobs (createOrReplaceTempView) is not shown",
			len(execs), len(byCell["cell-sql"])+len(byCell["cell-sql-fail"]))
	}

	// cell-sql: the spark.sql query shows its text, the DataFrame action its call site; both completed.
	var sqlQuery, dataFrame int
	for id, jobs := range byCell["cell-sql"] {
		x := execs[id]
		switch {
		case x.Description == sqlQueryText:
			sqlQuery++
		case strings.HasPrefix(x.Description, "collect at "):
			dataFrame++
		default:
			t.Errorf("cell-sql execution %d shows %q: neither the query text nor a collect call site", id, x.Description)
		}
		if x.Status != wire.SQLCompleted || x.Error != nil {
			t.Errorf("cell-sql execution %d = %+v, want COMPLETED", id, x)
		}
		for _, j := range jobs {
			if j.Status != wire.JobSucceeded {
				t.Errorf("job %d of a completed query: %s", j.JobID, j.Status)
			}
		}
	}
	if sqlQuery != 1 || dataFrame != 1 {
		t.Errorf("cell-sql shows %d spark.sql and %d DataFrame executions, want one of each", sqlQuery, dataFrame)
	}

	// cell-sql-fail: one failed query with Spark's error, over a failed job.
	if len(byCell["cell-sql-fail"]) != 1 {
		t.Fatalf("cell-sql-fail has %d SQL executions, want 1", len(byCell["cell-sql-fail"]))
	}
	for id, jobs := range byCell["cell-sql-fail"] {
		x := execs[id]
		if x.Status != wire.SQLFailed || x.Error == nil || !strings.Contains(*x.Error, sqlFailingMsg) || !strings.Contains(x.Description, sqlFailing) {
			t.Errorf("the failing query = %+v", x)
		}
		if jobs[len(jobs)-1].Status != wire.JobFailed {
			t.Errorf("the failing query's last job = %+v", jobs[len(jobs)-1])
		}
	}
}
