package state

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func streamStart(id, run string, cell *string) *event.StreamStart {
	return &event.StreamStart{Header: event.Header{Type: "streamStart", Time: 1}, QueryID: id, RunID: run, CellID: cell}
}

func streamProgress(id, run string, batch int64) *event.StreamProgress {
	rate := float64(batch)
	return &event.StreamProgress{Header: event.Header{Type: "streamProgress"}, QueryID: id, RunID: run,
		Progress: event.StreamingBatch{BatchID: batch, NumInputRows: batch, InputRowsPerSecond: &rate,
			DurationMs: map[string]int64{"triggerExecution": batch}}}
}

// The recorded query (spark/event/testdata/streaming.jsonl: rate → windowed count → memory sink, stopped after 6
// batches) against what PySpark's StreamingQuery.recentProgress said (streaming.rest.json).
func TestRecordedStreamingQueryMatchesRecentProgress(t *testing.T) {
	app, evs := readRecording(t, "streaming.jsonl")
	raw, err := os.ReadFile(filepath.Join(recordings, "streaming.rest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var oracle struct {
		QueryID        string `json:"queryId"`
		RecentProgress []struct {
			BatchID                int64            `json:"batchId"`
			NumInputRows           int64            `json:"numInputRows"`
			InputRowsPerSecond     *float64         `json:"inputRowsPerSecond"`
			ProcessedRowsPerSecond *float64         `json:"processedRowsPerSecond"`
			DurationMs             map[string]int64 `json:"durationMs"`
			EventTime              map[string]string
			StateOperators         []struct{ NumRowsTotal int64 }
			Sink                   struct{ Description string }
		} `json:"recentProgress"`
	}
	if err := json.Unmarshal(raw, &oracle); err != nil {
		t.Fatal(err)
	}
	s, _ := startStore(t, Options{})
	submitAll(t, s, app, evs...)
	a := snapshotApp(t, s, app)
	if len(a.StreamingQueries) != 1 {
		t.Fatalf("streaming queries = %+v", a.StreamingQueries)
	}
	q := a.StreamingQueries[0]
	if q.QueryID != oracle.QueryID || q.CellID == nil || *q.CellID != "cell-stream" || q.Status != wire.StreamStopped ||
		q.EndTime == nil || q.Name == nil || *q.Name != "counts" {
		t.Errorf("query = %+v (cell %v)", q, q.CellID)
	}
	want := oracle.RecentProgress
	if q.NumBatches != int64(len(want)) || len(q.Batches) != len(want) {
		t.Fatalf("%d batches (%d kept), PySpark's recentProgress has %d", q.NumBatches, len(q.Batches), len(want))
	}
	for i, b := range q.Batches {
		w := want[i]
		if b.BatchID != w.BatchID || b.NumInputRows != w.NumInputRows || fmt.Sprint(b.DurationMs) != fmt.Sprint(w.DurationMs) ||
			!sameRate(b.InputRowsPerSecond, w.InputRowsPerSecond) || !sameRate(b.ProcessedRowsPerSecond, w.ProcessedRowsPerSecond) {
			t.Errorf("batch %d = %+v, PySpark: %+v", i, b, w)
		}
		if wm := w.EventTime["watermark"]; b.Watermark == nil || *b.Watermark != wm {
			t.Errorf("batch %d watermark %v, PySpark %q", i, b.Watermark, wm)
		}
		if b.NumRowsInState == nil || *b.NumRowsInState != w.StateOperators[0].NumRowsTotal {
			t.Errorf("batch %d rows in state %v, PySpark %d", i, b.NumRowsInState, w.StateOperators[0].NumRowsTotal)
		}
	}
	if q.Sink != want[len(want)-1].Sink.Description || len(q.Sources) != 1 {
		t.Errorf("sink %q sources %v", q.Sink, q.Sources)
	}
	// Its micro-batch jobs are under no cell (the panel stands for them) and name the query.
	n := 0
	for _, j := range a.Jobs {
		if j.StreamQueryID == q.QueryID {
			n++
			if j.CellID != nil {
				t.Errorf("micro-batch job %d under cell %s", j.JobID, *j.CellID)
			}
		}
	}
	if n == 0 || n != q.NumJobs {
		t.Errorf("%d micro-batch jobs, the query counts %d", n, q.NumJobs)
	}
}

func sameRate(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func TestStreamingBounds(t *testing.T) {
	s, _ := startStore(t, Options{})
	cell := "c"
	evs := []event.Event{hello("a", 1), streamStart("q0", "r0", &cell)}
	for b := int64(0); b < MaxStreamBatches+10; b++ {
		evs = append(evs, streamProgress("q0", "r0", b))
	}
	evs = append(evs, streamProgress("q0", "another-run", 999)) // a run never started here: ignored
	for i := 1; i <= MaxStreamsPerApp+5; i++ {
		id := fmt.Sprintf("q%d", i)
		evs = append(evs, streamStart(id, "r", &cell))
		if i%2 == 0 {
			evs = append(evs, &event.StreamEnd{QueryID: id, RunID: "r"})
		}
	}
	submitAll(t, s, "a", evs...)
	qs := snapshotApp(t, s, "a").StreamingQueries
	if len(qs) != MaxStreamsPerApp {
		t.Fatalf("%d queries kept, want %d", len(qs), MaxStreamsPerApp)
	}
	byID := map[string]wire.StreamingQuery{}
	for _, q := range qs {
		byID[q.QueryID] = q
	}
	// 56 queries, 6 too many: the six oldest ended ones go (q2 … q12), active ones stay.
	for i := 1; i <= MaxStreamsPerApp+5; i++ {
		id := fmt.Sprintf("q%d", i)
		if _, kept := byID[id]; kept == (i%2 == 0 && i <= 12) {
			t.Errorf("query %s kept: %v", id, kept)
		}
	}
	q0, ok := byID["q0"]
	if !ok {
		t.Fatal("the oldest query, still active, was forgotten before ended ones")
	}
	if q0.NumBatches != MaxStreamBatches+10 || len(q0.Batches) != MaxStreamBatches || q0.Batches[0].BatchID != 10 ||
		q0.Batches[MaxStreamBatches-1].BatchID != MaxStreamBatches+9 {
		t.Errorf("q0: %d batches, %d kept, first %d", q0.NumBatches, len(q0.Batches), q0.Batches[0].BatchID)
	}
}

func TestStreamTakesTheCellOfItsJobsWhenItsStartNamedNone(t *testing.T) {
	s, _ := startStore(t, Options{})
	id, cell := "q", "cell-inherited"
	submitAll(t, s, "a", hello("a", 1), streamStart(id, "r", nil),
		&event.JobStart{JobID: 0, CellID: &cell, StreamQueryID: &id, Stages: []event.StageInfo{stage(0, 1, nil)}})
	a := snapshotApp(t, s, "a")
	if q := a.StreamingQueries[0]; q.CellID == nil || *q.CellID != cell || q.NumJobs != 1 {
		t.Errorf("query = %+v", q)
	}
	if j := a.Jobs[0]; j.CellID != nil || j.StreamQueryID != id {
		t.Errorf("micro-batch job = %+v", j)
	}
}

func TestStreamEndsFailedOrStoppedAndAppEndStopsTheRest(t *testing.T) {
	s, _ := startStore(t, Options{})
	boom := "org.apache.spark.SparkException: boom"
	submitAll(t, s, "a", hello("a", 1), streamStart("f", "r", nil), streamStart("s", "r", nil),
		&event.StreamEnd{Header: event.Header{Time: 5}, QueryID: "f", RunID: "r", Error: &boom},
		streamStart("s", "r2", nil), // the query restarted: its new run replaces the old
		&event.AppEnd{Header: event.Header{Time: 9}})
	qs := snapshotApp(t, s, "a").StreamingQueries
	if len(qs) != 2 {
		t.Fatalf("queries = %+v", qs)
	}
	if f := qs[0]; f.Status != wire.StreamFailed || f.Error == nil || *f.Error != boom || *f.EndTime != 5 {
		t.Errorf("failed query = %+v", f)
	}
	if r := qs[1]; r.RunID != "r2" || r.Status != wire.StreamStopped || *r.EndTime != 9 {
		t.Errorf("restarted query at app end = %+v", r)
	}
}
