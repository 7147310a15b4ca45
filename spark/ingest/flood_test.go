package ingest

import (
	"bufio"
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Bounds TestEventFlood asserts.
const (
	// floodHeapBound is the most live heap the whole test process (monitor and synthetic listener) may hold.
	floodHeapBound = 100 << 20
	// floodHeapGrowth is how much the live heap may grow between the flood's half and its end: it must be flat.
	floodHeapGrowth = 16 << 20
	// floodWait bounds each wait for the monitor to catch up with what was sent (generous: the machine is shared).
	floodWait = 2 * time.Minute
	floodCell = "flood-cell"
	floodApp  = "app-flood"
	floodBase = int64(1_700_000_000_000)
)

// floodStages splits the flood's tasks over the job's stages: 35%, 30%, 25%, 10%. In stage 1 every 1000th task
// fails.
func floodStages() []int {
	return []int{floodTasks * 35 / 100, floodTasks * 30 / 100, floodTasks * 25 / 100,
		floodTasks - floodTasks*35/100 - floodTasks*30/100 - floodTasks*25/100}
}

func floodFails(stage, index int) bool { return stage == 1 && index%1000 == 0 }

// floodWriter speaks the listener protocol at full speed: frames appended to one buffer, written in 64 KiB batches.
type floodWriter struct {
	w   *bufio.Writer
	b   []byte
	seq int64
}

func (f *floodWriter) frame(typ string, at int64, body string) {
	f.seq++
	b := append(f.b[:0], `{"type":"`...)
	b = append(b, typ...)
	b = append(b, `","seq":`...)
	b = strconv.AppendInt(b, f.seq, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, at, 10)
	b = append(b, body...)
	b = append(b, "}\n"...)
	f.b = b
	_, _ = f.w.Write(b)
}

// taskMembers appends the shared members of a task frame.
func taskMembers(b []byte, stage, index int, taskID int64) []byte {
	b = append(b, `,"stageId":`...)
	b = strconv.AppendInt(b, int64(stage), 10)
	b = append(b, `,"stageAttemptId":0,"taskId":`...)
	b = strconv.AppendInt(b, taskID, 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, `,"attempt":0,"executorId":"`...)
	b = strconv.AppendInt(b, taskID%2+1, 10)
	b = append(b, `","host":"h`...)
	b = strconv.AppendInt(b, taskID%2+1, 10)
	return append(b, '"')
}

// The flood: one job of four stages and floodTasks tiny tasks (taskStart + taskEnd each, eight running at a time),
// sent as fast as the socket takes them through the real unix socket, ingest server and state store. The live heap
// stays under floodHeapBound and flat between the half and the end, every count is exact (per stage, per job, the
// failures), and the timeline says that it shows a sample: numTasks counts every task, sampled is true, and it holds
// at most the requested spans.
func TestEventFlood(t *testing.T) {
	srv, store, sock := start(t)
	c := dial(t, sock)
	_ = c.conn.SetDeadline(time.Time{}) // the flood's waits have their own deadlines
	c.send(t, helloLine(floodApp, secret, 1))
	if m := c.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	stages := floodStages()
	f := &floodWriter{w: bufio.NewWriterSize(c.conn, 64<<10)}
	f.frame("appStart", floodBase, `,"appId":"`+floodApp+`","attemptId":null,"appName":"flood","sparkUser":"u"`)
	for e := 1; e <= 2; e++ {
		f.frame("executorAdded", floodBase, `,"executorId":"`+strconv.Itoa(e)+`","host":"h`+strconv.Itoa(e)+`","cores":4`)
	}
	jobStages := `,"jobId":0,"name":"flood","description":null,"jobGroup":null,"jobTags":[],"cellId":"` + floodCell +
		`","sqlExecutionId":null,"stages":[`
	for s, n := range stages {
		if s > 0 {
			jobStages += ","
		}
		jobStages += `{"stageId":` + strconv.Itoa(s) + `,"attemptId":0,"name":"s` + strconv.Itoa(s) + `","numTasks":` +
			strconv.Itoa(n) + `,"parentIds":[],"completionTime":null}`
	}
	f.frame("jobStart", floodBase, jobStages+"]")

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var heapHalf uint64
	sent, taskID, now := 0, int64(0), floodBase
	for s, n := range stages {
		f.frame("stageSubmitted", now, `,"stageId":`+strconv.Itoa(s)+`,"attemptId":0,"name":"s`+strconv.Itoa(s)+
			`","numTasks":`+strconv.Itoa(n)+`,"parentIds":[]`)
		for first := 0; first < n; first += 8 {
			last := min(first+8, n)
			for i := first; i < last; i++ {
				f.frame("taskStart", now, string(taskMembers(nil, s, i, taskID+int64(i-first)))+`,"speculative":false`)
			}
			for i := first; i < last; i++ {
				id := taskID + int64(i-first)
				end := `,"launchTime":` + strconv.FormatInt(now, 10) + `,"status":"SUCCESS","reason":null,"metrics":null`
				if floodFails(s, i) {
					end = `,"launchTime":` + strconv.FormatInt(now, 10) + `,"status":"FAILED","reason":"java.lang.RuntimeException: boom","metrics":null`
				}
				f.frame("taskEnd", now+3+id%5, string(taskMembers(nil, s, i, id))+end)
			}
			taskID += int64(last - first)
			now++
			sent += last - first
			if heapHalf == 0 && sent >= floodTasks/2 {
				heapHalf = floodCheckpoint(t, f, store, sent)
			}
		}
		f.frame("stageCompleted", now, `,"stageId":`+strconv.Itoa(s)+`,"attemptId":0,"status":"COMPLETE","failureReason":null,"numTasks":`+strconv.Itoa(n))
	}
	f.frame("jobEnd", now, `,"jobId":0,"result":"SUCCEEDED","error":null`)
	heapEnd := floodCheckpoint(t, f, store, sent)
	t.Logf("%d tasks: live heap %d MiB before, %d MiB at the half, %d MiB at the end", floodTasks,
		before.HeapInuse>>20, heapHalf>>20, heapEnd>>20)
	if heapHalf > floodHeapBound || heapEnd > floodHeapBound {
		t.Errorf("live heap %d MiB at the half, %d MiB at the end; bound %d MiB", heapHalf>>20, heapEnd>>20, floodHeapBound>>20)
	}
	if heapEnd > heapHalf+floodHeapGrowth {
		t.Errorf("live heap grew from %d MiB to %d MiB over the flood's second half", heapHalf>>20, heapEnd>>20)
	}

	a := waitAppWithin(t, store, floodApp, "job 0 to succeed", floodWait, func(a wire.App) bool {
		return len(a.Jobs) == 1 && a.Jobs[0].Status == wire.JobSucceeded
	})
	j := a.Jobs[0]
	failed := 0
	for s, st := range j.Stages {
		wantFailed := 0
		for i := range stages[s] {
			if floodFails(s, i) {
				wantFailed++
			}
		}
		failed += wantFailed
		if st.NumCompletedTasks != stages[s]-wantFailed || st.NumFailedTasks != wantFailed || st.NumActiveTasks != 0 ||
			st.Status != wire.StageComplete || st.TaskTime == nil || st.TaskTime.Count != stages[s]-wantFailed {
			t.Errorf("stage %d: %d completed, %d failed, %d active, %s, taskTime %+v; sent %d tasks, %d failing",
				s, st.NumCompletedTasks, st.NumFailedTasks, st.NumActiveTasks, st.Status, st.TaskTime, stages[s], wantFailed)
		}
	}
	if j.NumTasks != floodTasks || j.NumCompletedTasks != floodTasks-failed || j.NumFailedTasks != failed ||
		j.NumActiveTasks != 0 || j.NumCompletedStages != len(stages) {
		t.Errorf("job: numTasks %d, %d completed, %d failed, %d active, %d stages complete; sent %d tasks, %d failing",
			j.NumTasks, j.NumCompletedTasks, j.NumFailedTasks, j.NumActiveTasks, j.NumCompletedStages, floodTasks, failed)
	}
	if len(j.Failures) != 1 || j.Failures[0].Count != failed {
		t.Errorf("failures = %+v, want one reason counted %d times", j.Failures, failed)
	}
	if a.NumExecutors != 2 || a.TotalCores != 8 || a.DroppedEvents != 0 {
		t.Errorf("app: %d executors, %d cores, %d dropped events", a.NumExecutors, a.TotalCores, a.DroppedEvents)
	}
	if srv.Malformed() != 0 {
		t.Errorf("%d frames counted as malformed", srv.Malformed())
	}

	const maxTasks = 5000
	tl, err := store.Timeline(context.Background(), state.Cell{ID: floodCell}, maxTasks)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Apps) != 1 {
		t.Fatalf("timeline apps = %d", len(tl.Apps))
	}
	ta := tl.Apps[0]
	if ta.NumTasks != floodTasks || !ta.Sampled || len(ta.Tasks) == 0 || len(ta.Tasks) > maxTasks {
		t.Errorf("timeline: numTasks %d, sampled %v, %d spans; want numTasks %d, sampled, 1..%d spans",
			ta.NumTasks, ta.Sampled, len(ta.Tasks), floodTasks, maxTasks)
	}
	for _, sp := range ta.Tasks {
		if sp.Status == "RUNNING" || sp.End == nil {
			t.Fatalf("a span of a finished job is still running: %+v", sp)
		}
	}
}

// floodCheckpoint flushes what was written, waits until the monitor applied every task sent so far, and returns the
// process's live heap after a collection.
func floodCheckpoint(t *testing.T, f *floodWriter, store *state.Store, sent int) uint64 {
	t.Helper()
	if err := f.w.Flush(); err != nil {
		t.Fatal("writing the flood:", err)
	}
	waitAppWithin(t, store, floodApp, strconv.Itoa(sent)+" tasks applied", floodWait, func(a wire.App) bool {
		return len(a.Jobs) == 1 && a.Jobs[0].NumCompletedTasks+a.Jobs[0].NumFailedTasks == sent && a.Jobs[0].NumActiveTasks == 0
	})
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
