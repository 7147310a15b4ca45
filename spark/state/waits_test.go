package state

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The recording skewed_task.jsonl: cell "cell-skew" of kernel "recording-kernel" counts 40 partitions on local[2];
// one partition sleeps, so its task ends seconds after the 39 others.
var skewCell = Cell{ID: "cell-skew", KernelID: "recording-kernel"}

// replayUntil submits the recording's events up to and including the first for which stop is true, and returns the
// time of that event.
func replayUntil(t *testing.T, s *Store, name string, keep func(event.Event) bool, stop func(event.Event) bool) int64 {
	t.Helper()
	app, evs := readRecording(t, name)
	var last int64
	for _, ev := range evs {
		if keep != nil && !keep(ev) {
			continue
		}
		submitAll(t, s, app, ev)
		last = max(last, progressTime(ev))
		if stop(ev) {
			return last
		}
	}
	t.Fatalf("%s: the stop event never came", name)
	return 0
}

// progressTime is the time of a job, stage or task event (0 for others).
func progressTime(ev event.Event) int64 {
	switch e := ev.(type) {
	case *event.JobStart:
		return e.Time
	case *event.JobEnd:
		return e.Time
	case *event.StageSubmitted:
		return e.Time
	case *event.StageCompleted:
		return e.Time
	case *event.TaskStart:
		return e.Time
	case *event.TaskEnd:
		return e.Time
	}
	return 0
}

func cellWaits(t *testing.T, s *Store, c Cell, runStart, now int64) wire.CellWaits {
	t.Helper()
	w, err := s.CellWaits(context.Background(), c, runStart, now, DefaultStallAfter)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// When one task of the stage is left, the wait names it, with its time and the stage's median (from the recording's
// frames, counted here independently) — after 10 s without progress, not before; and it is a slow task to inspect.
func TestStragglerIsNamedWithItsTimeAgainstTheMedian(t *testing.T) {
	s, _ := startStore(t, Options{})
	started, durations := map[int64]int64{}, []int64{}
	last := replayUntil(t, s, "skewed_task.jsonl", nil, func(ev event.Event) bool {
		switch e := ev.(type) {
		case *event.TaskStart:
			started[e.TaskID] = e.Time
		case *event.TaskEnd:
			durations = append(durations, e.Time-e.LaunchTime)
			delete(started, e.TaskID)
			return len(durations) == 39
		}
		return false
	})
	if len(started) != 1 {
		t.Fatalf("%d tasks still running after 39 ended, want 1", len(started))
	}
	var straggler, launched int64
	for id, at := range started {
		straggler, launched = id, at
	}
	slices.Sort(durations)
	median := durations[(len(durations)-1)/2]

	if w := cellWaits(t, s, skewCell, launched-1000, last+9000); w.Wait != nil {
		t.Fatalf("9 s after the last task ended: wait %+v, want none yet", *w.Wait)
	}
	now := last + 10_000
	got := cellWaits(t, s, skewCell, launched-1000, now)
	w := got.Wait
	if w == nil || w.Kind != wire.WaitStraggler || w.Task == nil {
		t.Fatalf("wait = %+v, want a straggler", w)
	}
	if w.Task.TaskID != straggler || w.Task.RunningMs != now-launched || w.Since != last {
		t.Errorf("straggler task %d running %d ms since %d, want task %d, %d ms, since %d", w.Task.TaskID,
			w.Task.RunningMs, w.Since, straggler, now-launched, last)
	}
	if d := float64(w.Task.MedianMs-median) / float64(median); d > 0.1 || d < -0.1 {
		t.Errorf("median %d ms, want %d ms within 10%%", w.Task.MedianMs, median)
	}
	for _, want := range []string{fmt.Sprintf("task %d ", straggler), formatMs(now - launched), "39 finished"} {
		if !strings.Contains(w.Message, want) {
			t.Errorf("message %q lacks %q", w.Message, want)
		}
	}
	if len(got.SlowTasks) != 1 || got.SlowTasks[0].TaskID != straggler {
		t.Errorf("slow tasks %+v, want task %d only", got.SlowTasks, straggler)
	}
}

// Every stage done, job not ended: the driver is collecting the result.
func TestDriverCollectingAfterTheLastStage(t *testing.T) {
	s, _ := startStore(t, Options{})
	last := replayUntil(t, s, "skewed_task.jsonl", nil, func(ev event.Event) bool {
		_, ok := ev.(*event.StageCompleted)
		return ok
	})
	w := cellWaits(t, s, skewCell, 1, last+10_000).Wait
	if w == nil || w.Kind != wire.WaitDriver || w.JobID == nil || *w.JobID != 0 {
		t.Fatalf("wait = %+v, want the driver collecting job 0's result", w)
	}
}

// The cell runs on after its job ended, its app alive: Python runs, no Spark job. A cell of another kernel, or one
// whose kernel has no Spark application, gets no wait.
func TestPythonRunningWithoutSparkJob(t *testing.T) {
	s, _ := startStore(t, Options{})
	last := replayUntil(t, s, "skewed_task.jsonl", nil, func(ev event.Event) bool {
		_, ok := ev.(*event.JobEnd)
		return ok
	})
	w := cellWaits(t, s, skewCell, 1, last+10_000).Wait
	if w == nil || w.Kind != wire.WaitPython || w.Since != last || !strings.Contains(w.Message, "no Spark job") {
		t.Fatalf("wait = %+v, want Python running since %d", w, last)
	}
	other := Cell{ID: "cell-skew", KernelID: "another-kernel"}
	if w := cellWaits(t, s, other, 1, last+60_000).Wait; w != nil {
		t.Errorf("a cell of a kernel without Spark: wait %+v, want none", *w)
	}
}

// The cell that creates the SparkSession: its run started before the application did, and the application's start
// is progress, so no "Python running" until stallAfter after it.
func TestApplicationStartIsProgress(t *testing.T) {
	s, _ := startStore(t, Options{})
	var started int64
	replayUntil(t, s, "skewed_task.jsonl", nil, func(ev event.Event) bool {
		e, ok := ev.(*event.AppStart)
		if ok {
			started = e.Time
		}
		return ok
	})
	runStart := started - 30_000
	if w := cellWaits(t, s, skewCell, runStart, started+9_000).Wait; w != nil {
		t.Fatalf("9 s after the application started: wait %+v, want none", *w)
	}
	w := cellWaits(t, s, skewCell, runStart, started+10_000).Wait
	if w == nil || w.Kind != wire.WaitPython || w.Since != started {
		t.Fatalf("10 s after the application started: wait %+v, want Python running since %d", w, started)
	}
}

// No executor ever registered (a standalone cluster that cannot grant one): waiting for executors, with the counts.
// The recording without its executorAdded frame is the driver's stream of such a cluster.
func TestWaitingForExecutorsCountsPendingTasksAndCores(t *testing.T) {
	s, _ := startStore(t, Options{})
	last := replayUntil(t, s, "skewed_task.jsonl",
		func(ev event.Event) bool { _, ok := ev.(*event.ExecutorAdded); return !ok },
		func(ev event.Event) bool { _, ok := ev.(*event.StageSubmitted); return ok })
	w := cellWaits(t, s, skewCell, 1, last+10_000).Wait
	want := "Waiting for executors: 40 tasks pending, 0 of 0 cores free, 0 executors."
	if w == nil || w.Kind != wire.WaitResources || w.Message != want || w.TasksPending != 40 {
		t.Fatalf("wait = %+v, want %q", w, want)
	}
}

// With the driver's 2 cores busy and tasks pending: waiting for cores.
func TestWaitingForCoresWhenEveryCoreIsBusy(t *testing.T) {
	s, _ := startStore(t, Options{})
	n := 0
	last := replayUntil(t, s, "skewed_task.jsonl", nil, func(ev event.Event) bool {
		_, ok := ev.(*event.TaskStart)
		n += map[bool]int{true: 1}[ok]
		return n == 2
	})
	w := cellWaits(t, s, skewCell, 1, last+10_000).Wait
	want := "Waiting for cores: 38 tasks pending, 0 of 2 cores free, 1 executors."
	if w == nil || w.Kind != wire.WaitResources || w.Message != want {
		t.Fatalf("wait = %+v, want %q", w, want)
	}
}

// A stage's second attempt after a fetch failure of the first.
func TestStageRetryAfterFetchFailure(t *testing.T) {
	s, _ := startStore(t, Options{})
	cell, reason := "c", "FetchFailed(BlockManagerId(1, host, 7337), shuffleId=0, mapIndex=3): connection refused"
	h := hello("app-r", 1)
	h.KernelID = "k"
	at := func(ms int64) event.Header { return event.Header{Time: ms} }
	submitAll(t, s, "app-r", h,
		&event.ExecutorAdded{Header: at(1), ExecutorID: "1", Host: "h", Cores: 4},
		&event.JobStart{Header: at(10), JobID: 0, CellID: &cell, Stages: []event.StageInfo{stage(1, 4, nil)}},
		&event.StageSubmitted{Header: at(11), StageID: 1, NumTasks: 4},
		&event.StageCompleted{Header: at(20), StageID: 1, Status: wire.StageFailed, FailureReason: &reason, NumTasks: 4},
		&event.StageSubmitted{Header: at(30), StageID: 1, AttemptID: 1, NumTasks: 4},
		&event.TaskStart{Header: at(31), StageID: 1, StageAttemptID: 1, TaskID: 9, ExecutorID: "1", Host: "h"})
	w := cellWaits(t, s, Cell{ID: cell, KernelID: "k"}, 5, 31+int64(DefaultStallAfter/time.Millisecond)).Wait
	if w == nil || w.Kind != wire.WaitRetry || *w.StageAttemptID != 1 || !strings.Contains(w.Message, "fetch failure") {
		t.Fatalf("wait = %+v, want stage 1 retried after a fetch failure", w)
	}
	if w.TasksPending != 3 || w.CoresFree != 3 {
		t.Errorf("pending %d, free cores %d; want 3 and 3", w.TasksPending, w.CoresFree)
	}
}
