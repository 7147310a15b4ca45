package state

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The rules of "why is nothing moving" (API.md § Waits), pure functions of a cellProgress.

// since is the cell's last progress: its run's start, or a later start or end of its jobs, stages and tasks, or the
// start of its kernel's running application.
func (p *cellProgress) since() int64 { return max(p.runStart, p.lastProgress) }

// wait is why nothing moved in the cell for stallAfter, or nil: something moved lately, or the cell runs no Spark
// (no application of its kernel runs, and none of its jobs does).
func (p *cellProgress) wait() *wire.Wait {
	since := p.since()
	if p.runStart <= 0 || p.now-since < p.stallAfter {
		return nil
	}
	for i := len(p.jobs) - 1; i >= 0; i-- { // the latest job first: the cell waits on it
		if w := p.jobWait(&p.jobs[i]); w != nil {
			w.Since = since
			return w
		}
	}
	if len(p.jobs) > 0 || p.sparkApp == "" {
		return nil
	}
	w := p.newWait(wire.WaitPython, p.sparkApp)
	w.Since = since
	w.Message = fmt.Sprintf("Python is running, no Spark job: the cell has run no Spark job for %s.",
		formatMs(p.now-since))
	w.Advice = "The time goes to Python code in the kernel (a loop, a sleep, a call to another service, " +
		"toPandas() converting rows, or code waiting for input); Spark is idle. Interrupt the kernel to stop it."
	return w
}

func (p *cellProgress) newWait(kind wire.WaitKind, appID string) *wire.Wait {
	return &wire.Wait{Kind: kind, AppID: appID, CoresTotal: p.cores, Executors: p.executors, TasksRunning: p.tasksRunning,
		CoresFree: max(0, p.cores-p.tasksRunning)}
}

// jobWait is why the running job does not move, or nil when it tells nothing (it moved lately).
func (p *cellProgress) jobWait(j *jobProgress) *wire.Wait {
	w := p.newWait("", j.appID)
	w.JobID = &j.id
	if len(j.active) == 0 {
		if j.pendingStage {
			return nil // between stages: the next one is about to be submitted
		}
		w.Kind = wire.WaitDriver
		w.Message = fmt.Sprintf("Job %d: every stage is done; the driver is collecting the result.", j.id)
		w.Advice = "The tasks' results travel to the driver (collect(), toPandas(), a broadcast). A large result " +
			"takes memory and time in the driver: write it out instead, or limit() it."
		return w
	}
	pending, running := 0, 0
	for _, st := range j.active {
		pending += max(0, st.numTasks-st.done-st.active)
		running += st.active
	}
	w.TasksPending = pending
	st := &j.active[len(j.active)-1]
	w.StageID, w.StageAttemptID = &st.id, &st.attempt
	switch {
	case st.attempt > 0:
		w.Kind = wire.WaitRetry
		w.Message = fmt.Sprintf("Stage %d is running again (attempt %d) %s; %d tasks pending, %d running.",
			st.id, st.attempt, retryCause(st.previousFailure), pending, running)
		w.Advice = "A shuffle's output was lost (an executor died or was removed, or a disk failed): Spark " +
			"recomputes it. Repeated retries point at executors dying (memory: raise spark.executor.memory or " +
			"memoryOverhead) or at an external shuffle service that is not reachable."
	case pending > 0 && w.CoresFree == 0:
		w.Kind = wire.WaitResources
		w.Message = p.resourcesMessage(pending)
		w.Advice = "Spark has no free core for these tasks. With no executor: the cluster cannot grant one " +
			"(each executor asks for spark.executor.cores and spark.executor.memory; a worker must have that much " +
			"free) or dynamic allocation is still asking; otherwise every core is busy with other jobs."
	case pending > 0:
		w.Kind = wire.WaitResources
		w.Message = p.resourcesMessage(pending) + " The scheduler holds the pending tasks back."
		w.Advice = "Free cores but pending tasks: a task needs more cores than are free (spark.task.cpus), the " +
			"scheduler waits for a data-local slot (spark.locality.wait), or a barrier stage waits for all its slots."
	case running == 1 && len(st.running) == 1 && st.finished > 0:
		t := st.running[0]
		w.Kind = wire.WaitStraggler
		w.Task = p.slowTask(j.appID, st, t)
		w.Message = fmt.Sprintf("One straggler left in stage %d: task %d (partition %d) has run %s, %s the median "+
			"(%s) of the stage's %d finished tasks.", st.id, t.taskID, t.index, formatMs(w.Task.RunningMs),
			formatRatio(w.Task.RunningMs, st.median), formatMs(st.median), st.finished)
		w.Advice = "That task's partition holds much more data than the others (skew: repartition on a better " +
			"key, or salt the hot key), or its executor is slow. Inspect shows what it is running."
	default:
		w.Kind = wire.WaitTasks
		w.Message = fmt.Sprintf("Stage %d: %d tasks running, none started or ended for %s.", st.id, running,
			formatMs(p.now-p.since()))
		w.Advice = "Long tasks: each one works through a large partition or waits on something outside Spark " +
			"(a UDF calling a service, a sleep). More partitions make tasks shorter; Inspect shows what a slow task runs."
	}
	return w
}

func (p *cellProgress) resourcesMessage(pending int) string {
	what := "cores"
	if p.executors == 0 {
		what = "executors"
	}
	return fmt.Sprintf("Waiting for %s: %d tasks pending, %d of %d cores free, %d executors.",
		what, pending, max(0, p.cores-p.tasksRunning), p.cores, p.executors)
}

// retryCause names why the stage's previous attempt failed, from its reason.
func retryCause(reason string) string {
	switch {
	case strings.Contains(reason, "FetchFailed") || strings.Contains(reason, "fetch"):
		return "after a shuffle fetch failure"
	case reason == "":
		return "after its previous attempt failed"
	default:
		line, _, _ := strings.Cut(reason, "\n")
		return "after its previous attempt failed (" + event.Clip(line, 200) + ")"
	}
}

func (p *cellProgress) slowTask(appID string, st *stageProgress, t span) *wire.SlowTask {
	median := int64(-1)
	if st.finished > 0 {
		median = st.median
	}
	return &wire.SlowTask{AppID: appID, StageID: st.id, StageAttemptID: st.attempt, TaskID: t.taskID, Index: t.index,
		Attempt: t.attempt, ExecutorID: t.executorID, Host: t.host, RunningMs: max(0, p.now-t.start), MedianMs: median}
}

// slowTasks are the running tasks of the cell's jobs slower than SlowTaskRatio × their stage attempt's median (and
// than slowTaskMinMs), slowest first, at most maxSlowTasks.
func (p *cellProgress) slowTasks() []wire.SlowTask {
	out := []wire.SlowTask{}
	for i := range p.jobs {
		j := &p.jobs[i]
		for k := range j.active {
			st := &j.active[k]
			if st.finished == 0 {
				continue
			}
			for _, t := range st.running {
				ran := p.now - t.start
				if ran >= slowTaskMinMs && ran > SlowTaskRatio*st.median {
					out = append(out, *p.slowTask(j.appID, st, t))
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y wire.SlowTask) int {
		return cmp.Or(cmp.Compare(y.RunningMs, x.RunningMs), cmp.Compare(x.TaskID, y.TaskID))
	})
	return out[:min(len(out), maxSlowTasks)]
}
