package state

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// lowerMedian is the exact value TaskTime.median estimates.
func lowerMedian(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[(len(s)-1)/2]
}

func withinTenPercent(got, want int64) bool {
	d := got - want
	return d*d*100 <= want*want
}

func TestTaskTimeMedianIsWithinTenPercentAndMinMaxExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 10, 101, 5000} {
		for _, spread := range []int64{1, 20, 1000, 600_000} {
			var d durations
			var all []int64
			for range n {
				ms := rng.Int64N(spread) + rng.Int64N(3)
				d.add(ms)
				all = append(all, ms)
			}
			got := d.summary()
			if got.Count != n || got.Min != slices.Min(all) || got.Max != slices.Max(all) {
				t.Errorf("n=%d spread=%d: %+v, min %d max %d", n, spread, got, slices.Min(all), slices.Max(all))
			}
			if want := lowerMedian(all); !withinTenPercent(got.Median, want) {
				t.Errorf("n=%d spread=%d: median %d, exact %d", n, spread, got.Median, want)
			}
			if len(d.buckets) > 160 {
				t.Errorf("%d buckets: the histogram must stay small", len(d.buckets))
			}
		}
	}
	if (&durations{}).summary() != nil {
		t.Error("no successful task: taskTime must be null")
	}
}

// flood runs numStages stages of tasksPerStage tasks each (one job, cell "flood") through a liveApp, with at most
// two tasks running at a time, and returns the app.
func flood(numStages, tasksPerStage int) *liveApp {
	a := newLiveApp("flood")
	cell := "flood"
	a.apply(&event.ExecutorAdded{Header: event.Header{Time: 1}, ExecutorID: "driver", Host: "h", Cores: 2})
	stages := make([]event.StageInfo, numStages)
	for i := range stages {
		stages[i] = event.StageInfo{StageID: i, NumTasks: tasksPerStage, Name: "s" + strconv.Itoa(i)}
	}
	a.apply(&event.JobStart{Header: event.Header{Time: 10}, JobID: 0, CellID: &cell, Stages: stages})
	now, id := int64(10), int64(0)
	for s := range numStages {
		a.apply(&event.StageSubmitted{Header: event.Header{Time: now}, StageID: s, NumTasks: tasksPerStage})
		for i := range tasksPerStage {
			if i > 1 {
				prev := id - 2
				a.apply(&event.TaskEnd{Header: event.Header{Time: now}, StageID: s, TaskID: prev, Index: i - 2, ExecutorID: "driver",
					LaunchTime: now - 7, Status: "SUCCESS"})
			}
			a.apply(&event.TaskStart{Header: event.Header{Time: now}, StageID: s, TaskID: id, Index: i, ExecutorID: "driver"})
			id++
			now += 3
		}
		for _, tid := range []int64{id - 2, id - 1} {
			a.apply(&event.TaskEnd{Header: event.Header{Time: now}, StageID: s, TaskID: tid, ExecutorID: "driver", LaunchTime: now - 7, Status: "SUCCESS"})
		}
		a.apply(&event.StageCompleted{Header: event.Header{Time: now}, StageID: s, Status: "COMPLETE"})
	}
	a.apply(&event.JobEnd{Header: event.Header{Time: now}, JobID: 0, Result: "SUCCEEDED"})
	return a
}

func heldSpans(a *liveApp) int {
	n := 0
	for _, t := range a.tasks.stages {
		n += len(t.running) + len(t.finished)
	}
	return n
}

func TestFloodOfTasksKeepsSpansBoundedAndCountsExact(t *testing.T) {
	const numStages, perStage = 100, 2000 // 200 000 tasks
	a := flood(numStages, perStage)
	if got := heldSpans(a); got != a.tasks.spans || got > maxSpansPerApp {
		t.Fatalf("spans held %d, counted %d, bound %d", got, a.tasks.spans, maxSpansPerApp)
	}
	dropped := 0
	for k, st := range a.tasks.stages {
		if len(st.finished) > maxFinishedSpansPerStage || st.times.count != perStage || st.ended != perStage || st.nRunning != 0 {
			t.Fatalf("stage %v: %d spans, %d durations, %d ended", k, len(st.finished), st.times.count, st.ended)
		}
		if st.dropped {
			dropped++
			if k.id >= numStages/2 {
				t.Errorf("stage %d lost its spans before older stages", k.id)
			}
		}
	}
	if dropped == 0 {
		t.Error("200 000 tasks must hit the app-wide span bound")
	}
	j := a.job(a.jobs[0])
	if j.NumCompletedTasks != numStages*perStage || j.NumActiveTasks != 0 {
		t.Errorf("job counts: %d completed, %d active", j.NumCompletedTasks, j.NumActiveTasks)
	}
	for _, st := range j.Stages {
		if tt := st.TaskTime; tt == nil || tt.Count != perStage || tt.Min != 7 || tt.Max != 7 || tt.Median != 7 {
			t.Fatalf("stage %d taskTime %+v", st.StageID, st.TaskTime)
		}
	}
	if len(a.activity.points) > maxActivityPoints {
		t.Errorf("%d activity points", len(a.activity.points))
	}
	for _, p := range a.activity.points {
		if p.ActiveTasks > p.Cores || p.Cores != 2 {
			t.Fatalf("activity point %+v", p)
		}
	}
	tl, ok := a.timeline(Cell{ID: "flood"}, MaxTimelineTasks)
	if !ok || tl.NumTasks != numStages*perStage || len(tl.Tasks) != MaxTimelineTasks || !tl.Sampled {
		t.Fatalf("timeline: ok=%v numTasks=%d spans=%d sampled=%v", ok, tl.NumTasks, len(tl.Tasks), tl.Sampled)
	}
	if len(tl.Activity) > maxTimelinePoints || len(tl.Stages) != numStages || len(tl.Jobs) != 1 {
		t.Errorf("timeline: %d points, %d stages, %d jobs", len(tl.Activity), len(tl.Stages), len(tl.Jobs))
	}
}

func TestReservoirIsAUniformSampleOfTheStage(t *testing.T) {
	a := flood(1, 20_000)
	st := a.tasks.stages[stageKey{0, 0}]
	if len(st.finished) != maxFinishedSpansPerStage {
		t.Fatalf("%d spans kept", len(st.finished))
	}
	// Task ids run 0..19999 in order: a uniform sample has a mean near 10 000, and so has any prefix of it.
	for _, n := range []int{100, 1000} {
		sum := int64(0)
		for _, s := range st.finished[:n] {
			sum += s.taskID
		}
		if mean := sum / int64(n); mean < 8500 || mean > 11500 {
			t.Errorf("mean task id of the first %d spans = %d: not a uniform sample", n, mean)
		}
	}
	tl, _ := a.timeline(Cell{ID: "flood"}, 300)
	if len(tl.Tasks) != 300 || !tl.Sampled || tl.NumTasks != 20_000 {
		t.Errorf("timeline of 300: %d spans of %d", len(tl.Tasks), tl.NumTasks)
	}
}

func TestActivityIsCoalescedAndBoundedKeepingPeaks(t *testing.T) {
	var s activity
	s.cores = 4
	s.taskStarted(5)
	s.taskStarted(5) // same millisecond: one point
	s.taskEnded(6)
	s.taskStarted(6) // back to the same value within the millisecond
	if len(s.points) != 1 || s.points[0] != (wire.ActivityPoint{Time: 5, ActiveTasks: 2, Cores: 4}) {
		t.Fatalf("points = %+v", s.points)
	}
	for i := range 10_000 {
		s.taskStarted(int64(10 + 2*i))
		s.taskEnded(int64(11 + 2*i))
	}
	if len(s.points) > maxActivityPoints {
		t.Fatalf("%d points", len(s.points))
	}
	if peak := slices.MaxFunc(s.points, func(x, y wire.ActivityPoint) int { return x.ActiveTasks - y.ActiveTasks }); peak.ActiveTasks != 3 {
		t.Errorf("the peak of 3 running tasks was lost: %+v", peak)
	}
	for i := 1; i < len(s.points); i++ {
		if s.points[i].Time < s.points[i-1].Time {
			t.Fatalf("time goes back at %d: %+v", i, s.points[i-1:i+1])
		}
	}
	end := int64(1000)
	w := s.window(500, &end, 50)
	if len(w) > 50 || w[0].Time != 500 || w[len(w)-1].Time > end {
		t.Errorf("window = %d points from %d to %d", len(w), w[0].Time, w[len(w)-1].Time)
	}
}

func TestExecutorLanesAreBoundedEvictingRemovedFirst(t *testing.T) {
	a := newLiveApp("a")
	for i := range maxExecutorLanes + 200 {
		id := strconv.Itoa(i)
		a.apply(&event.ExecutorAdded{Header: event.Header{Time: int64(i + 1)}, ExecutorID: id, Host: "h", Cores: 1})
		if i%2 == 1 && i < 600 {
			a.apply(&event.ExecutorRemoved{Header: event.Header{Time: int64(i + 1)}, ExecutorID: id, Reason: "lost"})
		}
	}
	live := 0
	for _, l := range a.lanes {
		if !l.isRemoved {
			live++
		}
	}
	if len(a.lanes) > maxExecutorLanes || live != maxExecutorLanes+200-300 || a.lanes[0].id != "0" {
		t.Fatalf("%d lanes, %d live (want every live executor kept), first %q", len(a.lanes), live, a.lanes[0].id)
	}
}

func TestStoreTimelineShowsRunningTasksFirst(t *testing.T) {
	s, _ := startStore(t, Options{})
	cell := "c"
	submitAll(t, s, "a", hello("a", 1),
		&event.ExecutorAdded{Header: event.Header{Time: 1}, ExecutorID: "driver", Host: "h", Cores: 2},
		&event.JobStart{Header: event.Header{Time: 2}, JobID: 0, CellID: &cell, Stages: []event.StageInfo{stage(0, 3, nil)}},
		&event.StageSubmitted{Header: event.Header{Time: 3}, StageID: 0, NumTasks: 3},
		&event.TaskStart{Header: event.Header{Time: 4}, StageID: 0, TaskID: 1, ExecutorID: "driver"},
		&event.TaskStart{Header: event.Header{Time: 5}, StageID: 0, TaskID: 2, ExecutorID: "driver"},
		&event.TaskEnd{Header: event.Header{Time: 9}, StageID: 0, TaskID: 1, ExecutorID: "driver", LaunchTime: 4, Status: "FAILED"},
		&event.TaskStart{Header: event.Header{Time: 9}, StageID: 0, TaskID: 3, ExecutorID: "driver"})
	tl, err := s.Timeline(context.Background(), Cell{ID: cell}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Apps) != 1 {
		t.Fatalf("timeline = %+v", tl)
	}
	ta := tl.Apps[0]
	if ta.NumTasks != 3 || !ta.Sampled || len(ta.Tasks) != 2 || ta.End != nil || ta.Start != 2 {
		t.Fatalf("app = %+v", ta)
	}
	for _, sp := range ta.Tasks {
		if sp.Status != "RUNNING" || sp.End != nil {
			t.Errorf("running tasks come first: %+v", sp)
		}
	}
	tl, _ = s.Timeline(context.Background(), Cell{ID: cell}, DefaultTimelineTasks)
	if f := tl.Apps[0].Tasks[2]; f.TaskID != 1 || f.Status != "FAILED" || f.Start != 4 || *f.End != 9 {
		t.Errorf("finished span = %+v", f)
	}
	if ex := tl.Apps[0].Executors; len(ex) != 1 || ex[0].ExecutorID != "driver" || ex[0].Cores != 2 || *ex[0].AddedTime != 1 {
		t.Errorf("executors = %+v", ex)
	}
	if act := tl.Apps[0].Activity; len(act) != 3 || act[0] != (wire.ActivityPoint{Time: 2, ActiveTasks: 0, Cores: 2}) || act[2] != (wire.ActivityPoint{Time: 5, ActiveTasks: 2, Cores: 2}) {
		t.Errorf("activity = %+v", act)
	}
	tl, _ = s.Timeline(context.Background(), Cell{ID: "no-such-cell"}, DefaultTimelineTasks)
	if tl.Apps == nil || len(tl.Apps) != 0 {
		t.Errorf("unknown cell: %+v", tl)
	}
}

func TestTaskWithoutALaunchTimeHasNoDuration(t *testing.T) {
	a := newLiveApp("a")
	cell := "c"
	a.apply(&event.JobStart{Header: event.Header{Time: 1}, JobID: 0, CellID: &cell, Stages: []event.StageInfo{stage(0, 2, nil)}})
	a.apply(&event.StageSubmitted{Header: event.Header{Time: 1}, StageID: 0, NumTasks: 2})
	// the monitor missed both starts (it restarted); one end lacks its launch time
	a.apply(&event.TaskEnd{Header: event.Header{Time: 50}, StageID: 0, TaskID: 1, Status: "SUCCESS"})
	a.apply(&event.TaskEnd{Header: event.Header{Time: 60}, StageID: 0, TaskID: 2, LaunchTime: 40, Status: "SUCCESS"})
	if tt := a.job(a.jobs[0]).Stages[0].TaskTime; tt == nil || tt.Count != 1 || tt.Max != 20 {
		t.Errorf("taskTime = %+v", tt)
	}
	tl, _ := a.timeline(Cell{ID: cell}, 10)
	if tl.NumTasks != 2 || len(tl.Tasks) != 2 || tl.Tasks[0].Start != 40 || tl.Tasks[1].Start != 50 || *tl.Tasks[1].End != 50 {
		t.Errorf("timeline = %+v", tl)
	}
}
