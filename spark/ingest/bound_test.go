package ingest

import (
	"bufio"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// hostileHeapBound is the most live heap the test process may hold after a hostile listener's jobs (issue 21: 1 500
// jobs with 1 MB descriptions held 1.4 GB).
const hostileHeapBound = 100 << 20

// A listener that sends jobs with 1 MB descriptions, names and errors (within the 1 MiB frame) through the real socket
// and server: the monitor keeps each cut to its bound with a visible "…", and its live heap stays small.
func TestHugeDescriptionsAreCutAndCostNothing(t *testing.T) {
	if hugeJobs == 0 {
		t.Skip("run without -race (make test does)")
	}
	_, store, sock := start(t)
	c := dial(t, sock)
	_ = c.conn.SetDeadline(time.Time{}) // the waits below have their own deadlines
	const app = "app-huge-descriptions"
	c.send(t, helloLine(app, secret, 1))
	if m := c.reply(t); m["type"] != "welcome" {
		t.Fatalf("reply = %v", m)
	}
	// One description of about 1 MB: two-byte characters after an odd first byte, so no bound falls on a boundary.
	desc := "d" + strings.Repeat("é", 499_000)
	errText := "e" + strings.Repeat("ü", 400_000)
	w := &floodWriter{w: bufio.NewWriterSize(c.conn, 64<<10)}
	for j := range hugeJobs {
		id := strconv.Itoa(j)
		w.frame("jobStart", int64(j), `,"jobId":`+id+`,"name":"n","description":"`+desc+`","jobGroup":null,`+
			`"jobTags":[],"cellId":"c","sqlExecutionId":null,"stages":[{"stageId":`+id+`,"attemptId":0,"name":"s",`+
			`"numTasks":1,"parentIds":[],"completionTime":null}]`)
		w.frame("jobEnd", int64(j), `,"jobId":`+id+`,"result":"FAILED","error":"`+errText+`"`)
	}
	if err := w.w.Flush(); err != nil {
		t.Fatal(err)
	}
	a := waitAppWithin(t, store, app, strconv.Itoa(hugeJobs)+" jobs ended", floodWait, func(a wire.App) bool {
		// one connection: when the last job has ended, every frame before it was applied
		return len(a.Jobs) > 0 && a.Jobs[len(a.Jobs)-1].JobID == hugeJobs-1 && a.NumActiveJobs == 0
	})
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	if m.HeapInuse > hostileHeapBound {
		t.Errorf("live heap after %d jobs with 1 MB descriptions: %d MiB, want at most %d MiB", hugeJobs,
			m.HeapInuse>>20, hostileHeapBound>>20)
	}
	j := a.Jobs[len(a.Jobs)-1]
	if d := *j.Description; len(d) > event.MaxDescription || !strings.HasSuffix(d, "…") || !strings.HasPrefix(desc, d[:len(d)-len("…")]) {
		t.Errorf("description: %d bytes ending %q", len(d), d[len(d)-8:])
	}
	if e := *j.Error; len(e) > event.MaxReason || !strings.HasSuffix(e, "…") {
		t.Errorf("error: %d bytes ending %q", len(e), e[len(e)-8:])
	}
	t.Logf("live heap after %d jobs: %d MiB", hugeJobs, m.HeapInuse>>20)
}
