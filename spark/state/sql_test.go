package state

import (
	"context"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func sqlStart(id int64, root *int64, desc string, at int64) *event.SQLStart {
	return &event.SQLStart{Header: event.Header{Type: "sqlStart", Time: at}, ExecutionID: id, RootExecutionID: root, Description: desc}
}

func sqlEnd(id int64, err *string, at int64) *event.SQLEnd {
	return &event.SQLEnd{Header: event.Header{Type: "sqlEnd", Time: at}, ExecutionID: id, Error: err}
}

func sqlJob(jobID int, execID int64) *event.JobStart {
	return &event.JobStart{JobID: jobID, SQLExecutionID: &execID, Stages: []event.StageInfo{stage(jobID, 1, nil)}}
}

func sqlByID(list []wire.SQLExecution) map[int64]wire.SQLExecution {
	out := map[int64]wire.SQLExecution{}
	for _, x := range list {
		out[x.ExecutionID] = x
	}
	return out
}

func TestSQLExecutionStatusFollowsItsEnd(t *testing.T) {
	s, _ := startStore(t, Options{})
	boom := "[DIVIDE_BY_ZERO] Division by zero."
	submitAll(t, s, "a", hello("a", 1),
		sqlStart(0, nil, "SELECT 1", 10), sqlJob(0, 0), &event.JobEnd{JobID: 0, Result: wire.JobSucceeded}, sqlEnd(0, nil, 20),
		sqlStart(1, nil, "SELECT 1/0", 30), sqlJob(1, 1), &event.JobEnd{JobID: 1, Result: wire.JobFailed}, sqlEnd(1, &boom, 40),
		sqlStart(2, nil, "SELECT 2", 50), sqlJob(2, 2),
		sqlEnd(9, nil, 60),                                                         // never started here: ignored, as Spark's SQL listener does
		sqlStart(3, nil, "SELECT 3", 70), sqlJob(3, 3), sqlEnd(3, new(string), 80), // Spark's own "no error"
	)
	got := sqlByID(snapshotApp(t, s, "a").SQLExecutions)
	if x := got[3]; x.Status != wire.SQLCompleted || x.Error != nil {
		t.Errorf("an empty error is success: %+v", x)
	}
	if len(got) != 4 {
		t.Fatalf("snapshot SQL executions = %+v", got)
	}
	if x := got[0]; x.Status != wire.SQLCompleted || x.Error != nil || x.StartTime != 10 || *x.EndTime != 20 || x.Description != "SELECT 1" {
		t.Errorf("execution 0 = %+v", x)
	}
	if x := got[1]; x.Status != wire.SQLFailed || *x.Error != boom || *x.EndTime != 40 {
		t.Errorf("execution 1 = %+v", x)
	}
	if x := got[2]; x.Status != wire.SQLRunning || x.EndTime != nil || x.AppID != "a" {
		t.Errorf("execution 2 = %+v", x)
	}
}

func TestSnapshotShowsRunningAndReferencedSQLExecutions(t *testing.T) {
	s, _ := startStore(t, Options{})
	root := int64(0)
	submitAll(t, s, "a", hello("a", 1),
		sqlStart(0, nil, "CACHE TABLE t", 1), // root of execution 1, no job of its own
		sqlStart(1, &root, "scan", 2), sqlJob(0, 1), &event.JobEnd{JobID: 0, Result: wire.JobSucceeded}, sqlEnd(1, nil, 3),
		sqlEnd(0, nil, 4),
		sqlStart(2, nil, "CREATE TEMP VIEW v", 5), sqlEnd(2, nil, 6), // finished, no job: not shown
		sqlStart(3, nil, "SELECT * FROM v", 7), // running, no job yet: shown
	)
	got := sqlByID(snapshotApp(t, s, "a").SQLExecutions)
	if _, ok := got[2]; ok || len(got) != 3 {
		t.Errorf("snapshot SQL executions = %+v, want 0 (root of a job's), 1 (a job's) and 3 (running)", got)
	}
}

func TestDeltasCarryOnlyChangedSQLExecutions(t *testing.T) {
	s, tick := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1), sqlStart(0, nil, "q0", 1), sqlStart(1, nil, "q1", 2))
	tick <- time.Now() // flushes these changes to nobody
	ch, err := s.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if snap := receive(t, ch); len(snap.Apps[0].SQLExecutions) != 2 {
		t.Fatalf("snapshot = %+v", snap)
	}
	submitAll(t, s, "a", sqlEnd(1, nil, 3))
	tick <- time.Now()
	d := receive(t, ch)
	if len(d.SQLExecutions) != 1 || d.SQLExecutions[0].ExecutionID != 1 || d.SQLExecutions[0].Status != wire.SQLCompleted {
		t.Fatalf("delta = %+v", d)
	}
	if d.Apps[0].SQLExecutions != nil {
		t.Errorf("a delta's app carries no SQL executions: %+v", d.Apps[0])
	}
	submitAll(t, s, "a", &event.Stats{Dropped: 1})
	tick <- time.Now()
	if d := receive(t, ch); len(d.SQLExecutions) != 0 {
		t.Errorf("nothing SQL changed, delta = %+v", d.SQLExecutions)
	}
}

func TestSQLExecutionsAreEvictedWithTheirJobs(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 20})
	submitAll(t, s, "a", hello("a", 1))
	for i := 0; i < 30; i++ {
		submitAll(t, s, "a", sqlStart(int64(i), nil, "q", int64(i)), sqlJob(i, int64(i)),
			&event.JobEnd{JobID: i, Result: wire.JobSucceeded}, sqlEnd(int64(i), nil, int64(i)))
	}
	a := snapshotApp(t, s, "a")
	if len(a.SQLExecutions) != len(a.Jobs) {
		t.Fatalf("%d SQL executions for %d jobs", len(a.SQLExecutions), len(a.Jobs))
	}
	for i, j := range a.Jobs {
		if a.SQLExecutions[i].ExecutionID != *j.SQLExecutionID {
			t.Errorf("job %d belongs to execution %d, snapshot has %d", j.JobID, *j.SQLExecutionID, a.SQLExecutions[i].ExecutionID)
		}
	}
}

func TestSQLExecutionsWithoutJobsAreBounded(t *testing.T) {
	s := New(Options{MaxJobsPerApp: 20}) // driven directly (no Run) to look at what it retains
	for _, ev := range []event.Event{hello("a", 1), sqlStart(0, nil, "long-running", 0), sqlJob(0, 0)} {
		s.apply(input{"a", ev})
	}
	for i := int64(1); i <= 50; i++ {
		s.apply(input{"a", sqlStart(i, nil, "SET x", i)})
		s.apply(input{"a", sqlEnd(i, nil, i)})
	}
	s.apply(input{"a", sqlStart(51, nil, "newest", 51)})
	kept := s.apps["a"].sql
	if len(kept.execs) > 20 || len(kept.order) != len(kept.execs) {
		t.Fatalf("kept %d executions (order %d), want at most MaxJobsPerApp = 20", len(kept.execs), len(kept.order))
	}
	if kept.execs[0] == nil || kept.execs[51] == nil {
		t.Errorf("the running executions must survive the bound: kept %v", kept.order)
	}
}

func TestResyncRestoresRunningSQLExecutions(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1), sqlStart(0, nil, "known", 1), &Disconnected{}, hello("a", 2),
		&event.Resync{SQLExecutions: []event.SQLStart{*sqlStart(0, nil, "known", 1), *sqlStart(4, nil, "started while away", 2)}})
	got := sqlByID(snapshotApp(t, s, "a").SQLExecutions)
	if len(got) != 2 || got[0].Status != wire.SQLRunning || got[4].Status != wire.SQLRunning || got[4].Description != "started while away" ||
		got[4].StartTime != 2 {
		t.Errorf("after resync = %+v", got)
	}
}
