package state

// Benchmarks of ingest (issue 5, P3): decoding and applying listener streams recorded from real PySpark runs.
// Run with `make bench` (one core: -cpu 1). Figures are reported as custom metrics, never asserted.

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// benchStream is the recording the benchmarks replay: 5050 tiny tasks of one stage, as PySpark sent them.
const benchStream = "tiny_tasks.jsonl"

func recordedFrames(b *testing.B, name string) [][]byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join(recordings, name))
	if err != nil {
		b.Fatalf("recording %s: %v", name, err)
	}
	var frames [][]byte
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		if len(line) > 0 {
			frames = append(frames, line)
		}
	}
	return frames
}

// BenchmarkDecode decodes the recorded frames: events/s of the wire decoder alone.
func BenchmarkDecode(b *testing.B) {
	frames := recordedFrames(b, benchStream)
	size := 0
	for _, f := range frames {
		size += len(f) + 1
	}
	b.SetBytes(int64(size))
	for b.Loop() {
		for _, f := range frames {
			if _, err := event.Decode(f); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(frames)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkDecodeApply decodes the recorded frames and applies them to the owner's state (a fresh application each
// iteration), as the store's goroutine does: events/s of ingest without the network.
func BenchmarkDecodeApply(b *testing.B) {
	frames := recordedFrames(b, benchStream)
	for b.Loop() {
		s := New(Options{})
		for _, f := range frames {
			ev, err := event.Decode(f)
			if err != nil {
				b.Fatal(err)
			}
			s.apply(input{"bench", ev})
		}
	}
	b.ReportMetric(float64(len(frames)*b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkRetainedTasks applies the recorded job over and over with fresh job, stage, task and SQL ids (one
// application, default retention) and reports the live heap after 1M and after 2M tasks: the memory the monitor
// needs with 1M tasks retained, and whether it stays flat once the retention limits are reached; and the rate of
// applying already decoded events (the owner goroutine's share of ingest).
func BenchmarkRetainedTasks(b *testing.B) {
	frames := recordedFrames(b, benchStream)
	var events []event.Event
	tasksPerReplay := 0
	for _, f := range frames {
		ev, err := event.Decode(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := ev.(*event.TaskEnd); ok {
			tasksPerReplay++
		}
		events = append(events, ev)
	}
	applied := 0
	for b.Loop() {
		s := New(Options{})
		var at1M, at2M float64
		for replay, tasks := 0, 0; tasks < 2_000_000; replay++ {
			for _, ev := range events {
				if replay > 0 {
					if _, ok := ev.(*event.Hello); ok {
						continue
					}
				}
				s.apply(input{"bench", shifted(ev, replay)})
				applied++
			}
			tasks += tasksPerReplay
			if at1M == 0 && tasks >= 1_000_000 {
				at1M = liveHeapMB()
			}
		}
		at2M = liveHeapMB()
		runtime.KeepAlive(s)
		b.ReportMetric(at1M, "MB@1M-tasks")
		b.ReportMetric(at2M, "MB@2M-tasks")
	}
	b.ReportMetric(float64(applied)/b.Elapsed().Seconds(), "applied-events/s")
}

func liveHeapMB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// shifted returns a copy of ev as if it came from the replay-th run of the same job: ids moved past every earlier run.
func shifted(ev event.Event, replay int) event.Event {
	if replay == 0 {
		return ev
	}
	const ids = 100_000 // more than the recording's jobs, stages and tasks
	n := replay * ids
	switch e := ev.(type) {
	case *event.JobStart:
		c := *e
		c.JobID += n
		c.Stages = make([]event.StageInfo, len(e.Stages))
		for i, s := range e.Stages {
			s.StageID += n
			c.Stages[i] = s
		}
		if e.SQLExecutionID != nil {
			id := *e.SQLExecutionID + int64(n)
			c.SQLExecutionID = &id
		}
		return &c
	case *event.JobEnd:
		c := *e
		c.JobID += n
		return &c
	case *event.StageSubmitted:
		c := *e
		c.StageID += n
		return &c
	case *event.StageCompleted:
		c := *e
		c.StageID += n
		return &c
	case *event.TaskStart:
		c := *e
		c.StageID += n
		c.TaskID += int64(n)
		return &c
	case *event.TaskEnd:
		c := *e
		c.StageID += n
		c.TaskID += int64(n)
		return &c
	case *event.SQLStart:
		c := *e
		c.ExecutionID += int64(n)
		return &c
	case *event.SQLEnd:
		c := *e
		c.ExecutionID += int64(n)
		return &c
	}
	return ev
}
