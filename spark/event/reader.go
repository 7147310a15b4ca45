package event

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrFrameTooLong is returned by Reader.Next for a frame over MaxFrameBytes; the stream cannot be resumed.
var ErrFrameTooLong = errors.New("frame exceeds the size limit")

// Reader splits a listener stream into frames, bounded by MaxFrameBytes.
type Reader struct {
	s    *bufio.Scanner
	line int
}

// NewReader reads frames from r.
func NewReader(r io.Reader) *Reader {
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), MaxFrameBytes+1)
	return &Reader{s: s}
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
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, r.line + 1, fmt.Errorf("line %d: %w (%d bytes)", r.line+1, ErrFrameTooLong, MaxFrameBytes)
		}
		return nil, r.line, err
	}
	return nil, r.line, io.EOF
}
