package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// craftedLog is a zstd-compressed Spark event log of n jobs of one stage each that end only with the application.
func craftedLog(t *testing.T, n int) []byte {
	t.Helper()
	var plain bytes.Buffer
	plain.WriteString(`{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}` + "\n" +
		`{"Event":"SparkListenerApplicationStart","App Name":"crafted","App ID":"app-crafted","Timestamp":1,"User":"u"}` + "\n")
	for i := range n {
		fmt.Fprintf(&plain, `{"Event":"SparkListenerJobStart","Job ID":%d,"Submission Time":%d,"Stage Infos":[{"Stage ID":%d,"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":1}],"Properties":{}}`+"\n", i, 2+i, i)
	}
	fmt.Fprintf(&plain, `{"Event":"SparkListenerApplicationEnd","Timestamp":%d}`+"\n", 3+n)
	var out bytes.Buffer
	w, err := zstd.NewWriter(&out, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(plain.Bytes())
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// monitor is a store, the history over dir and the API over both, as run wires them.
func monitor(t *testing.T, dir string) (*historySetup, string) {
	t.Helper()
	store := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = store.Run(ctx); close(done) }()
	live := &settings{level: new(slog.LevelVar)}
	h := config.Defaults().History
	h.Dir = dir
	live.history.Store(&h)
	hs := newHistory(h, live, store, slog.New(slog.DiscardHandler))
	handler, err := api.Handler(api.Options{Prefix: "/sparkmonitor/", ProxySecret: "s", Source: store, Version: "test",
		EventLogs: hs.uploads})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(func() { srv.Close(); cancel(); <-done })
	return hs, srv.URL + "/sparkmonitor/"
}

func call(t *testing.T, method, url string, body io.Reader) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set(api.SecretHeader, "s")
	req.Header.Set(api.CSRFHeader, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

// shownJobs is what the dashboard gets for the application: its job list's length and evictedJobs.
func shownJobs(t *testing.T, base, app string) (jobs int, evicted float64, source string) {
	t.Helper()
	code, m := call(t, http.MethodGet, base+"api/apps/"+app, nil)
	d, _ := m["data"].(map[string]any)
	if code != http.StatusOK || d == nil {
		t.Fatalf("api/apps/%s: %d %v", app, code, m)
	}
	list, _ := d["jobs"].([]any)
	evicted, _ = d["evictedJobs"].(float64)
	source, _ = d["source"].(string)
	return len(list), evicted, source
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestAnUploadedLogOfManyJobsIsBoundedAfterUploadAndAfterRestart(t *testing.T) {
	const n = 100_000
	logData := craftedLog(t, n)
	t.Logf("crafted log: %d jobs in %d KiB", n, len(logData)>>10)
	dir := privateDir(t)
	base := heapInUse()
	_, url := monitor(t, dir)
	if code, m := call(t, http.MethodPost, url+"api/eventlogs", bytes.NewReader(logData)); code != http.StatusCreated {
		t.Fatalf("upload: %d %v", code, m)
	}
	jobs, evicted, source := shownJobs(t, url, "app-crafted")
	if jobs > state.DefaultMaxJobsPerApp || jobs == 0 || int(evicted) != n-jobs || source != wire.SourceUpload {
		t.Fatalf("after the upload: %d jobs listed, evictedJobs %v (%s), want at most %d and the rest evicted",
			jobs, evicted, source, state.DefaultMaxJobsPerApp)
	}
	if grew := int64(heapInUse()) - int64(base); grew > 64<<20 {
		t.Errorf("heap grew by %d MiB for an uploaded log of %d jobs, want under 64 MiB", grew>>20, n)
	}

	// The next start restores it from the history folder, within the same bound.
	hs, url := monitor(t, dir)
	hs.restore(context.Background())
	jobs, evicted, source = shownJobs(t, url, "app-crafted")
	if jobs > state.DefaultMaxJobsPerApp || jobs == 0 || int(evicted) != n-jobs || source != wire.SourceHistory {
		t.Fatalf("after a restart: %d jobs listed, evictedJobs %v (%s), want at most %d and the rest evicted",
			jobs, evicted, source, state.DefaultMaxJobsPerApp)
	}
}
