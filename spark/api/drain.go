package api

import (
	"io"
	"net/http"
)

// maxDrain is how much of a request body drainBody reads after the handler: net/http's own tolerance for a body a
// handler left unread (maxPostHandlerReadBytes, 256 KiB).
const maxDrain = 256 << 10

// drainBody reads what is left of a request body (up to maxDrain) when the handler is done with it, before net/http
// writes the answer and closes the connection.
//
// jupyter-server-proxy's client sends "Connection: close" and writes the body after the head. For such a request,
// net/http closes the connection after the answer without reading what the handler left unread. On TCP the late body
// write still succeeds; on the unix socket the monitor serves on, it fails with EPIPE, and jupyter-server-proxy
// answers the browser 500 instead of the monitor's answer (a refused cancel's 403, for instance).
func drainBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		// Not after a GET: a WebSocket upgrade's connection is hijacked, and its body must not be read.
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.ContentLength != 0 && r.Body != nil {
			_, _ = io.CopyN(io.Discard, r.Body, maxDrain)
		}
	})
}
