package state

import (
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// lineJob is a job of SQL execution execID (none when negative) started from the given cell line (none when 0).
func lineJob(jobID int, execID int64, line int, text string) *event.JobStart {
	j := &event.JobStart{JobID: jobID, Stages: []event.StageInfo{stage(jobID, 1, nil)}}
	if execID >= 0 {
		j.SQLExecutionID = &execID
	}
	if line != 0 {
		j.CellLine, j.CellLineText = &line, &text
	}
	return j
}

func TestJobsAndQueriesNameTheCellLineThatStartedThem(t *testing.T) {
	s, _ := startStore(t, Options{})
	root := int64(0)
	count := `df.groupBy("k").count()`
	submitAll(t, s, "a", hello("a", 1),
		lineJob(0, -1, 2, "rdd.count()"), // an RDD action
		sqlStart(0, &root, "count at NativeMethodAccessorImpl.java:0", 10),
		lineJob(1, 0, 0, ""), // a job without the property (another thread): names nothing
		lineJob(2, 0, 3, count),
		lineJob(3, 0, 4, "a line the query's later job cannot win"),
		sqlStart(1, &root, "sub-query", 20), // a sub-execution started after its root got its line
		lineJob(4, -1, 0, ""),
		sqlStart(2, nil, "no job yet", 30),
	)
	app := snapshotApp(t, s, "a")
	jobs := map[int]wire.CellLine{}
	for _, j := range app.Jobs {
		jobs[j.JobID] = j.CellLine
	}
	want := map[int]wire.CellLine{
		0: {CellLine: 2, CellLineText: "rdd.count()"}, 1: {}, 2: {CellLine: 3, CellLineText: count},
		3: {CellLine: 4, CellLineText: "a line the query's later job cannot win"}, 4: {},
	}
	for id, w := range want {
		if jobs[id] != w {
			t.Errorf("job %d names %+v, want %+v", id, jobs[id], w)
		}
	}
	sql := sqlByID(app.SQLExecutions)
	if got := sql[0].CellLine; got != want[2] {
		t.Errorf("the query names %+v, want its first named job's %+v", got, want[2])
	}
	if got := sql[1].CellLine; got != want[2] {
		t.Errorf("the sub-execution names %+v, want its root's %+v", got, want[2])
	}
	if got := sql[2].CellLine; got.Known() {
		t.Errorf("a query without jobs names %+v", got)
	}
}

func TestAQueryWhoseRootIsNamedLaterGetsTheLineFromItsOwnJob(t *testing.T) {
	s, _ := startStore(t, Options{})
	root := int64(5)
	submitAll(t, s, "a", hello("a", 1),
		sqlStart(5, &root, "root", 10),
		sqlStart(6, &root, "sub", 11),
		lineJob(0, 6, 7, "spark.sql(q).collect()"), // the sub-execution's job names both
	)
	sql := sqlByID(snapshotApp(t, s, "a").SQLExecutions)
	w := wire.CellLine{CellLine: 7, CellLineText: "spark.sql(q).collect()"}
	if sql[5].CellLine != w || sql[6].CellLine != w {
		t.Errorf("root %+v, sub %+v; want both %+v", sql[5].CellLine, sql[6].CellLine, w)
	}
}
