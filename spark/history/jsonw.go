package history

import (
	"strconv"
	"unicode/utf8"
)

// The event-log lines are built by appending to a byte slice: the task events of a large job are most of a log, and
// encoding/json's reflection would cost the monitor's CPU for nothing. Keys are literals in the callers.

const hexDigits = "0123456789abcdef"

// appendStr appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendStr(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKV appends `,"key":` (key is a literal without characters to escape) and then the value by the caller.
func key(b []byte, k string) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	return append(b, '"', ':')
}

func kvStr(b []byte, k, v string) []byte { return appendStr(key(b, k), v) }

func kvInt(b []byte, k string, v int64) []byte { return strconv.AppendInt(key(b, k), v, 10) }

func kvBool(b []byte, k string, v bool) []byte { return strconv.AppendBool(key(b, k), v) }

// begin starts a line with its "Event" discriminator; the caller adds fields with key/kv* and closes with '}'.
func begin(b []byte, event string) []byte {
	b = append(b, `{"Event":`...)
	return appendStr(b, event)
}

func appendInts(b []byte, xs []int) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

// appendProps appends a JSON object of string properties, in the order given (pairs of key, value).
func appendProps(b []byte, kv ...string) []byte {
	b = append(b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, kv[i])
		b = append(b, ':')
		b = appendStr(b, kv[i+1])
	}
	return append(b, '}')
}
