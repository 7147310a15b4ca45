package state

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The recordings are real listener streams captured from PySpark by spark/event/testdata/record.py.
const recordings = "../event/testdata"

func readRecording(t testing.TB, name string) (string, []event.Event) {
	t.Helper()
	app, evs, err := event.ReadRecording(filepath.Join(recordings, name))
	if err != nil {
		t.Fatal(err)
	}
	return app, evs
}

// expectedJob is what Spark's own status listener shows for a job, computed by counting the recording's frames
// (independently of the incremental state code under test).
type expectedJob struct {
	status                                         string
	cellID                                         string
	tasks, completed, failed, killed, skippedTasks int
	skippedStages, completedStages                 int
}

func expectFromFrames(evs []event.Event) map[int]*expectedJob {
	out := map[int]*expectedJob{}
	stageJobs := map[int][]int{}
	submitted := map[int]map[int]bool{} // job -> stage ids submitted while it ran
	stageTasks := map[int]map[int]int{}
	completedStage := map[int]map[int]bool{}
	for _, ev := range evs {
		switch e := ev.(type) {
		case *event.JobStart:
			j := &expectedJob{}
			if e.CellID != nil {
				j.cellID = *e.CellID
			}
			out[e.JobID], submitted[e.JobID], stageTasks[e.JobID], completedStage[e.JobID] = j, map[int]bool{}, map[int]int{}, map[int]bool{}
			for _, s := range e.Stages {
				stageJobs[s.StageID] = append(stageJobs[s.StageID], e.JobID)
				stageTasks[e.JobID][s.StageID] = s.NumTasks
				if s.CompletionTime == nil {
					j.tasks += s.NumTasks
				}
			}
		case *event.StageSubmitted:
			for _, jid := range stageJobs[e.StageID] {
				if out[jid].status == "" {
					submitted[jid][e.StageID] = true
				}
			}
		case *event.StageCompleted:
			for _, jid := range stageJobs[e.StageID] {
				if e.Status == "COMPLETE" {
					completedStage[jid][e.StageID] = true
				}
			}
		case *event.TaskEnd:
			for _, jid := range stageJobs[e.StageID] {
				switch e.Status {
				case "SUCCESS":
					out[jid].completed++
				case "KILLED":
					out[jid].killed++
				default:
					out[jid].failed++
				}
			}
		case *event.JobEnd:
			j := out[e.JobID]
			j.status = e.Result
			for sid, n := range stageTasks[e.JobID] {
				if !submitted[e.JobID][sid] {
					j.skippedStages++
					j.skippedTasks += n
				}
			}
			j.completedStages = len(completedStage[e.JobID])
		}
	}
	return out
}

func replay(t *testing.T, name string) (wire.App, map[int]*expectedJob) {
	t.Helper()
	app, evs := readRecording(t, name)
	s, _ := startStore(t, Options{})
	for _, ev := range evs {
		if err := s.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
	return snapshotApp(t, s, app), expectFromFrames(evs)
}

func checkJobs(t *testing.T, a wire.App, want map[int]*expectedJob) {
	t.Helper()
	if len(a.Jobs) != len(want) || a.NumJobs != len(want) {
		t.Fatalf("%d jobs in state, %d in the recording", len(a.Jobs), len(want))
	}
	for _, j := range a.Jobs {
		w := want[j.JobID]
		cell := ""
		if j.CellID != nil {
			cell = *j.CellID
		}
		got := expectedJob{j.Status, cell, j.NumTasks + j.NumSkippedTasks, j.NumCompletedTasks, j.NumFailedTasks,
			j.NumKilledTasks, j.NumSkippedTasks, j.NumSkippedStages, j.NumCompletedStages}
		if got != *w {
			t.Errorf("job %d: state %+v, recording %+v", j.JobID, got, *w)
		}
		if j.NumActiveTasks != 0 || j.NumActiveStages != 0 {
			t.Errorf("job %d still shows activity after the app ended: %+v", j.JobID, j)
		}
	}
	if a.State != wire.AppFinished || a.EndTime == nil {
		t.Errorf("app state %s, want FINISHED after appEnd", a.State)
	}
}

func TestReplayRangeSum(t *testing.T) {
	a, want := replay(t, "range_sum.jsonl")
	checkJobs(t, a, want)
	cells := map[string]int{}
	for _, j := range a.Jobs {
		if j.CellID != nil {
			cells[*j.CellID]++
		}
		if j.Status != wire.JobSucceeded {
			t.Errorf("job %d: %s", j.JobID, j.Status)
		}
	}
	if cells["cell-a"] == 0 || cells["cell-b"] == 0 || cells["cell-a"]+cells["cell-b"] != len(a.Jobs) {
		t.Errorf("jobs per cell = %v: every job must carry the cell that ran it", cells)
	}
	if a.NumExecutors < 1 || a.TotalCores < 1 || a.SparkVersion == "" {
		t.Errorf("app header: %+v", a)
	}
}

func TestReplayShuffleSkip(t *testing.T) {
	a, want := replay(t, "shuffle_skip.jsonl")
	checkJobs(t, a, want)
	skipped := 0
	for _, j := range a.Jobs {
		skipped += j.NumSkippedStages
		for _, s := range j.Stages {
			if s.Status == wire.StagePending || s.Status == wire.StageActive {
				t.Errorf("job %d stage %d still %s", j.JobID, s.StageID, s.Status)
			}
		}
	}
	if skipped == 0 {
		t.Error("the recording reuses a shuffle, so some job must show a skipped stage")
	}
}

func TestReplayFailingTask(t *testing.T) {
	a, want := replay(t, "failing_task.jsonl")
	checkJobs(t, a, want)
	var failed, after *wire.Job
	for i := range a.Jobs {
		j := &a.Jobs[i]
		if j.Status == wire.JobFailed && failed == nil {
			failed = j
		} else if failed != nil && j.Status == wire.JobSucceeded {
			after = j
		}
	}
	if failed == nil || after == nil {
		t.Fatalf("want a failed job followed by a successful one: %+v", a.Jobs)
	}
	if failed.Error == nil || !strings.Contains(*failed.Error, "ValueError") || failed.NumFailedTasks < 2 {
		t.Errorf("failed job = %+v", failed)
	}
	if a.NumFailedJobs != 1 {
		t.Errorf("numFailedJobs = %d", a.NumFailedJobs)
	}
}

func BenchmarkReplay(b *testing.B) {
	var all [][]byte
	for _, name := range []string{"range_sum.jsonl", "shuffle_skip.jsonl", "failing_task.jsonl", "sql_query.jsonl"} {
		data, err := os.ReadFile(filepath.Join(recordings, name))
		if err != nil {
			b.Skip("recordings missing:", err)
		}
		all = append(all, bytes.Split(bytes.TrimSpace(data), []byte("\n"))...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := newLiveApp("bench")
		for _, line := range all {
			ev, err := event.Decode(line)
			if err != nil {
				b.Fatal(err)
			}
			a.apply(ev)
		}
	}
	b.ReportMetric(float64(len(all)*b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestReplayStageMetricsAreTheSumOfTheirTasks(t *testing.T) {
	for _, name := range []string{"range_sum.jsonl", "shuffle_skip.jsonl", "failing_task.jsonl", "sql_query.jsonl", "cancelled_job.jsonl"} {
		t.Run(name, func(t *testing.T) {
			app, evs := readRecording(t, name)
			want := map[stageKey]wire.StageMetrics{}
			for _, ev := range evs {
				if e, ok := ev.(*event.TaskEnd); ok && e.Metrics != nil {
					m := want[stageKey{e.StageID, e.StageAttemptID}]
					addMetrics(&m, e.Metrics)
					want[stageKey{e.StageID, e.StageAttemptID}] = m
				}
			}
			s, _ := startStore(t, Options{})
			for _, ev := range evs {
				if err := s.Submit(context.Background(), app, ev); err != nil {
					t.Fatal(err)
				}
			}
			seen := 0
			for _, j := range snapshotApp(t, s, app).Jobs {
				for _, st := range j.Stages {
					if st.Status == wire.StageSkipped {
						continue
					}
					seen++
					if got := st.StageMetrics; got != want[stageKey{st.StageID, st.AttemptID}] {
						t.Errorf("stage %d.%d metrics %+v, tasks sum to %+v", st.StageID, st.AttemptID, got, want[stageKey{st.StageID, st.AttemptID}])
					}
				}
			}
			if seen == 0 {
				t.Fatal("no stage ran")
			}
		})
	}
}

func TestFailedTasksAreGroupedByTheirPythonException(t *testing.T) {
	a, _ := replay(t, "failing_task.jsonl")
	for _, j := range a.Jobs {
		if j.Status != wire.JobFailed {
			if len(j.Failures) != 0 {
				t.Errorf("job %d has failures %+v", j.JobID, j.Failures)
			}
			continue
		}
		if len(j.Failures) != 1 || j.Failures[0].Reason != "ValueError: boom in a task" || j.Failures[0].Count != j.NumFailedTasks {
			t.Fatalf("failures of job %d: %+v (failed tasks %d)", j.JobID, j.Failures, j.NumFailedTasks)
		}
		if !strings.Contains(j.Failures[0].Detail, "Traceback") {
			t.Errorf("detail should keep the first stack trace: %q", j.Failures[0].Detail)
		}
	}
}

func TestFailureKindsAreBounded(t *testing.T) {
	var list []wire.FailureReason
	for i := 0; i < maxFailureKinds+5; i++ {
		list = addFailure(list, "java.lang.IllegalStateException: case "+string(rune('a'+i)))
	}
	if len(list) != maxFailureKinds+1 || list[maxFailureKinds].Reason != "other reasons" || list[maxFailureKinds].Count != 5 {
		t.Fatalf("got %d kinds, last %+v", len(list), list[len(list)-1])
	}
}
