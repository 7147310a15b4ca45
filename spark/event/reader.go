package event

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrFrameTooLong is returned by Reader.Next for a frame over MaxFrameBytes; the stream cannot be resumed.
var ErrFrameTooLong = errors.New("frame exceeds the size limit")

// Reader splits a listener stream into frames, bounded by MaxFrameBytes (or by Limit).
type Reader struct {
	s     *bufio.Scanner
	line  int
	limit int
}

// errOverLimit is the split function's: the frame being read is longer than the Reader's limit.
var errOverLimit = errors.New("over the limit")

// NewReader reads frames from r.
func NewReader(r io.Reader) *Reader {
	rd := &Reader{limit: MaxFrameBytes}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), MaxFrameBytes+1)
	s.Split(rd.split)
	rd.s = s
	return rd
}

// Limit bounds the frames read from now on to n bytes (at most MaxFrameBytes); a longer one is ErrFrameTooLong. The
// monitor reads a hello under a smaller limit than events, so that a half-sent hello holds little memory: the Reader
// never buffers much more than its limit (and at least its first 64 KiB buffer).
func (r *Reader) Limit(n int) { r.limit = min(n, MaxFrameBytes) }

// split is bufio.ScanLines that refuses a line longer than the limit as soon as that many bytes are buffered.
func (r *Reader) split(data []byte, atEOF bool) (int, []byte, error) {
	advance, token, err := bufio.ScanLines(data, atEOF)
	if len(token) > r.limit || (advance == 0 && len(data) > r.limit) {
		return 0, nil, errOverLimit
	}
	return advance, token, err
}

// Next returns the next non-empty frame (valid until the next call) and its 1-based line number, io.EOF at the end,
// or ErrFrameTooLong.
func (r *Reader) Next() ([]byte, int, error) {
	for r.s.Scan() {
		r.line++
		if b := r.s.Bytes(); len(b) > 0 {
			return b, r.line, nil
		}
	}
	if err := r.s.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) || errors.Is(err, errOverLimit) {
			return nil, r.line + 1, fmt.Errorf("line %d: %w (%d bytes)", r.line+1, ErrFrameTooLong, r.limit)
		}
		return nil, r.line, err
	}
	return nil, r.line, io.EOF
}
