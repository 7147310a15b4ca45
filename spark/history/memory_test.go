package history

import (
	"context"
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// completedStageName encodes a stage attempt's completion and returns the name its line gives the stage.
func completedStageName(t *testing.T, e *encoder, stageID int) string {
	t.Helper()
	line := e.encode(nil, &event.StageCompleted{Header: event.Header{Time: 3}, StageID: stageID, Status: wire.StageComplete})
	var l sparkStageEvent
	if err := json.Unmarshal(line, &l); err != nil || l.StageInfo == nil {
		t.Fatalf("stage completion %s: %v", line, err)
	}
	return l.StageInfo.Name
}

// 200 000 stage attempts that no job announces and that never complete (hostile input of issue 21) held 86 MB in the
// history writer: what it remembers of an application is bounded as the live state's memory (10 × maxJobsPerApp
// stage attempts, at least 1000; maxJobsPerApp jobs), the newest kept.
func TestWriterRemembersAtMostTheLiveStatesBound(t *testing.T) {
	const maxJobs, orphans = 10, 20_000
	bound := state.MaxStageAttempts(maxJobs)
	e := newEncoder(maxJobs)
	e.encode(nil, &event.Hello{AppID: "app-m", AppName: "m", StartTime: 1})
	peak := 0
	for s := range orphans {
		e.encode(nil, &event.StageSubmitted{Header: event.Header{Time: 2}, StageID: s, Name: "orphan " + strconv.Itoa(s), NumTasks: 1})
		peak = max(peak, len(e.stages))
	}
	if peak > bound || len(e.stages) < bound*9/10 {
		t.Errorf("stage attempts remembered: peak %d, now %d; want at most %d and the newest kept", peak, len(e.stages), bound)
	}
	// The newest stage's completion still carries its name; the first one's is forgotten.
	if first, newest := completedStageName(t, e, 0), completedStageName(t, e, orphans-1); first != "" ||
		newest != "orphan "+strconv.Itoa(orphans-1) {
		t.Errorf("completed stages' names %q and %q, want the newest one's only", first, newest)
	}

	// Jobs that never end: maxJobs remembered, with their result stages.
	for j := range 5 * maxJobs {
		e.encode(nil, &event.JobStart{JobID: j, Stages: []event.StageInfo{{StageID: 100_000 + j, NumTasks: 1}}})
		if len(e.jobs) > maxJobs || len(e.result) > maxJobs {
			t.Fatalf("after job %d: %d jobs and %d result stages remembered, want at most %d", j, len(e.jobs), len(e.result), maxJobs)
		}
	}
	last := 5*maxJobs - 1
	if !e.jobKnown(last) || !e.isResultStage(100_000+last) || e.jobKnown(0) || e.isResultStage(100_000) {
		t.Errorf("the newest job must be remembered with its result stage, the first forgotten: %v", e.jobs)
	}
	// Ended jobs are forgotten before running ones, however old.
	oldest := last - maxJobs + 1
	e.encode(nil, &event.JobEnd{JobID: last, Result: wire.JobSucceeded})
	e.encode(nil, &event.JobStart{JobID: last + 1})
	if e.jobKnown(last) || !e.jobKnown(oldest) {
		t.Errorf("a new job forgot %v; want the ended job %d forgotten, the oldest running one %d kept", e.jobs, last, oldest)
	}
}

// The recorder bounds each application's writer by Options.MaxJobsPerApp (the live state's retention.maxJobsPerApp).
func TestRecorderBoundsItsWritersByMaxJobsPerApp(t *testing.T) {
	rec, _ := startRecorder(t, Options{Dir: t.TempDir(), MaxJobsPerApp: func() int { return 200 }})
	rec.Record("app-r", &event.Hello{AppID: "app-r", AppName: "r", StartTime: 1})
	for s := range 3000 {
		rec.Record("app-r", &event.StageSubmitted{StageID: s, NumTasks: 1})
	}
	if err := rec.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := rec.Status(); st.Dropped != 0 {
		t.Fatalf("dropped %d events", st.Dropped)
	}
	// Sync returned after the writer goroutine wrote every event: it touches the logs no more until the next record.
	if n, bound := len(rec.logs["app-r"].enc.stages), state.MaxStageAttempts(200); n > bound || n < bound*9/10 {
		t.Errorf("the writer remembers %d stage attempts, want at most %d (and most of them)", n, bound)
	}
}

// An encoder does not keep a large resync's lines after writing them (idle encoders of disconnected applications stay
// in memory).
func TestWriterDoesNotKeepALargeLineBuffer(t *testing.T) {
	e := newEncoder(0)
	e.encode(nil, &event.Hello{AppID: "app-b", AppName: "b", StartTime: 1})
	desc := strings.Repeat("d", event.MaxDescription)
	rs := &event.Resync{}
	for j := range 200 {
		rs.Jobs = append(rs.Jobs, event.JobStart{JobID: j, Description: &desc})
	}
	if out := e.encode(nil, rs); len(out) < 200*event.MaxDescription {
		t.Fatalf("the resync wrote %d bytes", len(out))
	}
	if c := e.out.Cap(); c > maxKeptBuffer {
		t.Errorf("the encoder keeps a %d byte buffer, want at most %d", c, maxKeptBuffer)
	}
}
