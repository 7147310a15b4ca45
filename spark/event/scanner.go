package event

import "unicode/utf8"

// scanner reads the JSON of one frame in place for decodeFast. Each method reports false for input it does not
// handle, whether invalid JSON or merely unusual; the frame then goes to decodeReference.
type scanner struct {
	b []byte
	i int
}

// ws skips JSON white space.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// plainByte tells the bytes a string may hold as they are: not a quote, a backslash, a control character or part of a
// multi-byte UTF-8 sequence. Built once, never written.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string without escapes or control characters that is valid UTF-8, and returns its bytes in place.
func (s *scanner) str() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start, ascii := s.i+1, true
	for j := start; j < len(s.b); j++ {
		if plainByte[s.b[j]] {
			continue
		}
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[start:j]
			if !ascii && !utf8.Valid(v) {
				return nil, false
			}
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		default:
			ascii = false
		}
	}
	return nil, false
}

// literal consumes the word w (true, false, null).
func (s *scanner) literal(w string) bool {
	s.ws()
	return s.lit(w)
}

// null consumes a null, if that is what comes next.
func (s *scanner) null() bool { return s.literal("null") }

// notNull reports whether the next value is something other than null (a required field that is null is missing).
func (s *scanner) notNull() bool {
	s.ws()
	return s.i < len(s.b) && s.b[s.i] != 'n'
}

// int64 reads an integer of at most 18 digits (so it cannot overflow) or null, which leaves *dst as it is, as
// encoding/json does.
func (s *scanner) int64(dst *int64) bool {
	if s.null() {
		return true
	}
	j, neg := s.i, false
	if j < len(s.b) && s.b[j] == '-' {
		neg = true
		j++
	}
	start := j
	var v int64
	for j < len(s.b) && j-start < 19 && s.b[j] >= '0' && s.b[j] <= '9' {
		v = v*10 + int64(s.b[j]-'0')
		j++
	}
	n := j - start
	if n == 0 || n > 18 || n > 1 && s.b[start] == '0' {
		return false
	}
	if j < len(s.b) {
		switch s.b[j] {
		case '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			return false
		}
	}
	if neg {
		v = -v
	}
	s.i = j
	*dst = v
	return true
}

// int is int64 for an int field; a value the platform's int cannot hold makes it give up.
func (s *scanner) int(dst *int) bool {
	v := int64(*dst)
	if !s.int64(&v) || int64(int(v)) != v {
		return false
	}
	*dst = int(v)
	return true
}

// string reads a string or null (which leaves *dst as it is).
func (s *scanner) string(dst *string) bool {
	if s.null() {
		return true
	}
	v, ok := s.str()
	if ok {
		*dst = common(v)
	}
	return ok
}

// stringPtr reads a string or null (nil).
func (s *scanner) stringPtr(dst **string) bool {
	if s.null() {
		*dst = nil
		return true
	}
	v, ok := s.str()
	if ok {
		str := common(v)
		*dst = &str
	}
	return ok
}

// bool reads true, false or null (which leaves *dst as it is).
func (s *scanner) bool(dst *bool) bool {
	switch {
	case s.null():
	case s.literal("true"):
		*dst = true
	case s.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// common returns the string of v, without allocating for the values most frames repeat.
func common(v []byte) string {
	switch string(v) {
	case "driver":
		return "driver"
	case "SUCCESS":
		return "SUCCESS"
	case "FAILED":
		return "FAILED"
	case "KILLED":
		return "KILLED"
	}
	return string(v)
}
