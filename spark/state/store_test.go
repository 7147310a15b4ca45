package state

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// startStore runs a Store whose flushes the test triggers through the returned tick channel.
func startStore(t *testing.T, opts Options) (*Store, chan time.Time) {
	t.Helper()
	tick := make(chan time.Time)
	opts.Tick = tick
	s := New(opts)
	runStore(t, s)
	return s, tick
}

// runStore runs s until the test ends, and returns the context it runs with.
func runStore(t *testing.T, s *Store) context.Context {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("store: %v", err)
		}
	})
	return ctx
}

func submitAll(t *testing.T, s *Store, app string, evs ...event.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := s.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshotApp(t *testing.T, s *Store, id string) wire.App {
	t.Helper()
	apps, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apps {
		if a.AppID == id {
			return a
		}
	}
	t.Fatalf("app %s not in snapshot %+v", id, apps)
	return wire.App{}
}

func receive(t *testing.T, ch <-chan wire.Update) wire.Update {
	t.Helper()
	select {
	case u, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5s")
	}
	return wire.Update{}
}

func hello(app string, conn int) *event.Hello {
	return &event.Hello{Header: event.Header{Type: "hello"}, Protocol: 1, AppID: app, AppName: "demo", Connection: conn}
}

func stage(id, tasks int, completed *int64) event.StageInfo {
	return event.StageInfo{StageID: id, NumTasks: tasks, Name: "stage", CompletionTime: completed}
}

func TestSkippedStageLeavesTheJobTotalLikeSpark(t *testing.T) {
	s, _ := startStore(t, Options{})
	done := int64(1)
	cell := "cell-1"
	submitAll(t, s, "a",
		hello("a", 1),
		// job 0 computes a shuffle (stage 0, 4 tasks) and a result stage (1 task)
		&event.JobStart{JobID: 0, CellID: &cell, Stages: []event.StageInfo{stage(0, 4, nil), stage(1, 1, nil)}},
		&event.StageSubmitted{StageID: 0, NumTasks: 4},
		&event.TaskStart{StageID: 0, TaskID: 1},
		&event.TaskEnd{StageID: 0, TaskID: 1, Status: "SUCCESS"},
		&event.TaskStart{StageID: 0, TaskID: 2},
		&event.TaskEnd{StageID: 0, TaskID: 2, Status: "FAILED"},
		&event.TaskStart{StageID: 0, TaskID: 3},
		&event.TaskEnd{StageID: 0, TaskID: 3, Status: "SUCCESS"},
		&event.TaskStart{StageID: 0, TaskID: 4},
		&event.TaskEnd{StageID: 0, TaskID: 4, Status: "SUCCESS"},
		&event.TaskStart{StageID: 0, TaskID: 5},
		&event.TaskEnd{StageID: 0, TaskID: 5, Status: "SUCCESS"},
		&event.StageCompleted{StageID: 0, Status: "COMPLETE"},
		&event.StageSubmitted{StageID: 1, NumTasks: 1},
		&event.TaskStart{StageID: 1, TaskID: 6},
		&event.TaskEnd{StageID: 1, TaskID: 6, Status: "SUCCESS"},
		&event.StageCompleted{StageID: 1, Status: "COMPLETE"},
		&event.JobEnd{JobID: 0, Result: "SUCCEEDED"},
		// job 1 reuses the shuffle: stage 0 was completed before the job started, so Spark never submits it again
		&event.JobStart{JobID: 1, Stages: []event.StageInfo{stage(0, 4, &done), stage(2, 1, nil)}},
		&event.StageSubmitted{StageID: 2, NumTasks: 1},
		&event.TaskStart{StageID: 2, TaskID: 7},
		&event.TaskEnd{StageID: 2, TaskID: 7, Status: "SUCCESS"},
		&event.StageCompleted{StageID: 2, Status: "COMPLETE"},
		&event.JobEnd{JobID: 1, Result: "SUCCEEDED"},
	)
	a := snapshotApp(t, s, "a")
	if len(a.Jobs) != 2 || a.NumJobs != 2 || a.NumCompletedJobs != 2 {
		t.Fatalf("jobs: %+v", a)
	}
	j0, j1 := a.Jobs[0], a.Jobs[1]
	if j0.NumTasks != 5 || j0.NumCompletedTasks != 5 || j0.NumFailedTasks != 1 || j0.NumActiveTasks != 0 ||
		j0.NumCompletedStages != 2 || *j0.CellID != "cell-1" || j0.Status != wire.JobSucceeded {
		t.Errorf("job 0 = %+v", j0)
	}
	// Spark: numTasks counts only stages not completed at job start (1), skipped tasks (4) are subtracted for display.
	if j1.NumSkippedStages != 1 || j1.NumSkippedTasks != 4 || j1.NumTasks != 1-4 || j1.NumCompletedStages != 1 {
		t.Errorf("job 1 = %+v", j1)
	}
	if j1.Stages[0].Status != wire.StageSkipped || j1.Stages[1].Status != wire.StageComplete {
		t.Errorf("job 1 stages = %+v", j1.Stages)
	}
}

func TestFailedJobKeepsItsErrorAndFailedStage(t *testing.T) {
	s, _ := startStore(t, Options{})
	msg := "Job aborted due to stage failure"
	submitAll(t, s, "a", hello("a", 1),
		&event.JobStart{JobID: 3, Stages: []event.StageInfo{stage(5, 2, nil)}},
		&event.StageSubmitted{StageID: 5, NumTasks: 2},
		&event.TaskStart{StageID: 5, TaskID: 1}, &event.TaskStart{StageID: 5, TaskID: 2},
		&event.TaskEnd{StageID: 5, TaskID: 1, Status: "FAILED"},
		&event.StageCompleted{StageID: 5, Status: "FAILED", FailureReason: &msg},
		&event.JobEnd{JobID: 3, Result: "FAILED", Error: &msg},
		&event.TaskEnd{StageID: 5, TaskID: 2, Status: "KILLED"}, // arrives after the job ended
	)
	j := snapshotApp(t, s, "a").Jobs[0]
	if j.Status != wire.JobFailed || *j.Error != msg || j.NumFailedStages != 1 || j.NumFailedTasks != 1 ||
		j.NumKilledTasks != 1 || j.NumActiveTasks != 0 || j.Stages[0].Status != wire.StageFailed {
		t.Errorf("job = %+v", j)
	}
}

func TestSubscribersGetASnapshotThenCoalescedDeltas(t *testing.T) {
	s, tick := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}})
	ch, err := s.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	snap := receive(t, ch)
	if snap.Type != "snapshot" || len(snap.Apps) != 1 || len(snap.Apps[0].Jobs) != 1 {
		t.Fatalf("snapshot = %+v", snap)
	}
	submitAll(t, s, "a", &event.StageSubmitted{StageID: 0, NumTasks: 2},
		&event.TaskStart{StageID: 0, TaskID: 1}, &event.TaskEnd{StageID: 0, TaskID: 1, Status: "SUCCESS"},
		&event.JobStart{JobID: 1, Stages: []event.StageInfo{stage(1, 3, nil)}})
	tick <- time.Now()
	d := receive(t, ch)
	if d.Type != "delta" || len(d.Apps) != 1 || d.Apps[0].Jobs != nil || len(d.Jobs) != 2 {
		t.Fatalf("delta = %+v", d)
	}
	if d.Jobs[0].JobID != 0 || d.Jobs[0].NumCompletedTasks != 1 || d.Jobs[1].JobID != 1 || d.Apps[0].NumJobs != 2 {
		t.Errorf("delta jobs = %+v", d.Jobs)
	}
	tick <- time.Now() // nothing changed: no frame; the next change arrives alone
	submitAll(t, s, "a", &event.TaskStart{StageID: 0, TaskID: 2})
	tick <- time.Now()
	if d := receive(t, ch); len(d.Jobs) != 1 || d.Jobs[0].NumActiveTasks != 1 {
		t.Errorf("second delta = %+v", d)
	}
}

func TestSlowSubscriberIsDroppedNotWaitedOn(t *testing.T) {
	s, tick := startStore(t, Options{})
	slow, err := s.Subscribe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	submitAll(t, s, "a", hello("a", 1))
	// Never read: the buffer fills. A flush may also take the next iteration's event (the owner drains what is queued
	// when it takes the tick, and the test goes on once the tick is taken), so tick until the subscriber is dropped.
	jobs := 0
	for ; s.DroppedSubscribers() == 0; jobs++ {
		if jobs > 4*subscriberBuffer {
			t.Fatal("the slow subscriber was never dropped")
		}
		submitAll(t, s, "a", &event.JobStart{JobID: jobs})
		tick <- time.Now()
	}
	n := 0
	for range slow {
		n++
	}
	if n > subscriberBuffer || s.DroppedSubscribers() != 1 {
		t.Errorf("read %d updates before close, dropped = %d", n, s.DroppedSubscribers())
	}
	// The store still serves others.
	if a := snapshotApp(t, s, "a"); a.NumJobs != jobs {
		t.Errorf("numJobs = %d", a.NumJobs)
	}
}

func TestRetentionEvictsOldestFinishedJobsInBatches(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 20})
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0}) // stays running
	for i := 1; i <= 30; i++ {
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(i, 1, nil)}},
			&event.JobEnd{JobID: i, Result: "SUCCEEDED"})
	}
	a := snapshotApp(t, s, "a")
	if len(a.Jobs) > 20 || len(a.Jobs) < 18 {
		t.Fatalf("kept %d jobs, want at most 20 and evictions in batches of 10%%", len(a.Jobs))
	}
	if a.Jobs[0].JobID != 0 || a.Jobs[len(a.Jobs)-1].JobID != 30 {
		t.Errorf("kept jobs %d..%d: the running job and the newest must stay", a.Jobs[0].JobID, a.Jobs[len(a.Jobs)-1].JobID)
	}
}

func TestDisconnectThenReconnectRevivesTheApp(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 3, nil)}},
		&Disconnected{})
	if st := snapshotApp(t, s, "a").State; st != wire.AppDisconnected {
		t.Fatalf("state after disconnect = %s", st)
	}
	submitAll(t, s, "a", hello("a", 2), &event.Resync{
		Jobs:   []event.JobStart{{JobID: 0, Stages: []event.StageInfo{stage(0, 3, nil)}}, {JobID: 1, Stages: []event.StageInfo{stage(1, 2, nil)}}},
		Stages: []event.ResyncStage{{StageID: 0, NumTasks: 3, NumCompletedTasks: 2, NumActiveTasks: 1, Status: wire.StageActive}},
	})
	a := snapshotApp(t, s, "a")
	if a.State != wire.AppRunning || a.NumJobs != 2 {
		t.Fatalf("after reconnect: %+v", a)
	}
	if j := a.Jobs[0]; j.NumCompletedTasks != 2 || j.Stages[0].NumActiveTasks != 1 {
		t.Errorf("job 0 after resync = %+v", j)
	}
}

// Events of a job, stage attempt or SQL execution the app does not know change nothing and are logged (Debug) with
// their type and ids, so a listener that lost events or sent them out of order can be told from a monitor bug.
func TestEventsOfUnknownEntitiesAreIgnoredAndLogged(t *testing.T) {
	var logs strings.Builder
	s, _ := startStore(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	lines := []string{
		`{"type":"hello","protocol":1,"secret":"x","appId":"app-u","appName":"n","connection":1}`,
		`{"type":"jobEnd","seq":1,"time":5,"jobId":42,"result":"SUCCEEDED","error":null}`,
		`{"type":"stageCompleted","seq":2,"time":5,"stageId":8,"attemptId":1,"status":"COMPLETE","failureReason":null,"numTasks":1}`,
		`{"type":"taskStart","seq":3,"time":5,"stageId":9,"stageAttemptId":0,"taskId":91,"index":1,"attempt":0,"executorId":"1","host":"h","speculative":false}`,
		`{"type":"taskEnd","seq":4,"time":5,"stageId":9,"stageAttemptId":0,"taskId":90,"index":0,"attempt":0,"executorId":"1","host":"h","launchTime":1,"status":"SUCCESS","reason":null,"metrics":null}`,
		`{"type":"sqlEnd","seq":5,"time":5,"executionId":7,"error":null}`,
	}
	for _, l := range lines {
		ev, err := event.Decode([]byte(l))
		if err != nil {
			t.Fatal(err)
		}
		submitAll(t, s, "app-u", ev)
	}
	apps, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 || len(apps[0].Jobs) != 0 || apps[0].NumJobs != 0 || len(apps[0].SQLExecutions) != 0 {
		t.Fatalf("orphan events created entities: %+v", apps)
	}
	for _, want := range []string{
		`msg="ignoring an event of an unknown job" app=app-u type=jobEnd id=42`,
		`msg="ignoring an event of an unknown stage attempt" app=app-u type=stageCompleted id=8 attempt=1`,
		`msg="ignoring an event of an unknown stage attempt" app=app-u type=taskStart id=9 attempt=0`,
		`msg="ignoring an event of an unknown stage attempt" app=app-u type=taskEnd id=9 attempt=0`,
		`msg="ignoring an event of an unknown SQL execution" app=app-u type=sqlEnd id=7`,
	} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

func TestReconfigureReadOnlyReachesSubscribersAndNewApps(t *testing.T) {
	s, tick := startStore(t, Options{})
	ctx := context.Background()
	submitAll(t, s, "a", hello("a", 1))
	ch, err := s.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap := receive(t, ch); !snap.Apps[0].CancelEnabled {
		t.Fatalf("before: %+v", snap.Apps[0])
	}

	if err := s.Reconfigure(ctx, Tunables{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	tick <- time.Now()
	if d := receive(t, ch); len(d.Apps) != 1 || d.Apps[0].CancelEnabled {
		t.Fatalf("delta after read-only: %+v", d)
	}
	if ok, _ := s.CancelEnabled(ctx, "a"); ok {
		t.Error("CancelEnabled of a read-only store")
	}
	submitAll(t, s, "b", hello("b", 1))
	if b := snapshotApp(t, s, "b"); b.CancelEnabled {
		t.Error("an app that arrived after read-only was turned on can cancel")
	}

	if err := s.Reconfigure(ctx, Tunables{ReadOnly: false}); err != nil {
		t.Fatal(err)
	}
	tick <- time.Now()
	if d := receive(t, ch); len(d.Apps) != 2 || !d.Apps[0].CancelEnabled || !d.Apps[1].CancelEnabled {
		t.Fatalf("delta after read-only off: %+v", d)
	}
}

func TestReconfigureRetentionEvictsAtOnceAndKeepsMoreLater(t *testing.T) {
	s, _ := startStore(t, Options{MaxJobsPerApp: 100})
	ctx := context.Background()
	submitAll(t, s, "a", hello("a", 1), &event.JobStart{JobID: 0}) // stays running
	for i := 1; i <= 50; i++ {
		submitAll(t, s, "a", &event.JobStart{JobID: i, Stages: []event.StageInfo{stage(i, 1, nil)}},
			&event.JobEnd{JobID: i, Result: "SUCCEEDED"})
	}
	if n := len(snapshotApp(t, s, "a").Jobs); n != 51 {
		t.Fatalf("kept %d jobs before the change", n)
	}
	if err := s.Reconfigure(ctx, Tunables{MaxJobsPerApp: 10}); err != nil {
		t.Fatal(err)
	}
	a := snapshotApp(t, s, "a")
	if len(a.Jobs) != 10 || a.Jobs[0].JobID != 0 || a.Jobs[9].JobID != 50 {
		t.Fatalf("after lowering to 10: %d jobs (%+v)", len(a.Jobs), a.Jobs)
	}
	// MaxJobsPerApp 0 leaves the limit alone; a higher limit keeps more from now on.
	if err := s.Reconfigure(ctx, Tunables{MaxJobsPerApp: 0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Reconfigure(ctx, Tunables{MaxJobsPerApp: 30}); err != nil {
		t.Fatal(err)
	}
	for i := 51; i <= 70; i++ {
		submitAll(t, s, "a", &event.JobStart{JobID: i}, &event.JobEnd{JobID: i, Result: "SUCCEEDED"})
	}
	if n := len(snapshotApp(t, s, "a").Jobs); n != 30 {
		t.Fatalf("after raising to 30 and 20 more jobs: %d jobs", n)
	}
}

// A monitor that restarted (SIGKILL, then jupyter-server-proxy starts it again) knows nothing before the listener's
// resync: it rebuilds the jobs that ended while it was away with their final counts, a live job's completed stage as
// COMPLETE (not SKIPPED at its end), and counts the events after the resync once.
func TestResyncRebuildsARestartedMonitor(t *testing.T) {
	s, _ := startStore(t, Options{})
	cell := "cell-1"
	done := int64(900)
	submitAll(t, s, "a", hello("a", 2), &event.Resync{
		FinishedJobs: []event.ResyncJob{{
			JobStart: event.JobStart{Header: event.Header{Time: 100}, JobID: 0, CellID: &cell,
				Stages: []event.StageInfo{stage(0, 4, nil)}},
			Result: wire.JobSucceeded, CompletionTime: 200,
		}},
		Jobs: []event.JobStart{{Header: event.Header{Time: 300}, JobID: 1, CellID: &cell,
			Stages: []event.StageInfo{stage(1, 5, nil), stage(2, 2, nil)}}},
		Stages: []event.ResyncStage{
			{StageID: 2, NumTasks: 2, NumCompletedTasks: 1, NumActiveTasks: 1, Status: wire.StageActive},
			{StageID: 0, NumTasks: 4, NumCompletedTasks: 4, Status: wire.StageComplete, CompletionTime: &done},
			{StageID: 1, NumTasks: 5, NumCompletedTasks: 5, Status: wire.StageComplete, CompletionTime: &done},
		},
	},
		&event.TaskEnd{StageID: 2, TaskID: 9, Status: "SUCCESS"},
		&event.StageCompleted{StageID: 2, Status: wire.StageComplete},
		&event.JobEnd{Header: event.Header{Time: 400}, JobID: 1, Result: wire.JobSucceeded},
	)
	a := snapshotApp(t, s, "a")
	if a.NumJobs != 2 || a.NumCompletedJobs != 2 {
		t.Fatalf("app after resync: %d jobs, %d completed; want 2 and 2", a.NumJobs, a.NumCompletedJobs)
	}
	j0, j1 := a.Jobs[0], a.Jobs[1]
	if j0.Status != wire.JobSucceeded || j0.NumCompletedTasks != 4 || j0.NumTasks != 4 || j0.SubmissionTime != 100 ||
		j0.CompletionTime == nil || *j0.CompletionTime != 200 || j0.NumCompletedStages != 1 || j0.NumSkippedStages != 0 {
		t.Errorf("job that ended while the monitor was away = %+v", j0)
	}
	if j1.Status != wire.JobSucceeded || j1.NumCompletedTasks != 7 || j1.NumTasks != 7 || j1.NumActiveTasks != 0 ||
		j1.NumCompletedStages != 2 || j1.NumSkippedStages != 0 || j1.SubmissionTime != 300 {
		t.Errorf("job live across the restart = %+v", j1)
	}
}

// After a mere connection loss the monitor already has the jobs: a resync with the same counts changes nothing, and
// a repeated stageCompleted of a failed stage counts the failure once.
func TestResyncAfterAConnectionLossCountsNothingTwice(t *testing.T) {
	s, _ := startStore(t, Options{})
	reason := "boom"
	submitAll(t, s, "a", hello("a", 1),
		&event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}},
		&event.StageSubmitted{StageID: 0, NumTasks: 2},
		&event.TaskEnd{StageID: 0, TaskID: 1, Status: "SUCCESS"},
		&event.TaskEnd{StageID: 0, TaskID: 2, Status: "FAILED", Reason: &reason},
		&event.StageCompleted{StageID: 0, Status: wire.StageFailed},
		&Disconnected{},
		hello("a", 2),
		&event.Resync{
			Jobs: []event.JobStart{{JobID: 0, Stages: []event.StageInfo{stage(0, 2, nil)}}},
			Stages: []event.ResyncStage{
				{StageID: 0, NumTasks: 2, NumCompletedTasks: 1, NumFailedTasks: 1, Status: wire.StageFailed},
			},
		},
		&event.StageCompleted{StageID: 0, Status: wire.StageFailed},
		&event.JobEnd{JobID: 0, Result: wire.JobFailed, Error: &reason},
	)
	j := snapshotApp(t, s, "a").Jobs[0]
	if j.NumCompletedTasks != 1 || j.NumFailedTasks != 1 || j.NumFailedStages != 1 || j.Status != wire.JobFailed {
		t.Errorf("job after a reconnect = %+v", j)
	}
}

// Spark posts the application end before it fails the jobs still running (SparkContext.stop), and the listener stops
// sending at the application end: the monitor ends those jobs itself, as Spark does, instead of showing them running.
func TestAppEndCancelsTheJobsStillRunning(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1),
		&event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 4, nil)}},
		&event.StageSubmitted{StageID: 0, NumTasks: 4},
		&event.TaskStart{StageID: 0, TaskID: 1},
		&event.AppEnd{Header: event.Header{Time: 50}},
	)
	a := snapshotApp(t, s, "a")
	j := a.Jobs[0]
	if a.State != wire.AppFinished || a.NumActiveJobs != 0 || j.Status != wire.JobCancelled || j.NumActiveTasks != 0 ||
		j.Error == nil || *j.Error != "Job 0 cancelled because SparkContext was shut down" || *j.CompletionTime != 50 {
		t.Fatalf("after the application end: app %+v, job %+v", a, j)
	}
	if st := j.Stages[0]; st.Status != wire.StageFailed || st.NumActiveTasks != 0 || j.NumFailedStages != 1 {
		t.Errorf("the running stage after the application end = %+v (job failed stages %d)", st, j.NumFailedStages)
	}
}

// After a kernel restart the old driver's listener is gone without an application end: once the kernel's new
// application says hello, the old one's running jobs end (the old app stays DISCONNECTED); another kernel's are kept.
func TestANewAppOfTheKernelEndsTheDisconnectedAppsJobs(t *testing.T) {
	s, _ := startStore(t, Options{})
	withKernel := func(app, kernel string) *event.Hello {
		h := hello(app, 1)
		h.KernelID, h.StartTime = kernel, 70
		return h
	}
	submitAll(t, s, "old", withKernel("old", "k1"), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 4, nil)}},
		&Disconnected{})
	submitAll(t, s, "other", withKernel("other", "k2"), &event.JobStart{JobID: 0, Stages: []event.StageInfo{stage(0, 4, nil)}},
		&Disconnected{})
	submitAll(t, s, "new", withKernel("new", "k1"))
	old := snapshotApp(t, s, "old")
	if j := old.Jobs[0]; old.State != wire.AppDisconnected || j.Status != wire.JobCancelled || j.CompletionTime == nil ||
		*j.CompletionTime != 70 {
		t.Errorf("the old app of kernel k1: %s, job %+v", old.State, j)
	}
	if j := snapshotApp(t, s, "other").Jobs[0]; j.Status != wire.JobRunning {
		t.Errorf("another kernel's disconnected app lost its running job: %+v", j)
	}
}
