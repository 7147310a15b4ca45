package config

import (
	"log/slog"
	"testing"
)

func TestTheFileOverridesTheLogLevelAndCannotTurnReadOnlyOff(t *testing.T) {
	debug := slog.LevelDebug
	s := Settings{LogLevel: &debug, ReadOnly: true}.With(Flags{LogLevel: slog.LevelWarn})
	if *s.LogLevel != slog.LevelDebug || !s.ReadOnly {
		t.Fatalf("the file's logLevel debug and readOnly: %v %v", *s.LogLevel, s.ReadOnly)
	}
	s = Defaults().With(Flags{LogLevel: slog.LevelWarn})
	if s.LogLevel == nil || *s.LogLevel != slog.LevelWarn || s.ReadOnly {
		t.Fatalf("no logLevel, no readOnly in the file: %v %v", s.LogLevel, s.ReadOnly)
	}
	if s := (Settings{ReadOnly: false}).With(Flags{ReadOnly: true}); !s.ReadOnly {
		t.Fatal("the file turned --read-only off")
	}
}
