package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/config"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func TestHistoryDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		dir  string
		env  map[string]string
		want string
	}{
		{"", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/sparkmonitor/history"},
		{"", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/state"}, "/state/sparkmonitor/history"},
		{"", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "relative"}, "/home/u/.local/state/sparkmonitor/history"},
		{"~/h", map[string]string{"HOME": "/home/u"}, "/home/u/h"},
		{"/srv/h", nil, "/srv/h"},
	}
	for _, c := range cases {
		got, err := historyDir(config.HistorySettings{Dir: c.dir}, env(c.env))
		if err != nil || got != c.want {
			t.Errorf("%q %v: %q %v, want %q", c.dir, c.env, got, err, c.want)
		}
	}
	if _, err := historyDir(config.HistorySettings{}, env(nil)); err == nil {
		t.Error("no HOME and no XDG_STATE_HOME: no error")
	}
}

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
	h.MaxUpload = 1
	live.history.Store(&h)
	hs := &historySetup{dir: t.TempDir(), store: store, live: live, log: slog.New(slog.DiscardHandler)}

	log := `{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}` + "\n" +
		`{"Event":"SparkListenerApplicationStart","App Name":"x","App ID":"app-1","Timestamp":1,"User":"u"}` + "\n" +
		`{"Event":"SparkListenerApplicationEnd","Timestamp":2}` + "\n"
	if id, err := hs.Open(ctx, strings.NewReader(log)); err != nil || id != "app-1" {
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
		_, err := hs.Open(ctx, strings.NewReader(c.body))
		if !errors.Is(err, c.kind) || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%.20q: %v, want %v %q", c.body, err, c.kind, c.msg)
		}
	}
}

// TestHistoryFolderIsClosedToOthers: a history folder that already exists open to other users is made 0700 at start,
// and one made by the monitor is 0700 (with any folder it had to make above it).
func TestHistoryFolderIsClosedToOthers(t *testing.T) {
	old := syscall.Umask(0) // the most permissive umask: the modes must not come from it
	defer syscall.Umask(old)
	log := slog.New(slog.DiscardHandler)
	open := filepath.Join(t.TempDir(), "history")
	if err := os.Mkdir(open, 0o755); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state")
	made := filepath.Join(state, "sparkmonitor", "history")
	for dir, private := range map[string][]string{open: {open}, made: {made, filepath.Dir(made), state}} {
		h := config.Defaults().History
		h.Dir = dir
		if hs := newHistory(h, &settings{}, nil, log); hs == nil {
			t.Fatalf("%s: no history", dir)
		}
		for _, d := range private {
			if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: mode %v (%v), want 0700", d, fi.Mode(), err)
			}
		}
	}
}
