package proxy

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// readAhead makes the first read of a page's body before its header leaves for the browser (a ModifyResponse
// decorator; copyBuffers lends the buffer until the body is closed):
//   - a page of unknown length (Spark sends its pages chunked) that the first read holds whole, the usual case, goes
//     on with its length, in one write with its header when it fits net/http's buffer, instead of a chunk and then,
//     apart, the last chunk (P5);
//   - a driver that dies after a page's header and before its first byte gets the 502 that says so, instead of a
//     response with Spark's header (its encoding above all) and a broken body.
func readAhead(resp *http.Response, _ target) error {
	if resp.Body == nil || resp.Body == http.NoBody || resp.Request.Method == http.MethodHead ||
		resp.StatusCode == http.StatusSwitchingProtocols { // an upgraded connection's body is a stream of its own
		return nil
	}
	buf := copyBuffers.Get()
	var n int
	var err error
	for n == 0 && err == nil {
		n, err = resp.Body.Read(buf)
	}
	if err != nil && err != io.EOF {
		copyBuffers.Put(buf)
		return fmt.Errorf("the page broke off before its first byte: %w", err)
	}
	if err == io.EOF && resp.ContentLength < 0 && resp.Request.Method == http.MethodGet {
		resp.ContentLength = int64(n)
		resp.Header.Set("Content-Length", strconv.Itoa(n))
		resp.TransferEncoding = nil
	}
	resp.Body = &aheadBody{buf: buf, head: buf[:n], rest: resp.Body, ended: err == io.EOF}
	return nil
}

// aheadBody is a response body whose first read readAhead made.
type aheadBody struct {
	buf   []byte // from copyBuffers, given back on Close
	head  []byte // what is left of the first read
	rest  io.ReadCloser
	ended bool // the first read reached the end
}

func (b *aheadBody) Read(p []byte) (int, error) {
	if len(b.head) > 0 {
		n := copy(p, b.head)
		b.head = b.head[n:]
		return n, nil
	}
	if b.ended || b.buf == nil {
		return 0, io.EOF
	}
	return b.rest.Read(p)
}

func (b *aheadBody) Close() error {
	if b.buf != nil {
		copyBuffers.Put(b.buf)
		b.buf, b.head = nil, nil
	}
	return b.rest.Close()
}
