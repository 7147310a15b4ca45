package state

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"slices"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func TestCellRuns(t *testing.T) {
	app := func(kernel, path string) *wire.App { return &wire.App{KernelID: kernel, NotebookPath: path} }
	for _, c := range []struct {
		name string
		cell Cell
		app  *wire.App
		want bool
	}{
		{"cell id only", Cell{ID: "c"}, app("k1", "/home/u/a.ipynb"), true},
		{"app without notebook", Cell{ID: "c", KernelID: "k1"}, app("", ""), true},
		{"same kernel", Cell{ID: "c", KernelID: "k1", NotebookPath: "b.ipynb"}, app("k1", "/home/u/a.ipynb"), true},
		{"other kernel, other notebook", Cell{ID: "c", KernelID: "k2", NotebookPath: "b.ipynb"}, app("k1", "/home/u/a.ipynb"), false},
		{"kernel changed, same notebook", Cell{ID: "c", KernelID: "k2", NotebookPath: "a.ipynb"}, app("k1", "/home/u/a.ipynb"), true},
		{"relative session path", Cell{ID: "c", KernelID: "k2", NotebookPath: "d/a.ipynb"}, app("k1", "d/a.ipynb"), true},
		{"name suffix is not a path suffix", Cell{ID: "c", KernelID: "k2", NotebookPath: "a.ipynb"}, app("k1", "/home/u/copy-a.ipynb"), false},
		{"other folder", Cell{ID: "c", KernelID: "k2", NotebookPath: "x/a.ipynb"}, app("k1", "/home/u/y/a.ipynb"), false},
		{"app without kernel, other notebook", Cell{ID: "c", KernelID: "k2", NotebookPath: "b.ipynb"}, app("", "/home/u/a.ipynb"), false},
	} {
		if got := c.cell.Runs(c.app); got != c.want {
			t.Errorf("%s: %+v runs %+v = %v, want %v", c.name, c.cell, *c.app, got, c.want)
		}
	}
}

// Two copies of one notebook: the same cell ids, in two kernels. Each copy's cell sees and cancels only its own jobs.
func TestCopiesOfANotebookKeepTheirCellsApart(t *testing.T) {
	s, _ := startStore(t, Options{})
	ctx := context.Background()
	cell := "shared-cell"
	for i, nb := range []struct{ app, kernel, path string }{
		{"app-a", "kernel-a", "/home/u/work/a.ipynb"},
		{"app-b", "kernel-b", "/home/u/work/a-Copy1.ipynb"},
	} {
		h := hello(nb.app, 1)
		h.KernelID, h.NotebookPath = nb.kernel, nb.path
		submitAll(t, s, nb.app, h,
			&event.JobStart{Header: event.Header{Time: int64(10 + i)}, JobID: 0, CellID: &cell, Stages: []event.StageInfo{stage(0, 2, nil)}},
			&event.StageSubmitted{StageID: 0, NumTasks: 2},
			&event.TaskStart{StageID: 0, TaskID: 0, ExecutorID: "driver"},
		)
	}
	running := func(c Cell) []string {
		cells, err := s.CellRunningJobs(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		var apps []string
		for _, cj := range cells {
			apps = append(apps, cj.App.AppID)
		}
		return apps
	}
	timeline := func(c Cell) []string {
		tl, err := s.Timeline(ctx, c, DefaultTimelineTasks)
		if err != nil {
			t.Fatal(err)
		}
		var apps []string
		for _, ta := range tl.Apps {
			apps = append(apps, ta.AppID)
		}
		return apps
	}
	for _, c := range []struct {
		cell Cell
		want []string
	}{
		{Cell{ID: cell, KernelID: "kernel-a", NotebookPath: "work/a.ipynb"}, []string{"app-a"}},
		{Cell{ID: cell, KernelID: "kernel-b", NotebookPath: "work/a-Copy1.ipynb"}, []string{"app-b"}},
		{Cell{ID: cell, NotebookPath: "work/a-Copy1.ipynb"}, []string{"app-b"}},                   // kernel not known yet
		{Cell{ID: cell, KernelID: "kernel-new", NotebookPath: "work/a.ipynb"}, []string{"app-a"}}, // kernel changed
		{Cell{ID: cell}, []string{"app-a", "app-b"}},                                              // an older client: cell id only
		{Cell{ID: cell, KernelID: "kernel-c", NotebookPath: "work/c.ipynb"}, nil},
	} {
		if got := running(c.cell); !slices.Equal(got, c.want) {
			t.Errorf("running jobs of %+v are in %v, want %v", c.cell, got, c.want)
		}
		if got := timeline(c.cell); !slices.Equal(got, c.want) {
			t.Errorf("timeline of %+v has %v, want %v", c.cell, got, c.want)
		}
	}
}

// A Spark Connect server is one app running the jobs of many notebooks: each job names its own notebook (from its
// job tags), and a cell sees and cancels only the jobs of its notebook, even with the same cell id.
func TestConnectServerJobsNameTheirNotebook(t *testing.T) {
	s, _ := startStore(t, Options{})
	ctx := context.Background()
	cell := "shared-cell"
	submitAll(t, s, "connect", hello("connect", 1),
		&event.JobStart{Header: event.Header{Time: 10}, JobID: 0, CellID: &cell, KernelID: "kernel-a", NotebookPath: "/srv/a.ipynb",
			Stages: []event.StageInfo{stage(0, 2, nil)}},
		&event.JobStart{Header: event.Header{Time: 11}, JobID: 1, CellID: &cell, KernelID: "kernel-b", NotebookPath: "/srv/b.ipynb",
			Stages: []event.StageInfo{stage(1, 2, nil)}},
		&event.JobStart{Header: event.Header{Time: 12}, JobID: 2, CellID: &cell, Stages: []event.StageInfo{stage(2, 2, nil)}},
	)
	for _, c := range []struct {
		cell  Cell
		want  []int
		byJob bool // cancelled job by job: other notebooks' jobs share the cell id
	}{
		{Cell{ID: cell, KernelID: "kernel-a", NotebookPath: "a.ipynb"}, []int{0, 2}, true},   // job 2 names no notebook: its app's (none)
		{Cell{ID: cell, KernelID: "kernel-new", NotebookPath: "b.ipynb"}, []int{1, 2}, true}, // by path
		{Cell{ID: cell, KernelID: "kernel-c", NotebookPath: "c.ipynb"}, []int{2}, false},
		{Cell{ID: "other", KernelID: "kernel-a"}, nil, false},
	} {
		cells, err := s.CellRunningJobs(ctx, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		var running []int
		for _, cj := range cells {
			running = append(running, cj.JobIDs...)
			if cj.ByJob != c.byJob {
				t.Errorf("%+v: ByJob = %v", c.cell, cj.ByJob)
			}
		}
		tl, err := s.Timeline(ctx, c.cell, DefaultTimelineTasks)
		if err != nil {
			t.Fatal(err)
		}
		var shown []int
		for _, ta := range tl.Apps {
			for _, j := range ta.Jobs {
				shown = append(shown, j.JobID)
			}
		}
		if !slices.Equal(running, c.want) || !slices.Equal(shown, c.want) {
			t.Errorf("%+v: running %v, timeline %v, want %v", c.cell, running, shown, c.want)
		}
	}
}
