package state

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"runtime"
	"strconv"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// neverEndingJobs returns n copies of the jobs of a real recording (their starts, stage submissions and task
// start of each stage attempt), job, stage and task ids shifted so that each copy is new, without any end: jobs that never finish.
func neverEndingJobs(t testing.TB, name string, n int) (hello *event.Hello, evs []event.Event) {
	t.Helper()
	_, rec := readRecording(t, name)
	maxJob, maxStage := 0, 0
	var tmpl []event.Event
	started := map[stageKey]bool{}
	for _, ev := range rec {
		switch e := ev.(type) {
		case *event.Hello:
			if hello == nil {
				hello = e
			}
		case *event.JobStart:
			maxJob = max(maxJob, e.JobID)
			for _, s := range e.Stages {
				maxStage = max(maxStage, s.StageID)
			}
			tmpl = append(tmpl, e)
		case *event.StageSubmitted:
			tmpl = append(tmpl, e)
		case *event.TaskStart: // one running task per stage attempt
			k := stageKey{e.StageID, e.StageAttemptID}
			if !started[k] {
				started[k] = true
				tmpl = append(tmpl, e)
			}
		}
	}
	for c := range n {
		dj, ds := c*(maxJob+1), c*(maxStage+1)
		for _, ev := range tmpl {
			switch e := ev.(type) {
			case *event.JobStart:
				js := *e
				js.JobID += dj
				js.Stages = append([]event.StageInfo(nil), e.Stages...)
				for i := range js.Stages {
					js.Stages[i].StageID += ds
				}
				evs = append(evs, &js)
			case *event.StageSubmitted:
				ss := *e
				ss.StageID += ds
				evs = append(evs, &ss)
			case *event.TaskStart:
				ts := *e
				ts.StageID += ds
				ts.TaskID += int64(c) << 20
				evs = append(evs, &ts)
			}
		}
	}
	return hello, evs
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func storeCounts(t *testing.T, s *Store) Counts {
	t.Helper()
	c, err := s.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func stageCount(t *testing.T, s *Store, app string) int {
	t.Helper()
	for _, a := range storeCounts(t, s).Apps {
		if a.AppID == app {
			n := 0
			for _, v := range a.Stages {
				n += v
			}
			return n
		}
	}
	t.Fatalf("app %s not counted", app)
	return 0
}

func TestNeverEndingJobsAreBoundedAndCounted(t *testing.T) {
	h, evs := neverEndingJobs(t, "range_sum.jsonl", 25_000) // 4 jobs each: 100 000 jobs
	s, _ := startStore(t, Options{})
	base := heapInUse()
	submitAll(t, s, h.AppID, h)
	submitAll(t, s, h.AppID, evs...)
	a := snapshotApp(t, s, h.AppID)
	if len(a.Jobs) > DefaultMaxJobsPerApp || len(a.Jobs) < DefaultMaxJobsPerApp*9/10 {
		t.Fatalf("kept %d jobs, want %d at most (and at least 90%% of it)", len(a.Jobs), DefaultMaxJobsPerApp)
	}
	if a.NumJobs != len(a.Jobs) || a.EvictedJobs != 100_000-len(a.Jobs) {
		t.Errorf("numJobs %d, evictedJobs %d with %d jobs listed: want the 100000 jobs split between them",
			a.NumJobs, a.EvictedJobs, len(a.Jobs))
	}
	if last := a.Jobs[len(a.Jobs)-1]; last.JobID != 99_999 || last.Status != wire.JobRunning {
		t.Errorf("newest job listed is %d %s, want 99999 RUNNING", last.JobID, last.Status)
	}
	if n := stageCount(t, s, h.AppID); n > maxStages(DefaultMaxJobsPerApp) {
		t.Errorf("%d stage attempts held, want at most %d", n, maxStages(DefaultMaxJobsPerApp))
	}
	a = wire.App{} // let the snapshot go before measuring
	if grew := int64(heapInUse()) - int64(base); grew > 64<<20 {
		t.Errorf("heap grew by %d MiB for 100000 never-ending jobs, want under 64 MiB", grew>>20)
	}
}

func TestRunningJobsAreEvictedAfterFinishedOnes(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 20})
	submitAll(t, s, "a", hello("a", 1))
	for i := range 10 { // jobs 0..9 stay running
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(i, 1, nil)}})
	}
	for i := 10; i < 40; i++ {
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(i, 1, nil)}},
			&event.JobEnd{JobID: i, Result: "SUCCEEDED"})
	}
	a := snapshotApp(t, s, "a")
	for i := range 10 {
		if a.Jobs[i].JobID != i || a.Jobs[i].Status != wire.JobRunning {
			t.Fatalf("job %d: %+v, want the running jobs kept while finished ones can go", i, a.Jobs[i])
		}
	}
	// Only running jobs now: beyond the bound the oldest running ones go, 10% at a time.
	for i := 40; i < 80; i++ {
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(i, 1, nil)}})
	}
	a = snapshotApp(t, s, "a")
	if len(a.Jobs) > 20 || a.EvictedJobs != 80-len(a.Jobs) {
		t.Fatalf("%d jobs kept, %d evicted: want at most 20 kept, the rest counted", len(a.Jobs), a.EvictedJobs)
	}
	for _, j := range a.Jobs {
		if j.JobID < 40 && j.Status != wire.JobRunning {
			t.Errorf("finished job %d kept while running job 0 went", j.JobID)
		}
	}
	if a.Jobs[len(a.Jobs)-1].JobID != 79 {
		t.Errorf("newest job %d, want 79", a.Jobs[len(a.Jobs)-1].JobID)
	}
}

func TestJobsEndedByTheAppEndStayBounded(t *testing.T) {
	h, evs := neverEndingJobs(t, "shuffle_skip.jsonl", 5000)
	s, _ := startStore(t, Options{MaxJobsPerApp: 100})
	submitAll(t, s, h.AppID, h)
	submitAll(t, s, h.AppID, evs...)
	submitAll(t, s, h.AppID, &event.AppEnd{Header: event.Header{Time: 9}})
	a := snapshotApp(t, s, h.AppID)
	if len(a.Jobs) > 100 || a.EvictedJobs == 0 {
		t.Fatalf("%d jobs kept, %d evicted, want at most 100 kept", len(a.Jobs), a.EvictedJobs)
	}
	for _, j := range a.Jobs {
		if j.Status != wire.JobCancelled {
			t.Fatalf("job %d %s after the application's end, want CANCELLED", j.JobID, j.Status)
		}
	}
}

func TestOrphanStagesAreBounded(t *testing.T) {
	s, _ := startStore(t, Options{})
	base := heapInUse()
	submitAll(t, s, "a", hello("a", 1))
	for i := range 200_000 {
		submitAll(t, s, "a", &event.StageSubmitted{StageID: i, NumTasks: 1, Name: "orphan"})
	}
	if n := stageCount(t, s, "a"); n > maxStages(DefaultMaxJobsPerApp) {
		t.Fatalf("%d stage attempts of no job held, want at most %d", n, maxStages(DefaultMaxJobsPerApp))
	}
	var latest int
	if err := s.do(context.Background(), func() { latest = len(s.apps["a"].latest) }); err != nil {
		t.Fatal(err)
	}
	if latest > maxStages(DefaultMaxJobsPerApp) {
		t.Errorf("%d stage ids remembered, want at most %d", latest, maxStages(DefaultMaxJobsPerApp))
	}
	if grew := int64(heapInUse()) - int64(base); grew > 64<<20 {
		t.Errorf("heap grew by %d MiB for 200000 orphan stages, want under 64 MiB", grew>>20)
	}
}

func TestOrphanStagesGoBeforeJobsAndFinishedFirst(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 10}) // 1000 stage attempts
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 1, nil)}})
	submitAll(t, s, "a", &event.StageSubmitted{StageID: 1, NumTasks: 1}) // a running orphan, the oldest
	for i := 2; i < 1200; i++ {
		submitAll(t, s, "a", &event.StageSubmitted{StageID: i, NumTasks: 1},
			&event.StageCompleted{StageID: i, Status: wire.StageComplete})
	}
	var kept map[int]bool
	if err := s.do(context.Background(), func() {
		kept = map[int]bool{}
		for k := range s.apps["a"].stages {
			kept[k.id] = true
		}
	}); err != nil {
		t.Fatal(err)
	}
	if len(kept) > 1000 || !kept[0] || !kept[1] || !kept[1199] || kept[2] {
		t.Errorf("kept %d stages (job's 0: %v, running 1: %v, newest: %v, oldest finished 2: %v), want ≤ 1000 "+
			"with the job's and the running one", len(kept), kept[0], kept[1], kept[1199], kept[2])
	}
	if a := snapshotApp(t, s, "a"); len(a.Jobs) != 1 || len(a.Jobs[0].Stages) != 1 {
		t.Errorf("job lost to orphan stages: %+v", a.Jobs)
	}
}

func TestAJobListingMoreStagesThanTheBoundIsEvicted(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 10})
	var stages []event.StageInfo
	for i := range 5000 {
		stages = append(stages, stage(i, 1, nil))
	}
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(9000, 1, nil)}},
		&event.JobStart{JobID: 1, Stages: stages})
	if n := stageCount(t, s, "a"); n > maxStages(10) {
		t.Fatalf("%d stage attempts held, want at most %d", n, maxStages(10))
	}
	if a := snapshotApp(t, s, "a"); a.EvictedJobs == 0 {
		t.Errorf("jobs %d, evicted %d: the stages must have cost jobs", len(a.Jobs), a.EvictedJobs)
	}
}

func TestAStageSharedByManyJobsForgetsTheEvictedOnes(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 10})
	submitAll(t, s, "a", hello("a", 1), &event.StageSubmitted{StageID: 0, NumTasks: 1})
	for i := range 2000 {
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(0, 1, nil)}},
			&event.TaskStart{StageID: 0, TaskID: int64(i)})
	}
	var refs, taskRefs int
	if err := s.do(context.Background(), func() {
		a := s.apps["a"]
		refs, taskRefs = len(a.stages[stageKey{0, 0}].jobIDs), len(a.tasks.stages[stageKey{0, 0}].jobIDs)
	}); err != nil {
		t.Fatal(err)
	}
	if refs > 10 || taskRefs > 10 {
		t.Errorf("stage 0 refers to %d jobs (%d in its task detail), want at most the 10 retained", refs, taskRefs)
	}
}

func TestExecutorsNeverRemovedAreBounded(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1))
	for i := range maxExecutorsAlive + 500 {
		submitAll(t, s, "a", &event.ExecutorAdded{ExecutorID: strconv.Itoa(i), Cores: 1})
	}
	if a := snapshotApp(t, s, "a"); a.NumExecutors != maxExecutorsAlive || a.TotalCores != maxExecutorsAlive {
		t.Fatalf("%d executors, %d cores counted, want %d", a.NumExecutors, a.TotalCores, maxExecutorsAlive)
	}
	// A removed executor makes room again.
	submitAll(t, s, "a", &event.ExecutorRemoved{ExecutorID: "0"}, &event.ExecutorAdded{ExecutorID: "new", Cores: 1})
	if a := snapshotApp(t, s, "a"); a.NumExecutors != maxExecutorsAlive {
		t.Fatalf("%d executors after a removal and an addition, want %d", a.NumExecutors, maxExecutorsAlive)
	}
}
