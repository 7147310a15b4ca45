package state

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// "Why is nothing moving?" (API.md § Waits): what the state knows of a running cell, read on the owner goroutine
// into plain values (cellProgress), then judged by pure functions (waits_decide.go).

// Defaults and bounds of the waits.
const (
	// DefaultStallAfter is how long a running cell goes without progress before the monitor says why.
	DefaultStallAfter = 10 * time.Second
	// SlowTaskRatio: a running task slower than this many times its stage attempt's median gets "Inspect".
	SlowTaskRatio = 5
	// slowTaskMinMs: …and running at least this long (a 5 ms median would flag every 25 ms task).
	slowTaskMinMs = 1000
	// maxSlowTasks bounds CellWaits.SlowTasks.
	maxSlowTasks = 10
)

// stageProgress is one active stage attempt of a running job of the cell.
type stageProgress struct {
	id, attempt               int
	numTasks, active, done    int
	finished                  int   // successful tasks with a known duration (the median's sample)
	median                    int64 // of those; meaningful when finished > 0
	running                   []span
	previousFailure           string // the failure reason of the attempt before (attempt > 0)
	lastProgress, submittedAt int64
}

// jobProgress is one running job of the cell.
type jobProgress struct {
	appID        string
	id           int
	active       []stageProgress
	pendingStage bool // a stage of the job is neither done nor submitted yet
	lastProgress int64
}

// cellProgress is what decides the waits of one cell at one moment.
type cellProgress struct {
	now, runStart, stallAfter int64
	// sparkApp is the running application of the cell's kernel ("" if none: the cell does not use Spark).
	sparkApp         string
	executors, cores int // of sparkApp
	tasksRunning     int // of sparkApp, every job
	jobs             []jobProgress
	lastJobEnd       int64 // the latest end of the cell's jobs (0: none)
	lastProgress     int64 // the latest start or end of the cell's jobs, stages and tasks, or its app's start (0: none)
}

// CellWaits reports why nothing moves in the cell (a wait, once nothing moved for stallAfter) and its slow running
// tasks. runStart is when the cell's run started (epoch ms, as the kernel's messages say); now is the current time.
// It reflects every Submit that returned before the call.
func (s *Store) CellWaits(ctx context.Context, cell Cell, runStart, now int64, stallAfter time.Duration) (wire.CellWaits, error) {
	if stallAfter <= 0 {
		stallAfter = DefaultStallAfter
	}
	var p cellProgress
	err := s.do(ctx, func() { p = s.cellProgress(cell, runStart, now, stallAfter.Milliseconds()) })
	if err != nil {
		return wire.CellWaits{}, err
	}
	return wire.CellWaits{CellID: cell.ID, Wait: p.wait(), SlowTasks: p.slowTasks(), StallAfterMs: p.stallAfter}, nil
}

// cellProgress reads the cell's running jobs (owner goroutine only).
func (s *Store) cellProgress(cell Cell, runStart, now, stallAfter int64) cellProgress {
	p := cellProgress{now: now, runStart: runStart, stallAfter: stallAfter}
	for _, id := range s.appOrder {
		a := s.apps[id]
		kernelApp := (a.info.KernelID != "" || a.info.NotebookPath != "") && cell.Runs(&a.info)
		if a.info.State == wire.AppRunning && kernelApp {
			h := a.header()
			p.sparkApp, p.executors, p.cores, p.tasksRunning = a.info.AppID, h.NumExecutors, h.TotalCores, a.runningTasks()
			// The application's start is progress too: the cell that creates the SparkSession is not "Python
			// running, no Spark job" while the session finishes starting.
			p.lastProgress = max(p.lastProgress, a.info.StartTime)
		}
		for _, jid := range a.order {
			j := a.jobs[jid]
			if !cell.Owns(&a.info, &j.info) {
				continue
			}
			if j.info.CompletionTime != nil {
				p.lastJobEnd = max(p.lastJobEnd, *j.info.CompletionTime)
			}
			if j.info.Status != wire.JobRunning {
				continue
			}
			jp := a.jobProgress(j)
			p.lastProgress = max(p.lastProgress, jp.lastProgress)
			p.jobs = append(p.jobs, jp)
		}
	}
	p.lastProgress = max(p.lastProgress, p.lastJobEnd)
	return p
}

// runningTasks counts the application's running tasks (every active stage attempt).
func (a *liveApp) runningTasks() int {
	n := 0
	for _, st := range a.stages {
		if st.info.Status == wire.StageActive {
			n += st.info.NumActiveTasks
		}
	}
	return n
}

func (a *liveApp) jobProgress(j *liveJob) jobProgress {
	jp := jobProgress{appID: a.info.AppID, id: j.info.JobID, lastProgress: j.info.SubmissionTime}
	for _, sid := range j.stageIDs {
		st := a.stages[stageKey{sid, a.latest[sid]}]
		if st == nil {
			continue
		}
		i := &st.info
		if i.CompletionTime != nil {
			jp.lastProgress = max(jp.lastProgress, *i.CompletionTime)
		}
		switch i.Status {
		case wire.StagePending:
			jp.pendingStage = true
		case wire.StageFailed:
			jp.pendingStage = true // it will be retried, or the job fails
		case wire.StageActive:
			sp := a.stageProgress(st)
			jp.lastProgress = max(jp.lastProgress, sp.lastProgress)
			jp.active = append(jp.active, sp)
		}
	}
	return jp
}

func (a *liveApp) stageProgress(st *liveStage) stageProgress {
	i := &st.info
	sp := stageProgress{id: i.StageID, attempt: i.AttemptID, numTasks: i.NumTasks, active: i.NumActiveTasks,
		done: i.NumCompletedTasks}
	if i.SubmissionTime != nil {
		sp.submittedAt, sp.lastProgress = *i.SubmissionTime, *i.SubmissionTime
	}
	if prev := a.stages[stageKey{i.StageID, i.AttemptID - 1}]; i.AttemptID > 0 && prev != nil && prev.info.FailureReason != nil {
		sp.previousFailure = *prev.info.FailureReason
	}
	t := a.tasks.stages[stageKey{i.StageID, i.AttemptID}]
	if t == nil {
		return sp
	}
	sp.finished, sp.median = t.times.count, t.times.median()
	sp.lastProgress = max(sp.lastProgress, t.lastEnd)
	sp.running = make([]span, 0, len(t.running))
	for _, s := range t.running {
		sp.lastProgress = max(sp.lastProgress, s.start)
		sp.running = append(sp.running, s)
	}
	slices.SortFunc(sp.running, func(x, y span) int { return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(x.taskID, y.taskID)) })
	return sp
}
