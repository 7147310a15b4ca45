package history

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// hostileHeapBound is the most live heap the test process may hold after importing or restoring the hostile log.
const hostileHeapBound = 100 << 20

// hostileLog is a Spark event log of jobs with 1 MB descriptions (spark.job.description) and 100 kB stage names and
// failure reasons: zstd makes it about 20 KB, and it decompresses to about a gigabyte (issue 21: "a 22 KB uploaded
// event log held 0.9 GB of heap, at every start"). The first half of the jobs comes before the application's start,
// where the replay holds events until it knows the application.
func hostileLog(t *testing.T, jobs int) []byte {
	t.Helper()
	big, long := strings.Repeat("é", 500_000), strings.Repeat("ü", 50_000) // 1 MB, 100 kB
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out)
	if err != nil {
		t.Fatal(err)
	}
	b := bufio.NewWriterSize(zw, 1<<20)
	_, _ = b.WriteString(`{"Event":"SparkListenerLogStart","Spark Version":"3.5.0"}` + "\n")
	for j := range jobs {
		if j == jobs/2 {
			_, _ = b.WriteString(`{"Event":"SparkListenerApplicationStart","App Name":"hostile","App ID":"app-hostile",` +
				`"Timestamp":1,"User":"u"}` + "\n")
		}
		id := strconv.Itoa(j)
		_, _ = b.WriteString(`{"Event":"SparkListenerJobStart","Job ID":` + id + `,"Submission Time":2,"Stage Infos":[` +
			`{"Stage ID":` + id + `,"Stage Attempt ID":0,"Stage Name":"s` + long + `","Number of Tasks":1,` +
			`"Parent IDs":[]}],"Properties":{"spark.job.description":"d` + big + `"}}` + "\n")
		_, _ = b.WriteString(`{"Event":"SparkListenerJobEnd","Job ID":` + id + `,"Completion Time":3,"Job Result":` +
			`{"Result":"JobFailed","Exception":{"Message":"m` + long + `"}}}` + "\n")
	}
	_, _ = b.WriteString(`{"Event":"SparkListenerApplicationEnd","Timestamp":4}` + "\n")
	if err := errors.Join(b.Flush(), zw.Close()); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// checkHostileApp asserts that the hostile log's application is there with its texts cut, and the live heap small.
func checkHostileApp(t *testing.T, s *state.Store, jobs int, when string) {
	t.Helper()
	a := snapshotApp(t, s, "app-hostile")
	if len(a.Jobs) == 0 || a.Jobs[len(a.Jobs)-1].JobID != jobs-1 {
		t.Fatalf("%s: %d jobs, the last is not job %d", when, len(a.Jobs), jobs-1)
	}
	j := a.Jobs[len(a.Jobs)-1]
	for what, s := range map[string]string{"description": *j.Description, "error": *j.Error,
		"stage name": j.Stages[0].Name} {
		if len(s) > event.MaxReason || !strings.HasSuffix(s, "…") {
			t.Errorf("%s: %s of %d bytes ends %q", when, what, len(s), s[max(0, len(s)-8):])
		}
	}
	if h := liveHeap(); h > hostileHeapBound {
		t.Errorf("%s: live heap %d MiB, want at most %d MiB", when, h>>20, hostileHeapBound>>20)
	} else {
		t.Logf("%s: live heap %d MiB", when, h>>20)
	}
}

// A small compressed upload that expands to a gigabyte of text costs the monitor a few MiB, when it is opened and at
// each start after (the history folder keeps it and the monitor replays it).
func TestHostileUploadIsCutWhenOpenedAndAtEachStart(t *testing.T) {
	if hostileJobs == 0 {
		t.Skip("run without -race (make test does)")
	}
	data := hostileLog(t, hostileJobs)
	t.Logf("the hostile log: %d bytes compressed", len(data))
	dir := t.TempDir()
	s := startStore(t)
	if _, err := Import(context.Background(), dir, bytes.NewReader(data),
		ImportOptions{MaxBytes: 64 << 20, MaxUncompressed: 4 << 30}, s); err != nil {
		t.Fatal(err)
	}
	checkHostileApp(t, s, hostileJobs, "opened")
	restarted := startStore(t)
	if n, err := Restore(context.Background(), dir, restarted, slog.New(slog.DiscardHandler)); err != nil || n != 1 {
		t.Fatalf("restore: %d apps, %v", n, err)
	}
	checkHostileApp(t, restarted, hostileJobs, "restored at the next start")
}

// A zstd log that declares a window over MaxWindow (zstd --long=27: 128 MiB, in a few bytes of its header; the
// decoder would allocate it whole, twice per upload) is refused with the reason, and nothing is kept.
func TestUploadWithAHugeZstdWindowIsRefused(t *testing.T) {
	var out bytes.Buffer
	zw, err := zstd.NewWriter(&out, zstd.WithSingleSegment(false))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = zw.Write([]byte(`{"Event":"SparkListenerApplicationStart","App Name":"w","App ID":"app-window","Timestamp":1}` + "\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	// The frame header declares its window (RFC 8878 §3.1.1.1.2): written by the encoder for this small input as a
	// small one, set here to 2^27 as zstd --long=27 writes it.
	data := out.Bytes()
	if data[4]&0x20 != 0 {
		t.Fatalf("a single-segment frame has no window descriptor: %x", data[:8])
	}
	data[5] = (27 - 10) << 3
	dir := t.TempDir()
	s := startStore(t)
	_, err = Import(context.Background(), dir, bytes.NewReader(data),
		ImportOptions{MaxBytes: 64 << 20, MaxUncompressed: 4 << 30}, s)
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "compressed with a zstd window over the 8 MiB") {
		t.Fatalf("Import = %v, want a FormatError about the window", err)
	}
	if files, _ := List(dir); len(files) != 0 {
		t.Errorf("kept %v", files)
	}
}
