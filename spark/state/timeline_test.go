package state

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// allRecordings are the streams recorded from real PySpark by spark/event/testdata/record.py.
var allRecordings = []string{"range_sum.jsonl", "shuffle_skip.jsonl", "failing_task.jsonl", "skewed_task.jsonl",
	"spill_sort.jsonl", "tiny_tasks.jsonl", "cancelled_job.jsonl"}

// framesByCell counts, from the recording's frames, the tasks each cell's jobs started (a task belongs to the jobs
// running when it started whose stages include its stage) per stage attempt, and each stage attempt's successful task
// durations.
func framesByCell(evs []event.Event) (tasks map[string]map[stageKey]int, durs map[stageKey][]int64) {
	tasks, durs = map[string]map[stageKey]int{}, map[stageKey][]int64{}
	cellOf, stagesOf := map[int]string{}, map[int][]int{}
	running := map[int]bool{}
	for _, ev := range evs {
		switch e := ev.(type) {
		case *event.JobStart:
			running[e.JobID] = true
			if e.CellID != nil {
				cellOf[e.JobID] = *e.CellID
			}
			for _, s := range e.Stages {
				stagesOf[e.JobID] = append(stagesOf[e.JobID], s.StageID)
			}
		case *event.JobEnd:
			delete(running, e.JobID)
		case *event.TaskStart:
			counted := map[string]bool{}
			for jid := range running {
				if c := cellOf[jid]; slices.Contains(stagesOf[jid], e.StageID) && !counted[c] {
					counted[c] = true
					if tasks[c] == nil {
						tasks[c] = map[stageKey]int{}
					}
					tasks[c][stageKey{e.StageID, e.StageAttemptID}]++
				}
			}
		case *event.TaskEnd:
			if e.Status == "SUCCESS" {
				k := stageKey{e.StageID, e.StageAttemptID}
				durs[k] = append(durs[k], e.Time-e.LaunchTime)
			}
		}
	}
	return tasks, durs
}

func replayStore(t *testing.T, name string) (*Store, string, []event.Event) {
	t.Helper()
	app, evs := readRecording(t, name)
	s, _ := startStore(t, Options{})
	submitAll(t, s, app, evs...)
	return s, app, evs
}

func TestReplayTaskTimesMatchTheTasks(t *testing.T) {
	for _, name := range allRecordings {
		t.Run(name, func(t *testing.T) {
			s, app, evs := replayStore(t, name)
			_, durs := framesByCell(evs)
			seen := 0
			for _, j := range snapshotApp(t, s, app).Jobs {
				for _, st := range j.Stages {
					want := durs[stageKey{st.StageID, st.AttemptID}]
					if st.TaskTime == nil {
						if len(want) > 0 && st.Status != wire.StageSkipped {
							t.Errorf("job %d stage %d: no taskTime for %d successful tasks", j.JobID, st.StageID, len(want))
						}
						continue
					}
					seen++
					tt := st.TaskTime
					if tt.Count != len(want) || tt.Min != slices.Min(want) || tt.Max != slices.Max(want) ||
						!withinTenPercent(tt.Median, lowerMedian(want)) {
						t.Errorf("job %d stage %d: taskTime %+v; tasks: %d, min %d, median %d, max %d", j.JobID, st.StageID,
							*tt, len(want), slices.Min(want), lowerMedian(want), slices.Max(want))
					}
				}
			}
			if seen == 0 {
				t.Error("no stage has a taskTime")
			}
		})
	}
}

// hintsOf returns the hints of every job of the app, by kind.
func hintsOf(t *testing.T, s *Store, app string) map[string][]wire.Hint {
	t.Helper()
	out := map[string][]wire.Hint{}
	for _, j := range snapshotApp(t, s, app).Jobs {
		if j.Hints == nil {
			t.Errorf("job %d: hints must be [] rather than null", j.JobID)
		}
		for _, h := range j.Hints {
			out[h.Kind] = append(out[h.Kind], h)
		}
	}
	return out
}

func TestReplayHintsWhereTheDataShowsThem(t *testing.T) {
	for _, name := range []string{"range_sum.jsonl", "shuffle_skip.jsonl", "failing_task.jsonl"} {
		s, app, _ := replayStore(t, name)
		if h := hintsOf(t, s, app); len(h) != 0 {
			t.Errorf("%s: a normal run shows hints %+v", name, h)
		}
	}
	cases := []struct {
		recording, kind, severity string
		message                   []string // what the user reads
	}{
		// one partition sleeps 6 s among 40 tasks of ~170 ms
		{"skewed_task.jsonl", wire.HintSkew, wire.SeverityWarning, []string{"Stage 0: the slowest task took 6.", "× the median (", "ms): skewed partitions"}},
		// a sort with 1% of the heap for execution: 85 MiB spilled to disk
		{"spill_sort.jsonl", wire.HintSpill, wire.SeverityWarning, []string{"MiB spilled to disk (", "MiB in memory before spilling): memory per task was too small"}},
		// 5050 tasks of a few ms
		{"tiny_tasks.jsonl", wire.HintTinyTasks, wire.SeverityInfo, []string{"5050 tasks with a median of ", " ms: scheduling overhead dominates"}},
	}
	for _, c := range cases {
		s, app, _ := replayStore(t, c.recording)
		got := hintsOf(t, s, app)
		if len(got) != 1 || len(got[c.kind]) != 1 {
			t.Errorf("%s: want one %s hint, got %+v", c.recording, c.kind, got)
			continue
		}
		h := got[c.kind][0]
		for _, m := range c.message {
			if !strings.Contains(h.Message, m) || h.Severity != c.severity {
				t.Errorf("%s: hint %+v, want %s and %q in the message", c.recording, h, c.severity, m)
			}
		}
		t.Logf("%s: %s", c.recording, h.Message)
	}
}

func TestReplayTimelineCountsEveryTaskAndSamplesSpans(t *testing.T) {
	for _, name := range allRecordings {
		t.Run(name, func(t *testing.T) {
			s, app, evs := replayStore(t, name)
			tasks, _ := framesByCell(evs)
			if len(tasks) == 0 {
				t.Fatal("no task ran in a cell")
			}
			for cell, want := range tasks {
				for _, maxTasks := range []int{0, 7, DefaultTimelineTasks} {
					tl, err := s.Timeline(context.Background(), Cell{ID: cell}, maxTasks)
					if err != nil {
						t.Fatal(err)
					}
					if len(tl.Apps) != 1 || tl.CellID != cell || tl.Apps[0].AppID != app {
						t.Fatalf("cell %s: %+v", cell, tl)
					}
					checkTimelineApp(t, cell, tl.Apps[0], want, maxTasks)
				}
			}
		})
	}
}

// checkTimelineApp compares a cell's timeline with the tasks its stage attempts started in the recording: every task
// counted, and spans up to maxTasks and up to maxFinishedSpansPerStage per attempt.
func checkTimelineApp(t *testing.T, cell string, ta wire.TimelineApp, perStage map[stageKey]int, maxTasks int) {
	t.Helper()
	numTasks, spans := 0, 0
	for _, n := range perStage {
		numTasks += n
		spans += min(n, maxFinishedSpansPerStage)
	}
	if ta.NumTasks != numTasks || len(ta.Tasks) != min(spans, maxTasks) || ta.Sampled != (len(ta.Tasks) < numTasks) {
		t.Errorf("cell %s: numTasks %d (frames: %d), %d spans (max %d), sampled %v", cell, ta.NumTasks, numTasks,
			len(ta.Tasks), maxTasks, ta.Sampled)
	}
	t.Logf("cell %s: %d tasks, %d spans with maxTasks=%d", cell, ta.NumTasks, len(ta.Tasks), maxTasks)
	if ta.End == nil || ta.Start <= 0 || *ta.End < ta.Start || len(ta.Jobs) == 0 || len(ta.Stages) == 0 {
		t.Errorf("cell %s: window %d..%v, %d jobs, %d stages", cell, ta.Start, ta.End, len(ta.Jobs), len(ta.Stages))
	}
	ids := map[int64]bool{}
	for _, sp := range ta.Tasks {
		if ids[sp.TaskID] || sp.End == nil || *sp.End < sp.Start || sp.Status == "RUNNING" ||
			!slices.ContainsFunc(ta.Stages, func(s wire.TimelineStage) bool { return s.StageID == sp.StageID }) {
			t.Errorf("cell %s: span %+v", cell, sp)
		}
		ids[sp.TaskID] = true
	}
	if len(ta.Executors) != 1 || ta.Executors[0].ExecutorID != "driver" || ta.Executors[0].Cores < 1 {
		t.Errorf("cell %s: executors %+v (local mode: the driver)", cell, ta.Executors)
	}
	if len(ta.Activity) == 0 || len(ta.Activity) > maxTimelinePoints || ta.Activity[0].Time != ta.Start {
		t.Fatalf("cell %s: %d activity points", cell, len(ta.Activity))
	}
	busy := false
	for i, p := range ta.Activity {
		if p.Cores != ta.Executors[0].Cores || p.ActiveTasks > p.Cores || p.Time > *ta.End || (i > 0 && p.Time < ta.Activity[i-1].Time) {
			t.Fatalf("cell %s: activity point %d = %+v (cores %d, end %d)", cell, i, p, ta.Executors[0].Cores, *ta.End)
		}
		busy = busy || p.ActiveTasks > 0
	}
	if !busy {
		t.Errorf("cell %s: the activity never shows a running task", cell)
	}
}

func TestReplayHintRecordingsCountLikeSpark(t *testing.T) {
	for _, name := range []string{"skewed_task.jsonl", "spill_sort.jsonl", "tiny_tasks.jsonl"} {
		t.Run(name, func(t *testing.T) {
			a, want := replay(t, name)
			checkJobs(t, a, want)
		})
	}
}
