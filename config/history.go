package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Defaults and bounds of the history section.
const (
	DefaultHistoryMaxApps      = 100
	DefaultHistoryMaxMegabytes = 2048
	DefaultHistoryMaxAgeDays   = 30
	DefaultMaxUploadMegabytes  = 256
	maxHistoryApps             = 100_000
	maxHistoryMegabytes        = 1 << 20 // 1 TiB
	maxHistoryAgeDays          = 36_500
	maxUploadMegabytes         = 4096
)

// History is the `history:` section: the monitor keeps each application's events on disk, in Spark's event-log
// format (zstd-compressed), so ended applications come back after a restart and open in Spark's History Server.
type History struct {
	// Enabled turns the history on or off. Default true. Applies at the monitor's next start.
	Enabled *bool `yaml:"enabled"`
	// Dir is the history folder: an absolute path, or one starting with ~/. Default
	// $XDG_STATE_HOME/sparkmonitor/history (~/.local/state/sparkmonitor/history). Applies at the next start.
	Dir *string `yaml:"dir"`
	// MaxApps: beyond it the oldest logs are deleted. 1 to 100000; 0 means no limit. Default 100.
	MaxApps *int `yaml:"maxApps"`
	// MaxMegabytes bounds the folder's total size (MiB); the oldest logs go first. 0: no limit. Default 2048.
	MaxMegabytes *int `yaml:"maxMegabytes"`
	// MaxAgeDays: logs not written to for longer are deleted. 0: no limit. Default 30.
	MaxAgeDays *int `yaml:"maxAgeDays"`
	// MaxUploadMegabytes bounds an event log opened in the dashboard (as uploaded). 1 to 4096; default 256.
	MaxUploadMegabytes *int `yaml:"maxUploadMegabytes"`
}

// HistorySettings are the effective values of History.
type HistorySettings struct {
	Enabled bool
	// Dir as written in the file ("" : the default folder); Folder resolves it.
	Dir                                          string
	MaxApps, MaxMegabytes, MaxAgeDays, MaxUpload int
}

// Folder is the history folder: Dir (a leading ~/ is the home folder), else $XDG_STATE_HOME/sparkmonitor/history
// (when XDG_STATE_HOME is an absolute path), else ~/.local/state/sparkmonitor/history. getenv is os.Getenv (tests
// pass their own); an error says that HOME is needed and not set.
func (h HistorySettings) Folder(getenv func(string) string) (string, error) {
	home := func() (string, error) {
		if d := getenv("HOME"); d != "" {
			return d, nil
		}
		return "", errors.New("HOME is not set")
	}
	if rest, ok := strings.CutPrefix(h.Dir, "~/"); ok {
		d, err := home()
		return filepath.Join(d, rest), err
	}
	if h.Dir != "" {
		return h.Dir, nil
	}
	if d := getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "sparkmonitor", "history"), nil
	}
	d, err := home()
	return filepath.Join(d, ".local", "state", "sparkmonitor", "history"), err
}

// MaxBytes is MaxMegabytes in bytes (0: no limit).
func (h HistorySettings) MaxBytes() int64 { return int64(h.MaxMegabytes) << 20 }

// MaxAge is MaxAgeDays as a duration (0: no limit).
func (h HistorySettings) MaxAge() time.Duration { return time.Duration(h.MaxAgeDays) * 24 * time.Hour }

// MaxUploadBytes is MaxUpload (MiB) in bytes.
func (h HistorySettings) MaxUploadBytes() int64 { return int64(h.MaxUpload) << 20 }

func defaultHistory() HistorySettings {
	return HistorySettings{Enabled: true, MaxApps: DefaultHistoryMaxApps, MaxMegabytes: DefaultHistoryMaxMegabytes,
		MaxAgeDays: DefaultHistoryMaxAgeDays, MaxUpload: DefaultMaxUploadMegabytes}
}

func (h *History) settings() HistorySettings {
	s := defaultHistory()
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	if h.Enabled != nil {
		s.Enabled = *h.Enabled
	}
	if h.Dir != nil {
		s.Dir = strings.TrimSpace(*h.Dir)
	}
	set(&s.MaxApps, h.MaxApps)
	set(&s.MaxMegabytes, h.MaxMegabytes)
	set(&s.MaxAgeDays, h.MaxAgeDays)
	set(&s.MaxUpload, h.MaxUploadMegabytes)
	return s
}

func (h *History) validate() []problem {
	var out []problem
	if h.Dir != nil {
		d := strings.TrimSpace(*h.Dir)
		if d == "" || (!filepath.IsAbs(d) && !strings.HasPrefix(d, "~/")) {
			out = append(out, problem{"history.dir", fmt.Sprintf("history.dir %q: must be an absolute path or start with ~/", *h.Dir)})
		}
	}
	bound := func(key string, v *int, lo, hi int) {
		if v != nil && (*v < lo || *v > hi) {
			out = append(out, problem{"history." + key, fmt.Sprintf("history.%s %d: must be between %d and %d", key, *v, lo, hi)})
		}
	}
	bound("maxApps", h.MaxApps, 0, maxHistoryApps)
	bound("maxMegabytes", h.MaxMegabytes, 0, maxHistoryMegabytes)
	bound("maxAgeDays", h.MaxAgeDays, 0, maxHistoryAgeDays)
	bound("maxUploadMegabytes", h.MaxUploadMegabytes, 1, maxUploadMegabytes)
	return out
}
