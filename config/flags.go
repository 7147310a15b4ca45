package config

import "log/slog"

// Flags are the command line's part of the settings: --log-level, and --read-only (or SPARKMONITOR_READ_ONLY=1).
type Flags struct {
	LogLevel slog.Level
	ReadOnly bool
}

// With returns s under the command line's flags: the file's logLevel replaces --log-level (LogLevel is never nil in
// the result), and its readOnly is ORed with --read-only: the file can turn read-only on, never off.
func (s Settings) With(f Flags) Settings {
	if s.LogLevel == nil {
		l := f.LogLevel
		s.LogLevel = &l
	}
	s.ReadOnly = s.ReadOnly || f.ReadOnly
	return s
}
