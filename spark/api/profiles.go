package api

import "net/http"

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
