package wire

import "time"

// The monitor's own answers: its config file and history (api/health) and its Spark configuration profiles
// (api/profiles).

// ConfigStatus is the monitor's config file as api/health reports it.
type ConfigStatus struct {
	Path string `json:"path"`
	// Exists: the file was there at the last (re)load; without it the defaults apply.
	Exists bool `json:"exists"`
	// LoadedAt: when the configuration in use was loaded (RFC 3339); null when the file has been broken since start.
	LoadedAt *time.Time `json:"loadedAt"`
	// Error: why the file on disk is not in use ("path:line: reason" lines); null when it is.
	Error *string `json:"error"`
}

// HistoryStatus is the history as api/health reports it.
type HistoryStatus struct {
	Dir string `json:"dir"`
	// Dropped: events not written because the writer fell behind.
	Dropped int64 `json:"dropped"`
	// Error: the last write error, null when none.
	Error *string `json:"error"`
}

// ProfileList is the answer of api/profiles: the Spark configuration profiles of the monitor's config file, valid
// and invalid, in file order.
type ProfileList struct {
	// Config: the file they come from; null when the monitor runs without one.
	Config *string `json:"config"`
	// ConfigError: why the file on disk is not in use (as api/health's config.error); the profiles are then the last
	// good file's (none when it has been broken since the monitor started).
	ConfigError *string   `json:"configError"`
	Profiles    []Profile `json:"profiles"`
}

// Profile is one Spark configuration profile as the notebook's profile chooser shows it.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Valid: the profile can be applied; when false, problems say why and conf is null.
	Valid bool `json:"valid"`
	// Conf: every Spark setting the profile makes (spark.master, spark.executor.memory, ...).
	Conf     map[string]string `json:"conf"`
	Problems []string          `json:"problems"`
}
