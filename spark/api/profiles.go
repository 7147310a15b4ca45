package api

import "net/http"

// ProfileList is the answer of api/profiles (API.md § Profiles): the Spark configuration profiles of the monitor's
// config file, valid and invalid, in file order.
type ProfileList struct {
	// Config is the file they come from; nil when the monitor runs without one.
	Config *string `json:"config"`
	// ConfigError is why the file on disk is not in use (as api/health's config.error); the profiles are then the
	// last good file's (none when it has been broken since the monitor started).
	ConfigError *string   `json:"configError"`
	Profiles    []Profile `json:"profiles"`
}

// Profile is one Spark configuration profile as the notebook's profile chooser shows it.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Valid: the profile can be applied; when false, Problems say why and Conf is nil.
	Valid bool `json:"valid"`
	// Conf is every Spark setting the profile makes (spark.master, spark.executor.memory, ...).
	Conf     map[string]string `json:"conf"`
	Problems []string          `json:"problems"`
}

// profiles answers api/profiles; it reads the configuration in use on every request, so a saved file shows at once.
func (h *handler) profiles(w http.ResponseWriter, _ *http.Request) {
	out := ProfileList{Profiles: []Profile{}}
	if h.opts.Profiles != nil {
		out = h.opts.Profiles()
	}
	for i := range out.Profiles {
		if out.Profiles[i].Problems == nil {
			out.Profiles[i].Problems = []string{}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	respond(w, out)
}
