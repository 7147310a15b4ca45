package main

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/config"
)

func TestConfigLogLevelAndReadOnlyReachTheLogAndTheAPI(t *testing.T) {
	var out bytes.Buffer
	level := new(slog.LevelVar)
	s := &settings{flagLevel: slog.LevelInfo, level: level}
	log := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: level}))

	debug := slog.LevelDebug
	tun := s.effective(config.Settings{LogLevel: &debug, ReadOnly: true, MaxJobsPerApp: 50})
	log.Debug("shown")
	if !bytes.Contains(out.Bytes(), []byte("shown")) || !s.readOnly.Load() || !tun.ReadOnly || tun.MaxJobsPerApp != 50 {
		t.Fatalf("logLevel debug, readOnly: log %q, readOnly %v, tunables %+v", out.String(), s.readOnly.Load(), tun)
	}

	// The key removed: back to --log-level; readOnly false.
	out.Reset()
	tun = s.effective(config.Defaults())
	log.Debug("hidden")
	if out.Len() != 0 || s.readOnly.Load() || tun.ReadOnly {
		t.Fatalf("defaults: log %q, readOnly %v", out.String(), s.readOnly.Load())
	}

	// --read-only cannot be turned off by the file.
	s.flagReadOnly = true
	if tun := s.effective(config.Settings{ReadOnly: false}); !tun.ReadOnly || !s.readOnly.Load() {
		t.Fatal("the config file turned --read-only off")
	}
}

func TestProcsIsOneUnlessGOMAXPROCSIsSet(t *testing.T) {
	for _, tc := range []struct {
		env           string
		current, want int
	}{
		{"", 8, 1},
		{"", 1, 1},
		{"4", 4, 4}, // set by the user: the runtime's value stands
	} {
		if got := procs(tc.env, tc.current); got != tc.want {
			t.Errorf("procs(%q, %d) = %d, want %d", tc.env, tc.current, got, tc.want)
		}
	}
}
