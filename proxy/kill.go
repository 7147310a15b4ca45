package proxy

import (
	"net/http"
	"net/url"
	"strings"
)

// Spark's kill links (SparkUI.initialize: createRedirectHandler for GET and POST) cancel a job or stage; Spark checks
// nothing a browser cannot forge, so the proxy lets them through only when cancel is enabled for the application and
// the request comes from a page of the same origin.
var killPaths = []string{"/jobs/job/kill", "/stages/stage/kill"}

func isKill(p string) bool {
	p = strings.TrimSuffix(p, "/")
	for _, k := range killPaths {
		if strings.EqualFold(p, k) {
			return true
		}
	}
	return false
}

func (h *handler) mayKill(app string, r *http.Request) bool {
	return h.opts.CancelEnabled != nil && h.opts.CancelEnabled(app) && sameOrigin(r)
}

// sameOrigin: the browser says so (Sec-Fetch-Site), or, without that header, the Origin names the host requested.
// jupyter-server-proxy forwards the browser's Host and Origin unchanged.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return false
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
