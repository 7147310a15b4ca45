package history

import (
	"bytes"
	"context"
	"errors"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

var quiet = slog.New(slog.DiscardHandler)

// writeLog records a recording with a recorder and returns the event log's decompressed lines.
func writeLog(t *testing.T, name string) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	app, evs := readRecording(t, name)
	rec, stop := startRecorder(t, Options{Dir: dir})
	for _, ev := range evs {
		rec.Record(app, ev)
	}
	stop()
	files, err := List(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("history folder: %v %v", files, err)
	}
	f, err := os.Open(files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	in, err := Open(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(in)
	if err != nil {
		t.Fatal(err)
	}
	return app, plain
}

func zstdBytes(t *testing.T, plain []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, _ := zstd.NewWriter(&b)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	return b.Bytes()
}

func importBytes(t *testing.T, dir string, data []byte, sink Sink) (Summary, error) {
	t.Helper()
	return Import(context.Background(), dir, bytes.NewReader(data),
		ImportOptions{MaxBytes: 64 << 20, MaxUncompressed: 256 << 20}, sink)
}

// TestImportRefusesBadLogsWithTheirLine: a broken line, a cut compressed stream, a file that is not an event log,
// another Spark codec, a too large file: each is refused with a reason (the line where there is one), nothing is
// kept in the history folder, and no application appears.
func TestImportRefusesBadLogsWithTheirLine(t *testing.T) {
	_, plain := writeLog(t, "failing_task.jsonl")
	lines := bytes.SplitAfter(plain, []byte("\n"))
	broken := bytes.Join(append(append(lines[:4:4], []byte("{\"Event\":\"SparkListenerJobStart\",\"Job ID\":\n")), lines[4:]...), nil)
	z := zstdBytes(t, plain)
	cases := []struct {
		name, want string
		data       []byte
		line       int
	}{
		{"broken line", "line 5: malformed JSON", broken, 5},
		{"broken line, compressed", "line 5: malformed JSON", zstdBytes(t, broken), 5},
		{"cut compressed stream", "unexpected EOF", z[:len(z)/2], 0},
		{"cut last line", "line " + strconv.Itoa(len(lines)-1) + ": malformed JSON", plain[:len(plain)-10], len(lines) - 1},
		{"not an event log", "line 1: not a Spark event", []byte("{\"hello\":1}\n"), 1},
		{"no application", "no SparkListenerApplicationStart", []byte("{\"Event\":\"SparkListenerLogStart\",\"Spark Version\":\"4.1.1\"}\n"), 0},
		{"lz4", "lz4 codec", append([]byte("LZ4Block"), make([]byte, 64)...), 0},
		{"binary", "line 1: malformed JSON", []byte{0, 1, 2, 3, '\n'}, 1},
		{"empty", "empty", nil, 0},
		{"job without id", "line 1: SparkListenerJobStart without \"Job ID\"", []byte("{\"Event\":\"SparkListenerJobStart\"}\n"), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := startStore(t)
			_, err := importBytes(t, dir, c.data, s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			var fe *FormatError
			if c.line > 0 && (!errors.As(err, &fe) || fe.Line != c.line) {
				t.Errorf("error %v: want a FormatError at line %d", err, c.line)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("left in the history folder: %v", left)
			}
			if apps, _ := s.Snapshot(context.Background()); len(apps) != 0 {
				t.Errorf("an application appeared: %+v", apps[0].AppID)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Import(context.Background(), dir, bytes.NewReader(plain), ImportOptions{MaxBytes: 100, MaxUncompressed: 1 << 20}, startStore(t))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %v, want ErrTooLarge", err)
		}
		_, err = Import(context.Background(), dir, bytes.NewReader(zstdBytes(t, plain)), ImportOptions{MaxBytes: 1 << 20, MaxUncompressed: 1000}, startStore(t))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("decompressing past the limit: error %v, want ErrTooLarge", err)
		}
	})
}

// TestImportKeepsTheLogAndRefusesItTwice: an uploaded log (plain or compressed) is kept under Spark's name, its
// application listed as an upload with its jobs; the same application again is refused.
func TestImportKeepsTheLogAndRefusesItTwice(t *testing.T) {
	app, plain := writeLog(t, "shuffle_skip.jsonl")
	for _, c := range []struct {
		name, file string
		data       []byte
	}{{"plain", BaseName(app, nil), plain}, {"zstd", BaseName(app, nil) + Ext, zstdBytes(t, plain)}} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := startStore(t)
			sum, err := importBytes(t, dir, c.data, s)
			if err != nil || sum.AppID != app || !sum.Ended {
				t.Fatalf("Import: %+v, %v", sum, err)
			}
			if _, err := os.Stat(filepath.Join(dir, c.file)); err != nil {
				t.Errorf("the log is not kept as %s: %v", c.file, err)
			}
			a := snapshotApp(t, s, app)
			if a.Source != wire.SourceUpload || a.State != wire.AppFinished || a.NumJobs == 0 || a.UIPath != nil || a.CancelEnabled {
				t.Errorf("uploaded app: %+v", header(a))
			}
			_, err = importBytes(t, dir, c.data, s)
			if !errors.Is(err, ErrAppExists) {
				t.Errorf("second import: %v, want ErrAppExists", err)
			}
		})
	}
}

// TestRestoreKeepsWhatACrashLeft: an in-progress log cut in its middle (the monitor was killed) restores the
// application as DISCONNECTED with the jobs it had; a log of another format in the folder is skipped.
func TestRestoreKeepsWhatACrashLeft(t *testing.T) {
	app, plain := writeLog(t, "range_sum.jsonl")
	dir := t.TempDir()
	// What a killed recorder leaves: the blocks it flushed (through job 0's end), then part of an unflushed one.
	end0 := bytes.Index(plain, []byte(`"Event":"SparkListenerJobEnd","Job ID":0`))
	flushed := end0 + bytes.IndexByte(plain[end0:], '\n') + 1
	var b bytes.Buffer
	zw, _ := zstd.NewWriter(&b)
	_, _ = zw.Write(plain[:flushed])
	_ = zw.Flush()
	good := b.Len()
	_, _ = zw.Write(plain[flushed:])
	_ = zw.Flush()
	if err := os.WriteFile(filepath.Join(dir, BaseName(app, nil)+Ext+InProgress), b.Bytes()[:good+(b.Len()-good)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other.zstd"), []byte("not zstd at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStore(t)
	n, err := Restore(context.Background(), dir, s, quiet)
	if err != nil || n != 1 {
		t.Fatalf("Restore: %d, %v", n, err)
	}
	a := snapshotApp(t, s, app)
	if a.State != wire.AppDisconnected || a.Source != wire.SourceHistory || a.NumJobs < 1 || a.Jobs[0].Status != wire.JobSucceeded {
		t.Errorf("restored: %+v, jobs %d", header(a), len(a.Jobs))
	}
}

// TestRetentionDeletesOldestFirst: beyond the number of applications, the total size or the age, the oldest logs
// go first; a log being written is never deleted.
func TestRetentionDeletesOldestFirst(t *testing.T) {
	now := time.Now()
	mk := func(dir string) {
		for i, name := range []string{"a.zstd", "b", "c.zstd.inprogress", "d.zstd", "upload-1.tmp", "notes.txt"} {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, make([]byte, 100), 0o600); err != nil {
				t.Fatal(err)
			}
			at := now.Add(time.Duration(i-6) * time.Hour)
			_ = os.Chtimes(p, at, at)
		}
	}
	cases := []struct {
		name string
		ret  Retention
		keep map[string]bool
		want []string // what is left of the logs
	}{
		{"max apps", Retention{MaxApps: 2}, nil, []string{"c.zstd.inprogress", "d.zstd"}},
		{"max bytes", Retention{MaxBytes: 250}, nil, []string{"c.zstd.inprogress", "d.zstd"}},
		{"max age", Retention{MaxAge: 4*time.Hour + 30*time.Minute}, nil, []string{"c.zstd.inprogress", "d.zstd"}},
		{"being written", Retention{MaxApps: 2}, map[string]bool{"b": true}, []string{"b", "d.zstd"}},
		{"no bound", Retention{}, nil, []string{"a.zstd", "b", "c.zstd.inprogress", "d.zstd"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mk(dir)
			if _, err := Sweep(dir, c.ret, c.keep, now); err != nil {
				t.Fatal(err)
			}
			files, _ := List(dir)
			var left []string
			for _, f := range files {
				left = append(left, filepath.Base(f.Path))
			}
			if !reflect.DeepEqual(left, c.want) {
				t.Errorf("left %v, want %v", left, c.want)
			}
			for _, other := range []string{"upload-1.tmp", "notes.txt"} {
				if _, err := os.Stat(filepath.Join(dir, other)); err != nil {
					t.Errorf("%s (not an event log) was touched: %v", other, err)
				}
			}
		})
	}
}

// TestRecorderAppliesRetentionAtAppEnd: when an application ends, the oldest logs beyond the bound are deleted.
func TestRecorderAppliesRetentionAtAppEnd(t *testing.T) {
	dir := t.TempDir()
	rec, stop := startRecorder(t, Options{Dir: dir, Retention: func() Retention { return Retention{MaxApps: 2} }})
	var apps []string
	for _, name := range []string{"failing_task.jsonl", "shuffle_skip.jsonl", "spill_sort.jsonl"} {
		app, evs := readRecording(t, name)
		apps = append(apps, app)
		for _, ev := range evs {
			rec.Record(app, ev)
		}
		if err := rec.Sync(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Each log older than the next by a second (files written within one clock tick would tie).
		at := time.Now().Add(time.Duration(len(apps)-10) * time.Second)
		_ = os.Chtimes(filepath.Join(dir, BaseName(app, nil)+Ext), at, at)
	}
	stop()
	files, _ := List(dir)
	var left []string
	for _, f := range files {
		left = append(left, filepath.Base(f.Path))
	}
	want := []string{BaseName(apps[1], nil) + Ext, BaseName(apps[2], nil) + Ext}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left %v, want %v (the two newest)", left, want)
	}
}

// TestStalledWriterNeverBlocksIngestion: with the writer stalled (its goroutine not running, as if the disk hung),
// every event still reaches the live state at once; those the history queue cannot hold are dropped and counted.
func TestStalledWriterNeverBlocksIngestion(t *testing.T) {
	app, evs := readRecording(t, "tiny_tasks.jsonl")
	rec := NewRecorder(Options{Dir: t.TempDir(), QueueSize: 100}) // Run never called: a stalled writer
	live := startStore(t)
	submitAll(t, Tee(live, rec), app, evs)
	a := snapshotApp(t, live, app)
	var tasks int
	for _, j := range a.Jobs {
		tasks += j.NumCompletedTasks
	}
	var ends int
	for _, ev := range evs {
		if te, ok := ev.(*event.TaskEnd); ok && te.Status == "SUCCESS" {
			ends++
		}
	}
	if tasks != ends {
		t.Errorf("live state has %d completed tasks, the stream %d", tasks, ends)
	}
	if st := rec.Status(); st.Dropped != int64(len(evs)-100) {
		t.Errorf("dropped %d, want %d (all but the queue's 100)", st.Dropped, len(evs)-100)
	}
}

// TestRecorderContinuesAfterRestart: a monitor stopped while an application runs leaves its log in progress; the
// next monitor process, when the application's listener reconnects (hello, resync, more events), continues the same
// file, and the finished log replays to the same jobs as the whole stream.
func TestRecorderContinuesAfterRestart(t *testing.T) {
	app, evs := readRecording(t, "sql_query.jsonl")
	dir := t.TempDir()
	half := len(evs) / 2
	rec1, stop1 := startRecorder(t, Options{Dir: dir})
	for _, ev := range evs[:half] {
		rec1.Record(app, ev)
	}
	stop1()
	if files, _ := List(dir); len(files) != 1 || !files[0].InProgress {
		t.Fatalf("after the first monitor: %+v, want one in-progress log", files)
	}
	rec2, stop2 := startRecorder(t, Options{Dir: dir})
	hello := *evs[0].(*event.Hello)
	hello.Connection = 2
	rec2.Record(app, &hello)
	rec2.Record(app, &event.Resync{Header: event.Header{Type: "resync"}})
	for _, ev := range evs[half:] {
		rec2.Record(app, ev)
	}
	stop2()
	restoresLikeLive(t, dir, app, evs, "continued log")
}

// TestRecorderAppendsAfterAReconnect: a listener that disconnects and comes back to the same monitor: the file is
// closed at the disconnect and a new zstd frame appended after it; the whole log replays to the stream's jobs.
func TestRecorderAppendsAfterAReconnect(t *testing.T) {
	app, evs := readRecording(t, "shuffle_skip.jsonl")
	dir := t.TempDir()
	rec, stop := startRecorder(t, Options{Dir: dir})
	half := len(evs) / 2
	for _, ev := range evs[:half] {
		rec.Record(app, ev)
	}
	rec.Record(app, &state.Disconnected{})
	if err := rec.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	hello := *evs[0].(*event.Hello)
	hello.Connection = 2
	rec.Record(app, &hello)
	for _, ev := range evs[half:] {
		rec.Record(app, ev)
	}
	stop()
	restoresLikeLive(t, dir, app, evs, "appended log")
}

// restoresLikeLive checks that dir's one log restores to the jobs of the whole stream, finished.
func restoresLikeLive(t *testing.T, dir, app string, evs []event.Event, what string) {
	t.Helper()
	restored, live := startStore(t), startStore(t)
	submitAll(t, live, app, evs)
	if n, err := Restore(context.Background(), dir, restored, quiet); n != 1 || err != nil {
		t.Fatalf("Restore: %d %v", n, err)
	}
	got, want := snapshotApp(t, restored, app), snapshotApp(t, live, app)
	if !reflect.DeepEqual(got.Jobs, want.Jobs) || got.State != wire.AppFinished {
		t.Errorf("%s: %d jobs, state %s; live %d jobs", what, len(got.Jobs), got.State, len(want.Jobs))
	}
}
