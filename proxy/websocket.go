package proxy

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/koding/websocketproxy"
)

// The only file that knows github.com/koding/websocketproxy: WebSocket upgrades to the registered UI, with the same
// target, Host, X-Forwarded-Context and credential stripping as plain requests.

const wsHandshakeTimeout = 10 * time.Second

func isWebSocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// newWebSocketProxy refuses pages of other origins before dialing Spark (the Upgrader would check too, but only after
// the upstream handshake), and answers unreachable like plain requests: websocketproxy itself would only say 503.
func newWebSocketProxy(
	log *slog.Logger,
	writeError func(http.ResponseWriter, int, string, string),
	unreachable func(http.ResponseWriter, *http.Request, error),
) http.Handler {
	p := &websocketproxy.WebsocketProxy{
		Backend: func(r *http.Request) *url.URL {
			t := r.Context().Value(targetKey{}).(target)
			scheme := "ws"
			if t.upstream.Scheme == "https" {
				scheme = "wss"
			}
			return &url.URL{Scheme: scheme, Host: t.upstream.Host, Path: t.path, RawQuery: r.URL.RawQuery}
		},
		Director: func(r *http.Request, out http.Header) {
			t := r.Context().Value(targetKey{}).(target)
			out.Set("Host", t.upstream.Host)
			// Our Upgrader already checked the browser's Origin against Jupyter's host; towards Spark the request
			// comes from the UI's own origin (like Host), so an upstream same-origin check passes.
			out.Set("Origin", t.upstream.Scheme+"://"+t.upstream.Host)
			out.Set("X-Forwarded-Context", t.context)
			out.Del("Cookie")
			log.Debug("proxying a websocket", "app", t.app, "path", t.path)
		},
		// The default Upgrader checks that Origin matches Host (same-origin pages only).
		Dialer: &websocket.Dialer{HandshakeTimeout: wsHandshakeTimeout, Proxy: nil},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(r) {
			writeError(w, http.StatusForbidden, "forbidden", "WebSocket from another origin refused")
			return
		}
		t := r.Context().Value(targetKey{}).(target)
		conn, err := (&net.Dialer{Timeout: DefaultDialTimeout}).DialContext(r.Context(), "tcp", t.upstream.Host)
		if err != nil {
			unreachable(w, r, err)
			return
		}
		_ = conn.Close()
		p.ServeHTTP(w, r)
	})
}
