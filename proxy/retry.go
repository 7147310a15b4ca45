package proxy

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/http/httputil"
	"sync/atomic"
)

// Spark's Jetty closes a keep-alive connection that has idled for its timeout. A request that goes out on such a
// pooled connection just as Spark closes it finds the connection reset. http.Transport sends it again by itself
// only when nothing of it was written, or when the reset showed on the read side; a request larger than the
// transport's 4 KiB write buffer (a page asked for with the Jupyter origin's many cookies, say) meets the reset
// while it is still being written, and http.Transport gives up with "HTTP/1.x transport connection broken". Without
// retryStale the user then sees the 502 page for a Spark UI that is up (proxy/retry_test.go).

// maxAttempts bounds the attempts of one request: every pooled connection of the UI may be stale at once (Jetty
// closes them all after the same idle time), and a new connection ends the retries.
const maxAttempts = maxIdlePerUI + 1

// retryStale sends a request again when it failed on a reused connection before any byte of a response came, and
// its body can be sent again: none, or one with GetBody (replayableBody). Safe for concurrent use.
type retryStale struct{ next http.RoundTripper }

func (rt retryStale) RoundTrip(req *http.Request) (*http.Response, error) {
	for attempt := 1; ; attempt++ {
		var reused, answered atomic.Bool // the trace's callbacks run on the transport's goroutines
		trace := &httptrace.ClientTrace{
			GotConn:              func(c httptrace.GotConnInfo) { reused.Store(c.Reused) },
			GotFirstResponseByte: func() { answered.Store(true) },
		}
		resp, err := rt.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
		if err == nil || !reused.Load() || answered.Load() || req.Context().Err() != nil || attempt == maxAttempts {
			return resp, err
		}
		switch {
		case req.Body == nil || req.Body == http.NoBody:
		case req.GetBody != nil:
			body, berr := req.GetBody()
			if berr != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		default:
			return nil, err // the body is gone with the first attempt
		}
	}
}

// maxReplayBody bounds the request body the proxy holds so that it can send it again. The only requests with a body
// that Spark's UI takes are the POSTs of its kill links, a form of a few bytes; larger bodies go on unheld.
const maxReplayBody = 64 << 10

// replayableBody reads a request body of known length up to maxReplayBody, so that retryStale can send it again.
// Spark's kill links are the only such requests, and cancelling a job or stage twice is cancelling it once.
func replayableBody(pr *httputil.ProxyRequest, _ target) {
	out := pr.Out
	if out.Body == nil || out.Body == http.NoBody || out.ContentLength <= 0 || out.ContentLength > maxReplayBody {
		return
	}
	b, err := io.ReadAll(io.LimitReader(out.Body, out.ContentLength))
	if err == nil && int64(len(b)) < out.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		out.Body = io.NopCloser(&failingReader{fmt.Errorf("reading the request body: %w", err)})
		return
	}
	out.Body = io.NopCloser(bytes.NewReader(b))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// failingReader makes the transport fail the request with the client's own error.
type failingReader struct{ err error }

func (r *failingReader) Read([]byte) (int, error) { return 0, r.err }
