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
