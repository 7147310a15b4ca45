package state

import (
	"slices"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Cell names one notebook cell: its id and, when known, the notebook it is in (the id of the notebook's kernel and
// the notebook's path). Copies of one notebook share their cells' ids; the kernel id and path keep them apart.
type Cell struct {
	ID           string
	KernelID     string
	NotebookPath string // as the front end knows it: relative to the Jupyter server's root
}

// Runs reports whether the jobs of app that carry the cell's id are this cell's: the app runs in the cell's kernel
// or was started from its notebook. When either side says nothing of its notebook, the cell id alone decides.
func (c Cell) Runs(app *wire.App) bool {
	switch {
	case c.KernelID == "" && c.NotebookPath == "", app.KernelID == "" && app.NotebookPath == "":
		return true
	case c.KernelID != "" && app.KernelID == c.KernelID:
		return true
	default:
		return c.NotebookPath != "" && samePath(app.NotebookPath, c.NotebookPath)
	}
}

// Owns reports whether job, of app, is the cell's: it carries the cell's id and runs in the cell's notebook — the
// job's own notebook when it names one (a Spark Connect server runs the jobs of many notebooks), else its app's.
func (c Cell) Owns(app *wire.App, job *wire.Job) bool {
	if job.CellID == nil || *job.CellID != c.ID {
		return false
	}
	if job.KernelID != "" || job.NotebookPath != "" {
		return c.Runs(&wire.App{KernelID: job.KernelID, NotebookPath: job.NotebookPath})
	}
	return c.Runs(app)
}

// samePath reports whether the notebook path a kernel was started with (JPY_SESSION_NAME: absolute, or relative to
// the server's root) names the notebook at rel (relative to the server's root).
func samePath(kernelPath, rel string) bool {
	rel = strings.TrimPrefix(rel, "/")
	if rel == "" || kernelPath == "" {
		return false
	}
	return kernelPath == rel || strings.HasSuffix(kernelPath, "/"+rel)
}

// connectTagPrefix begins every job tag that Spark Connect gives the jobs of its operations.
const connectTagPrefix = "SparkConnect_"

// jobCell returns the cell id a job is under (nil: none): the one it carries (the cell local property of the thread
// that started it, or its Spark Connect tags), else the cell its app's kernel was running when Spark started it
// (RunningCell, from the kernel hook's marks: jobs of the cell's Python threads and thread pools). A Spark Connect
// operation's job without a cell id is under none: it is another client's, not this kernel's. byRun reports that the
// running cell decided (the listener does not know such a job as the cell's: cancel it by id).
func jobCell(e *event.JobStart) (cell *string, byRun bool) {
	if e.CellID != nil {
		return e.CellID, false
	}
	if e.RunningCell == nil || *e.RunningCell == "" || connectOperation(e) {
		return nil, false
	}
	return e.RunningCell, true
}

// connectOperation reports whether the job is a Spark Connect operation's (another client's, not the app's kernel's).
func connectOperation(e *event.JobStart) bool {
	return e.KernelID != "" || e.NotebookPath != "" ||
		slices.ContainsFunc(e.JobTags, func(t string) bool { return strings.HasPrefix(t, connectTagPrefix) })
}
