package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// TestUploadErrorsReachTheAPIAsTheirKind: the history's refusals of an uploaded log become the API's kinds (400,
// 413, 409) with their reason.
func TestUploadErrorsReachTheAPIAsTheirKind(t *testing.T) {
	store := state.New(state.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = store.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	live := &settings{level: new(slog.LevelVar)}
	h := config.Defaults().History
	h.Dir = privateDir(t)
	h.MaxUpload = 1
	live.history.Store(&h)
	hs := newHistory(h, live, store, slog.New(slog.DiscardHandler))

	log := `{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}` + "\n" +
		`{"Event":"SparkListenerApplicationStart","App Name":"x","App ID":"app-1","Timestamp":1,"User":"u"}` + "\n" +
		`{"Event":"SparkListenerApplicationEnd","Timestamp":2}` + "\n"
	if id, err := hs.uploads.Open(ctx, strings.NewReader(log)); err != nil || id != "app-1" {
		t.Fatalf("Open: %q %v", id, err)
	}
	if _, err := os.Stat(filepath.Join(hs.dir, "app-1")); err != nil {
		t.Errorf("not kept: %v", err)
	}
	cases := []struct {
		body string
		kind error
		msg  string
	}{
		{log, api.ErrEventLogExists, "application already listed: app-1"},
		{"{\"Event\":\"SparkListenerLogStart\"}\n{oops\n", api.ErrBadEventLog, "not a readable Spark event log: line 2: malformed JSON"},
		{strings.Repeat("x", 2<<20), api.ErrEventLogTooLarge, "event log too large: more than 1 MiB"},
	}
	for _, c := range cases {
		_, err := hs.uploads.Open(ctx, strings.NewReader(c.body))
		if !errors.Is(err, c.kind) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%.20q: %v, want %v %q", c.body, err, c.kind, c.msg)
		}
	}
}
