package state

import (
	"context"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Cell runs: the fallback for kernels without the cell-id hook (not IPython: nothing tags their jobs, nothing marks
// their cells). The browser reports when each cell of such a notebook runs, from the kernel's own messages, and a job
// of the notebook's app that names no cell goes under the cell whose run contains its submission time.

// Bounds of the reported runs: per notebook (the oldest go first), and notebooks (the least recently reported go).
const (
	MaxRunsPerNotebook = 1000
	MaxRunNotebooks    = 1000
)

// CellRun is one run of a notebook cell as the browser saw it: from the kernel's `busy` status for the cell's
// execute request to its `idle`, by the kernel's clock (epoch ms). End 0: still running.
type CellRun struct {
	NotebookPath string // relative to the Jupyter server's root, as the front end knows it
	CellID       string
	Start, End   int64
}

func (r CellRun) contains(t int64) bool { return r.Start <= t && (r.End == 0 || t <= r.End) }

// cellRuns holds the reported runs by notebook path (owner goroutine only).
type cellRuns struct {
	byPath map[string][]CellRun
	paths  []string // least recently reported first
}

// add records r, or the end of a run already recorded (same notebook, cell and start).
func (c *cellRuns) add(r CellRun) {
	if c.byPath == nil {
		c.byPath = map[string][]CellRun{}
	}
	runs, known := c.byPath[r.NotebookPath]
	c.paths = append(slices.DeleteFunc(c.paths, func(p string) bool { return p == r.NotebookPath }), r.NotebookPath)
	if !known && len(c.paths) > MaxRunNotebooks {
		delete(c.byPath, c.paths[0])
		c.paths = c.paths[1:]
	}
	i := slices.IndexFunc(runs, func(x CellRun) bool { return x.CellID == r.CellID && x.Start == r.Start })
	if i >= 0 {
		runs[i].End = max(runs[i].End, r.End)
	} else {
		runs = append(runs, r)
		if len(runs) > MaxRunsPerNotebook {
			runs = slices.Delete(runs, 0, len(runs)-MaxRunsPerNotebook)
		}
	}
	c.byPath[r.NotebookPath] = runs
}

// cellAt returns the cell of app's notebook whose latest run contains t, if the app is one of a kernel without the
// hook (it names its notebook but no kernel id: only our IPython hook exports the kernel id).
func (c *cellRuns) cellAt(app *wire.App, t int64) (string, bool) {
	if app.KernelID != "" || app.NotebookPath == "" {
		return "", false
	}
	for path, runs := range c.byPath {
		if !samePath(app.NotebookPath, path) {
			continue
		}
		for i := len(runs) - 1; i >= 0; i-- {
			if runs[i].contains(t) {
				return runs[i].CellID, true
			}
		}
	}
	return "", false
}

// place puts the app's jobs that name no cell (and may go under one: jobCell) under the cell whose run contains
// their submission.
func (c *cellRuns) place(a *liveApp, jobIDs ...int) {
	if len(jobIDs) == 0 {
		jobIDs = a.order
	}
	for _, id := range jobIDs {
		j := a.jobs[id]
		if j == nil || !j.byTime || j.info.CellID != nil {
			continue
		}
		if cell, ok := c.cellAt(&a.info, j.info.SubmissionTime); ok {
			j.info.CellID, j.cellByRun = &cell, true
			a.touchJob(id)
		}
	}
}

// placeJobs places the jobs an event started (a job start, a resync, a hello naming the notebook).
func (s *Store) placeJobs(a *liveApp, ev event.Event) {
	switch e := ev.(type) {
	case *event.JobStart:
		s.runs.place(a, e.JobID)
	case *event.Resync, *event.Hello:
		s.runs.place(a)
	}
}

// AddCellRun records a run of a cell of a notebook whose kernel has no cell-id hook, and places that notebook's jobs
// that it contains. It returns once applied.
func (s *Store) AddCellRun(ctx context.Context, r CellRun) error {
	return s.do(ctx, func() {
		s.runs.add(r)
		for _, id := range s.appOrder {
			s.runs.place(s.apps[id])
		}
	})
}
