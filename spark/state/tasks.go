package state

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of per-task detail (API.md "Bounds"). Task counts stay exact beyond them; only spans are sampled.
const (
	maxFinishedSpansPerStage = 1000
	maxSpansPerApp           = 100_000
	// durationBucketBase is the width of a duration bucket: a bucket's middle is within 5% of every value in it.
	durationBucketBase = 1.1
)

// durations is a log-bucketed histogram of task durations: memory grows with the spread of durations (a few dozen
// buckets), not with the number of tasks.
type durations struct {
	count    int
	min, max int64
	buckets  []durationBucket // sorted by index
}

type durationBucket struct {
	index int32
	n     int
}

// bucketOf maps a duration to its bucket: 0 holds 0 ms, bucket i ≥ 1 holds [base^(i-1), base^i).
func bucketOf(ms int64) int32 {
	if ms <= 0 {
		return 0
	}
	return 1 + int32(math.Floor(math.Log(float64(ms))/math.Log(durationBucketBase)))
}

func (d *durations) add(ms int64) {
	ms = max(ms, 0)
	if d.count == 0 {
		d.min, d.max = ms, ms
	}
	d.min, d.max = min(d.min, ms), max(d.max, ms)
	d.count++
	i := bucketOf(ms)
	k, found := slices.BinarySearchFunc(d.buckets, i, func(b durationBucket, i int32) int { return cmp.Compare(b.index, i) })
	if found {
		d.buckets[k].n++
		return
	}
	d.buckets = slices.Insert(d.buckets, k, durationBucket{index: i, n: 1})
}

// median is the lower median, estimated by its bucket's geometric middle (clamped to the exact min and max).
func (d *durations) median() int64 {
	rank := (d.count - 1) / 2
	for _, b := range d.buckets {
		if rank < b.n {
			v := int64(0)
			if b.index > 0 {
				v = int64(math.Round(math.Pow(durationBucketBase, float64(b.index)-0.5)))
			}
			return min(max(v, d.min), d.max)
		}
		rank -= b.n
	}
	return d.max
}

func (d *durations) summary() *wire.TaskTime {
	if d.count == 0 {
		return nil
	}
	return &wire.TaskTime{Count: d.count, Min: d.min, Median: d.median(), Max: d.max}
}

// span is a task span as stored (end 0 while running).
type span struct {
	stageID, stageAttempt, index, attempt int
	taskID                                int64
	executorID, host, status              string
	start, end                            int64
}

func (s span) out() wire.TaskSpan {
	t := wire.TaskSpan{StageID: s.stageID, StageAttemptID: s.stageAttempt, TaskID: s.taskID, Index: s.index,
		Attempt: s.attempt, ExecutorID: s.executorID, Host: s.host, Start: s.start, Status: s.status}
	if s.status != wire.TaskRunning {
		end := s.end
		t.End = &end
	}
	return t
}

// stageTasks is the per-task detail of one stage attempt. It is kept apart from liveStage because a stage attempt
// that an earlier job computed is re-created (and skipped) for a later job that reuses it.
type stageTasks struct {
	jobIDs    []int // the jobs the stage attempt belonged to while its tasks ran
	times     durations
	running   map[int64]span
	nRunning  int // tasks started and not ended (exact, even when a span was not kept)
	ended     int
	finished  []span // uniform sample of finished tasks, in random order (every prefix is a uniform sample too)
	dropped   bool   // finished spans were dropped for the app-wide bound; sampling stopped
	rng       *rand.Rand
	lastEnd   int64
	memSpill  int64
	diskSpill int64
}

// taskData holds the per-task detail of an application's stage attempts, at most maxSpansPerApp spans.
type taskData struct {
	stages map[stageKey]*stageTasks
	spans  int
}

func (d *taskData) stage(k stageKey, st *liveStage) *stageTasks {
	if d.stages == nil {
		d.stages = map[stageKey]*stageTasks{}
	}
	t := d.stages[k]
	if t == nil {
		t = &stageTasks{running: map[int64]span{}, rng: rand.New(rand.NewPCG(uint64(k.id), uint64(k.attempt)))}
		d.stages[k] = t
	}
	for _, id := range st.jobIDs {
		if !slices.Contains(t.jobIDs, id) {
			t.jobIDs = append(t.jobIDs, id)
		}
	}
	return t
}

// taskStarted records a running task's span and the app's activity.
func (a *liveApp) taskStarted(e *event.TaskStart, st *liveStage) {
	t := a.tasks.stage(stageKey{e.StageID, e.StageAttemptID}, st)
	t.nRunning++
	if _, dup := t.running[e.TaskID]; !dup && a.tasks.makeRoom() {
		t.running[e.TaskID] = span{stageID: e.StageID, stageAttempt: e.StageAttemptID, index: e.Index, attempt: e.Attempt,
			taskID: e.TaskID, executorID: e.ExecutorID, host: e.Host, status: wire.TaskRunning, start: e.Time}
		a.tasks.spans++
	}
	a.activity.taskStarted(e.Time)
}

// taskEnded records a finished task's duration, spills and span (sampled), and the app's activity.
func (a *liveApp) taskEnded(e *event.TaskEnd, st *liveStage) {
	t := a.tasks.stage(stageKey{e.StageID, e.StageAttemptID}, st)
	s, wasRunning := t.running[e.TaskID]
	if wasRunning {
		delete(t.running, e.TaskID)
		a.tasks.spans--
	}
	if t.nRunning > 0 {
		t.nRunning--
	}
	t.ended++
	t.lastEnd = max(t.lastEnd, e.Time)
	if e.LaunchTime > 0 || !wasRunning {
		s.start = e.LaunchTime
	}
	if e.Status == "SUCCESS" && s.start > 0 {
		t.times.add(e.Time - s.start)
	}
	if s.start <= 0 { // launch unknown: a point at the end
		s.start = e.Time
	}
	if e.Metrics != nil {
		t.memSpill += e.Metrics.MemoryBytesSpilled
		t.diskSpill += e.Metrics.DiskBytesSpilled
	}
	s = span{stageID: e.StageID, stageAttempt: e.StageAttemptID, index: e.Index, attempt: e.Attempt, taskID: e.TaskID,
		executorID: e.ExecutorID, host: e.Host, status: e.Status, start: s.start, end: e.Time}
	a.tasks.sample(t, s)
	a.activity.taskEnded(e.Time)
}

// sample offers a finished span to the stage's reservoir (Algorithm R, with an inside-out shuffle while filling so
// that the reservoir's order is random too).
func (d *taskData) sample(t *stageTasks, s span) {
	if t.dropped {
		return
	}
	n := t.ended // spans offered so far, this one included
	if len(t.finished) < maxFinishedSpansPerStage {
		if !d.makeRoom() || t.dropped {
			return
		}
		t.finished = append(t.finished, s)
		j := t.rng.IntN(len(t.finished))
		t.finished[j], t.finished[len(t.finished)-1] = s, t.finished[j]
		d.spans++
		return
	}
	if j := t.rng.IntN(n); j < len(t.finished) {
		t.finished[j] = s
	}
}

// makeRoom reports whether one more span fits; at the bound it first drops the finished spans of whole stage
// attempts, those whose tasks ended first, until the app holds at most 90% of the bound.
func (d *taskData) makeRoom() bool {
	if d.spans < maxSpansPerApp {
		return true
	}
	keys := make([]stageKey, 0, len(d.stages))
	for k, t := range d.stages {
		if len(t.finished) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y stageKey) int {
		tx, ty := d.stages[x], d.stages[y]
		return cmp.Or(cmp.Compare(min(tx.nRunning, 1), min(ty.nRunning, 1)), cmp.Compare(tx.lastEnd, ty.lastEnd),
			cmp.Compare(x.id, y.id), cmp.Compare(x.attempt, y.attempt))
	})
	for _, k := range keys {
		if d.spans <= maxSpansPerApp*9/10 {
			break
		}
		t := d.stages[k]
		d.spans -= len(t.finished)
		t.finished, t.dropped = nil, true
	}
	return d.spans < maxSpansPerApp
}

// forget drops the detail of an evicted stage attempt.
func (d *taskData) forget(k stageKey) {
	if t := d.stages[k]; t != nil {
		d.spans -= len(t.running) + len(t.finished)
		delete(d.stages, k)
	}
}

// summarizeTasks sets each stage's TaskTime from the tasks it ran for job jobID, and returns the job's hints.
func (a *liveApp) summarizeTasks(jobID int, stages []wire.Stage) []wire.Hint {
	hints := []wire.Hint{}
	for i := range stages {
		t := a.tasks.stages[stageKey{stages[i].StageID, stages[i].AttemptID}]
		if t == nil || !slices.Contains(t.jobIDs, jobID) {
			continue
		}
		stages[i].TaskTime = t.times.summary()
		hints = append(hints, stageHints(stages[i].StageID, stages[i].AttemptID, t)...)
	}
	return hints
}
