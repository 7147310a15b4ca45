package state

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// threadJobs is a kernel's stream: while cell c1 runs, a job of its main thread (cell local property), a job of one
// of its Python threads (no cell id, RunningCell c1) and a Spark Connect operation's job without a cell id (another
// client's); between cells, a job of a thread that outlived its cell; then a Connect job of another notebook's cell.
func threadJobs() []event.Event {
	c1, c2 := "c1", "c2"
	h := hello("app-t", 1)
	h.KernelID, h.NotebookPath = "kernel-t", "/home/u/work/t.ipynb"
	job := func(id int, cell, running *string) *event.JobStart {
		return &event.JobStart{Header: event.Header{Time: int64(10 + id)}, JobID: id, CellID: cell, RunningCell: running,
			Stages: []event.StageInfo{stage(id, 1, nil)}}
	}
	connect := job(2, nil, &c1)
	connect.JobTags = []string{"SparkConnect_Execute_User_u_Session_s_Tag_t"}
	other := job(4, &c2, &c1)
	other.KernelID, other.NotebookPath = "kernel-o", "o.ipynb"
	return []event.Event{h, job(0, &c1, &c1), job(1, nil, &c1), connect, job(3, nil, nil), other}
}

func cellJobIDs(t *testing.T, s *Store, c Cell) (timeline, running []int, byJob bool) {
	t.Helper()
	ctx := context.Background()
	tl, err := s.Timeline(ctx, c, DefaultTimelineTasks)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range tl.Apps {
		for _, j := range a.Jobs {
			timeline = append(timeline, j.JobID)
		}
	}
	cells, err := s.CellRunningJobs(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, cj := range cells {
		running = append(running, cj.JobIDs...)
		byJob = byJob || cj.ByJob
	}
	slices.Sort(timeline)
	return timeline, running, byJob
}

// A job without a cell id goes under the cell its kernel was running when Spark started it, for the API's jobs, the
// timeline and cancel (by job id: the listener knows it under no cell); a Spark Connect operation's job and a job
// started between cells do not.
func TestJobWithoutCellGoesUnderTheRunningCell(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "app-t", threadJobs()...)
	cellOf := map[int]string{}
	for _, j := range snapshotApp(t, s, "app-t").Jobs {
		if j.CellID != nil {
			cellOf[j.JobID] = *j.CellID
		}
	}
	if want := map[int]string{0: "c1", 1: "c1", 4: "c2"}; !maps.Equal(cellOf, want) {
		t.Errorf("cells of the jobs = %v, want %v", cellOf, want)
	}
	c1 := Cell{ID: "c1", KernelID: "kernel-t", NotebookPath: "work/t.ipynb"}
	timeline, running, byJob := cellJobIDs(t, s, c1)
	if !slices.Equal(timeline, []int{0, 1}) || !slices.Equal(running, []int{0, 1}) || !byJob {
		t.Errorf("c1: timeline %v, running %v (by job %v); want [0 1], [0 1], by job", timeline, running, byJob)
	}
	// A cell whose jobs all carry its id is cancelled as a cell (the listener's cancelCell).
	s2, _ := startStore(t, Options{})
	submitAll(t, s2, "app-t", threadJobs()[:2]...)
	if _, running, byJob := cellJobIDs(t, s2, c1); !slices.Equal(running, []int{0}) || byJob {
		t.Errorf("only tagged jobs: running %v by job %v, want [0], false", running, byJob)
	}
}

// The cell the running cell decided survives what rebuilds the state: a new subscriber's snapshot (a page reload)
// and a listener's resync into a monitor that restarted.
func TestRunningCellSurvivesReloadAndResync(t *testing.T) {
	s, _ := startStore(t, Options{})
	evs := threadJobs()
	submitAll(t, s, "app-t", evs...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := s.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap := receive(t, ch)
	if j := findJob(snap.Apps, 1); j == nil || j.CellID == nil || *j.CellID != "c1" {
		t.Errorf("a reloaded page's snapshot: job 1 = %+v, want it under c1", j)
	}

	restarted, _ := startStore(t, Options{})
	rs := &event.Resync{Header: event.Header{Seq: 9}}
	for _, ev := range evs[1:] {
		rs.Jobs = append(rs.Jobs, *ev.(*event.JobStart))
	}
	submitAll(t, restarted, "app-t", evs[0], rs)
	c1 := Cell{ID: "c1", KernelID: "kernel-t", NotebookPath: "work/t.ipynb"}
	if timeline, _, _ := cellJobIDs(t, restarted, c1); !slices.Equal(timeline, []int{0, 1}) {
		t.Errorf("after a resync, c1's timeline = %v, want [0 1]", timeline)
	}
}

func findJob(apps []wire.App, id int) *wire.Job {
	for _, a := range apps {
		for i := range a.Jobs {
			if a.Jobs[i].JobID == id {
				return &a.Jobs[i]
			}
		}
	}
	return nil
}
