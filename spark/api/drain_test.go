package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// countingBody is a request body that counts what was read of it.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { return nil }

// TestUnreadBodyIsDrainedAfterTheHandler: a handler that refuses a POST without reading its body (a cross-site
// cancel) leaves nothing unread, up to maxDrain; a GET's body is not touched.
func TestUnreadBodyIsDrainedAfterTheHandler(t *testing.T) {
	refuse := drainBody(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		respondError(w, http.StatusForbidden, "forbidden", "cross-origin request refused")
	}))
	cases := []struct {
		method string
		size   int
		want   int
	}{
		{http.MethodPost, 3, 3},
		{http.MethodPost, maxDrain, maxDrain},
		{http.MethodPost, maxDrain + 1000, maxDrain}, // bounded: the rest is left to net/http
		{http.MethodGet, 3, 0},
	}
	for _, c := range cases {
		body := &countingBody{r: strings.NewReader(strings.Repeat("x", c.size))}
		r := httptest.NewRequest(c.method, "/sparkmonitor/api/cells/c1/cancel", nil)
		r.Body, r.ContentLength = body, int64(c.size)
		w := httptest.NewRecorder()
		refuse.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden || body.read != c.want {
			t.Errorf("%s of %d bytes: %d, read %d bytes, want 403 and %d", c.method, c.size, w.Code, body.read, c.want)
		}
	}
}
