// Package config is the monitor's own configuration file, sparkmonitor.yaml (README § Configuration): its typed
// contents, strict parsing with line numbers, validation, and hot reload (watch.go).
//
// A missing file means the defaults. A broken file never stops the monitor: at start it runs with the defaults, on
// reload it keeps the last good configuration, and in both cases Status carries the error for api/health and the
// dashboard.
package config

import (
	"fmt"
	"log/slog"
	"strings"
)

// Version is the file format this monitor reads (the file's `version` key).
const Version = 1

// Defaults and bounds of the file's keys.
const (
	DefaultLogLevel      = "info"
	DefaultMaxJobsPerApp = 1000
	MinMaxJobsPerApp     = 10
	MaxMaxJobsPerApp     = 100_000
	DefaultMaxApps       = 50
	MinMaxApps           = 1
	MaxMaxApps           = 10_000
)

// File is the contents of sparkmonitor.yaml. Pointer fields are "unset" (the default applies). Unknown keys are an
// error, except inside a profile, where they make only that profile invalid (profile.go). Each section is a field of
// its own type with its own validation.
type File struct {
	// Version of the format; 1 (the default when absent).
	Version *int `yaml:"version"`
	// ReadOnly refuses every cancel request and hides the cancel buttons. It is ORed with --read-only and
	// SPARKMONITOR_READ_ONLY=1: the file can turn read-only on, never off. Default false.
	ReadOnly *bool `yaml:"readOnly"`
	// LogLevel of the monitor's log (Jupyter Server's log shows it): debug, info, warn or error. Default: --log-level
	// (info).
	LogLevel *string `yaml:"logLevel"`
	// Retention bounds what the monitor keeps in memory.
	Retention Retention `yaml:"retention"`
	// Profiles are Spark configuration profiles by name (profile.go, README § Profiles): a notebook's next
	// SparkSession gets the one its user chose.
	Profiles profileSection `yaml:"profiles"`

	path string // the file's path, for the profiles' problems
	// History keeps ended applications on disk as Spark event logs (history.go).
	History History `yaml:"history"`
	// Explain is the optional "Explain" button of failure cards (explain.go); absent: off.
	Explain Explain `yaml:"explain"`
}

// Retention bounds the monitor's memory.
type Retention struct {
	// MaxJobsPerApp is how many jobs the monitor keeps per Spark application (and as many SQL queries, and ten times
	// as many stage attempts, at least 1000); beyond it the oldest finished jobs are dropped, then the oldest running
	// ones, at least 10% at a time. 10 to 100000; default 1000.
	MaxJobsPerApp *int `yaml:"maxJobsPerApp"`
	// MaxApps is how many Spark applications the monitor keeps in memory, live and past (restored from the history
	// or opened in the dashboard); beyond it the ended application listed first is dropped (the history on disk
	// keeps it). A connected application is never dropped: when all are connected, a new one is refused and
	// logged. 1 to 10000; default 50.
	MaxApps *int `yaml:"maxApps"`
}

// Settings are the effective values of a File, defaults applied.
type Settings struct {
	ReadOnly bool
	// LogLevel is nil when the file does not set it (the --log-level flag applies).
	LogLevel      *slog.Level
	MaxJobsPerApp int
	MaxApps       int
	// Profiles are the file's Spark configuration profiles, valid and invalid; nil when it has none.
	Profiles *ProfileSet
	History  HistorySettings
	Explain  ExplainSettings
}

// Defaults are the Settings of an empty or missing file.
func Defaults() Settings {
	return Settings{MaxJobsPerApp: DefaultMaxJobsPerApp, MaxApps: DefaultMaxApps, History: defaultHistory()}
}

// Settings returns the effective values; call it on a File that passed Validate.
func (f *File) Settings() Settings {
	s := Defaults()
	if f.ReadOnly != nil {
		s.ReadOnly = *f.ReadOnly
	}
	if f.LogLevel != nil {
		if l, err := parseLevel(*f.LogLevel); err == nil {
			s.LogLevel = &l
		}
	}
	if f.Retention.MaxJobsPerApp != nil {
		s.MaxJobsPerApp = *f.Retention.MaxJobsPerApp
	}
	if f.Retention.MaxApps != nil {
		s.MaxApps = *f.Retention.MaxApps
	}
	s.Profiles = f.Profiles.profileSet(f.path)
	s.History = f.History.settings()
	s.Explain = f.Explain.settings()
	return s
}

// problem is one validation error at a key path ("retention.maxJobsPerApp"); load.go turns the path into a line.
type problem struct {
	key string
	msg string
}

// validate returns every problem of f; it changes nothing.
func (f *File) validate() []problem {
	var out []problem
	if f.Version != nil && *f.Version != Version {
		out = append(out, problem{"version", fmt.Sprintf("unsupported version %d (this monitor reads version %d)", *f.Version, Version)})
	}
	if f.LogLevel != nil {
		if _, err := parseLevel(*f.LogLevel); err != nil {
			out = append(out, problem{"logLevel", fmt.Sprintf("logLevel %q: must be debug, info, warn or error", *f.LogLevel)})
		}
	}
	if n := f.Retention.MaxJobsPerApp; n != nil && (*n < MinMaxJobsPerApp || *n > MaxMaxJobsPerApp) {
		out = append(out, problem{"retention.maxJobsPerApp",
			fmt.Sprintf("retention.maxJobsPerApp %d: must be between %d and %d", *n, MinMaxJobsPerApp, MaxMaxJobsPerApp)})
	}
	if n := f.Retention.MaxApps; n != nil && (*n < MinMaxApps || *n > MaxMaxApps) {
		out = append(out, problem{"retention.maxApps",
			fmt.Sprintf("retention.maxApps %d: must be between %d and %d", *n, MinMaxApps, MaxMaxApps)})
	}
	out = append(out, f.History.validate()...)
	return append(out, f.Explain.validate()...)
}

func parseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown level %q", s)
}
