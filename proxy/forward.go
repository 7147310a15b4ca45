package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// forward is the path of a plain GET or HEAD to a plain-http UI: nearly all of a Spark UI's traffic (issue 5, P5). It
// applies the policy of the ReverseProxy path (rewrite.go: the cleaned path on the registered UI, the UI's Host,
// X-Forwarded-Context, no credentials, no hop-by-hop or client forwarding headers; Spark's redirects mapped under
// the prefix and its cookies dropped) but writes the request to Spark straight from the incoming one, over
// uiTransport's connections, instead of cloning it into an outgoing http.Request for ReverseProxy and the transport
// to work through: a quarter less of the time the binary spends between reading a request and writing it on, and
// about 1.3 % off the latency of a proxied page (issue 5, P5: integration/bench/bench_proxy.py; README, Benchmarks).
//
// Anything else (a body, an upgrade, https, a custom Options.Transport) takes the ReverseProxy path.
func (h *handler) forward(w http.ResponseWriter, r *http.Request, t target) {
	// The connection to Spark is kept whatever the client's does: Jupyter's proxy closes its own after every request.
	resp, err := h.ui.exchange(r, t.upstream.Host, func(dst io.Writer) error { return writeRequest(dst, r, t) }, false)
	if err != nil {
		h.unreachable(w, r, err)
		return
	}
	defer resp.Body.Close() // read to the end: the connection goes back to the pool; otherwise it is closed
	if resp.StatusCode == http.StatusSwitchingProtocols {
		h.unreachable(w, r, errors.New("the Spark UI switched protocols for a plain request"))
		return
	}
	// The body's first read comes before the header leaves. When it holds the whole of a page of unknown length (a
	// chunked page of Spark's that came in one piece, the usual case), the page goes on with its length, in one write
	// with its header when it fits net/http's buffer, instead of a chunk and then, apart, the last chunk.
	buf := copyBuffers.Get()
	defer copyBuffers.Put(buf)
	n, rerr := resp.Body.Read(buf)
	if n == 0 && rerr != nil && rerr != io.EOF {
		h.unreachable(w, r, fmt.Errorf("the page broke off before its first byte: %w", rerr))
		return
	}
	_ = h.modify(resp) // resp.Request is r, which carries the target
	copyHeader(w.Header(), resp.Header)
	stream := resp.ContentLength < 0 // a page of unknown length goes on as it arrives, as ReverseProxy sends it
	if stream && rerr == io.EOF && n > 0 && r.Method == http.MethodGet {
		w.Header()["Content-Length"] = []string{strconv.Itoa(n)}
		stream = false
	}
	w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(w)
	for {
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return // the client went away; the deferred Close drops the connection to Spark
			}
			if stream && rerr == nil {
				_ = rc.Flush() // not at the end: net/http writes what is left with the last chunk when this returns
			}
		}
		if rerr == io.EOF {
			return
		}
		if rerr != nil {
			// The header is out: all that is left is to end the response short, so that the client sees it broken.
			h.opts.Logger.Debug("spark ui response cut short", "app", t.app, "upstream", t.upstream.String(), "err", rerr)
			panic(http.ErrAbortHandler)
		}
		n, rerr = resp.Body.Read(buf)
	}
}

// forwardable says whether a request can take forward: with uiTransport as the transport, one that uiTransport would
// make itself (plainGet), to a host that needs no rewriting for the Host header (no IPv6 zone).
func (h *handler) forwardable(r *http.Request, t target) bool {
	return h.ui != nil && plainGet(t.upstream.Scheme, r) && !strings.Contains(t.upstream.Host, "%")
}

// hopByHop are the headers that belong to one connection (RFC 9110, 7.6.1), never passed on either way.
var hopByHop = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// notToSpark are the request headers that never reach Spark: the hop-by-hop ones, the credentials (dropCredentials),
// the client's own forwarding headers (as ReverseProxy's Rewrite mode drops them), and the headers this proxy
// writes itself.
var notToSpark = func() map[string]bool {
	m := map[string]bool{"Host": true, "X-Forwarded-Context": true,
		"Forwarded": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true}
	for k := range hopByHop {
		m[k] = true
	}
	for _, k := range credentials {
		m[k] = true
	}
	return m
}()

// headerValue keeps a value on one line, as net/http writes header values.
var headerValue = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// writeRequest writes r as it goes to Spark: what ReverseProxy with toUpstream, forwardedContext and dropCredentials
// sends, except that a "Te: trailers" is not passed on (forward passes no trailers; Spark sends none). No User-Agent
// of Go's own is added when the client sent none. The host is one url.Parse accepted (no spaces or line breaks), the
// path is cleaned and escaped, and the query and header values are as net/http's server accepted them.
func writeRequest(dst io.Writer, r *http.Request, t target) error {
	uri := (&url.URL{Path: t.path, RawQuery: r.URL.RawQuery}).RequestURI()
	for _, s := range []string{r.Method, " ", uri, " HTTP/1.1\r\nHost: ", t.upstream.Host, "\r\n"} {
		if _, err := io.WriteString(dst, s); err != nil {
			return err
		}
	}
	if err := r.Header.WriteSubset(dst, withConnectionListed(notToSpark, r.Header)); err != nil {
		return err
	}
	_, err := io.WriteString(dst, "X-Forwarded-Context: "+headerValue.Replace(t.context)+"\r\n\r\n")
	return err
}

// withConnectionListed is skip plus the headers that h's Connection header names as hop-by-hop (skip itself when it
// names none, the usual case).
func withConnectionListed(skip map[string]bool, h http.Header) map[string]bool {
	var listed []string
	for _, v := range h["Connection"] {
		for _, f := range strings.Split(v, ",") {
			if f = textproto.TrimString(f); f != "" {
				listed = append(listed, textproto.CanonicalMIMEHeaderKey(f))
			}
		}
	}
	if len(listed) == 0 {
		return skip
	}
	m := make(map[string]bool, len(skip)+len(listed))
	for k := range skip {
		m[k] = true
	}
	for _, k := range listed {
		m[k] = true
	}
	return m
}

// copyHeader puts Spark's response header on the client's response, without the hop-by-hop headers.
func copyHeader(dst, src http.Header) {
	skip := withConnectionListed(hopByHop, src)
	for k, vs := range src {
		if !skip[k] {
			dst[k] = vs
		}
	}
}
