package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// MaxLineBytes bounds one line of an event log (Spark writes a SQL query's plan on one line; a bigger line is an
// error, not a reason to hold unbounded memory).
const MaxLineBytes = 32 << 20

// maxPreamble bounds the events held back until the log names its application (SparkListenerApplicationStart).
const maxPreamble = 10_000

// FormatError is a line of an event log that cannot be read.
type FormatError struct {
	Line int // 1-based; 0 when the error is not a line's (a compressed stream that is cut, say)
	Err  error
}

func (e *FormatError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// Summary describes a replayed log.
type Summary struct {
	AppID     string
	AttemptID *string
	// Ended: the log has the application's end (SparkListenerApplicationEnd).
	Ended bool
	// Lines read; Skipped: lines of Spark events the monitor does not use (block managers, metrics, plans...).
	Lines, Skipped int
	// Truncated is the error that ended a lenient replay early (a log cut by a crash); nil otherwise.
	Truncated error
}

// ReplayOptions configure Replay.
type ReplayOptions struct {
	// Lenient stops at the first unreadable line or a cut compressed stream and keeps what came before (the monitor's
	// own logs after a crash); otherwise any such error fails the replay.
	Lenient bool
}

// Replay reads a Spark event log (JSON lines, plain or zstd-compressed: see Open) and calls emit with the events
// the listener would have sent, in order: first a Hello built from the log's application start and environment
// (app id, name, user, Spark version, master, and the kernel and notebook the monitor recorded), then the rest. The
// Hello's StartTime is the application's start. An error of emit stops the replay and is returned as is.
func Replay(r io.Reader, opts ReplayOptions, emit func(event.Event) error) (Summary, error) {
	rp := &replayer{emit: emit}
	br := bufio.NewReaderSize(r, 256<<10)
	var sum Summary
	fail := func(err error) (Summary, error) {
		var fe *FormatError
		if opts.Lenient && errors.As(err, &fe) {
			sum.Truncated = err
			return rp.finish(&sum)
		}
		return sum, err
	}
	for {
		line, err := readLine(br)
		if len(line) > 0 || err == nil {
			sum.Lines++
		}
		if err != nil && !errors.Is(err, io.EOF) {
			if errors.Is(err, errLineTooLong) {
				return fail(&FormatError{Line: sum.Lines, Err: err})
			}
			return fail(&FormatError{Line: 0, Err: fmt.Errorf("after line %d: %w", sum.Lines, err)})
		}
		if len(bytes.TrimSpace(line)) > 0 {
			skipped, lerr := rp.line(line)
			if lerr != nil {
				var fe *FormatError
				if errors.As(lerr, &fe) {
					fe.Line = sum.Lines
					return fail(fe)
				}
				return sum, lerr
			}
			if skipped {
				sum.Skipped++
			}
		}
		if errors.Is(err, io.EOF) {
			return rp.finish(&sum)
		}
	}
}

var errLineTooLong = fmt.Errorf("line longer than %d MiB", MaxLineBytes>>20)

func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLineBytes {
			return nil, errLineTooLong
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			buf = append(buf, chunk...)
			continue
		}
		if buf != nil {
			chunk = append(buf, chunk...)
		}
		return bytes.TrimRight(chunk, "\r\n"), err
	}
}

type replayer struct {
	emit    func(event.Event) error
	hello   *event.Hello
	appSeen bool
	sent    bool // the hello is emitted
	pending []event.Event
	ended   bool
}

func (rp *replayer) finish(sum *Summary) (Summary, error) {
	if !rp.appSeen {
		if sum.Truncated != nil {
			return *sum, sum.Truncated
		}
		return *sum, &FormatError{Err: errors.New("not a Spark event log: no SparkListenerApplicationStart")}
	}
	if err := rp.flushHello(); err != nil {
		return *sum, err
	}
	sum.AppID, sum.AttemptID, sum.Ended = rp.hello.AppID, rp.hello.AttemptID, rp.ended
	return *sum, nil
}

func (rp *replayer) flushHello() error {
	if rp.sent {
		return nil
	}
	rp.sent = true
	if err := rp.emit(rp.hello); err != nil {
		return err
	}
	for _, ev := range rp.pending {
		if err := rp.emit(ev); err != nil {
			return err
		}
	}
	rp.pending = nil
	return nil
}

// out emits an event, or holds it back until the application is known.
func (rp *replayer) out(ev event.Event) error {
	if rp.sent {
		return rp.emit(ev)
	}
	if !rp.appSeen {
		if len(rp.pending) >= maxPreamble {
			return &FormatError{Err: fmt.Errorf("no SparkListenerApplicationStart in the first %d events", maxPreamble)}
		}
		event.Bound(ev) // held here before the store's Submit cuts it: 10 000 uncut events could be gigabytes
		rp.pending = append(rp.pending, ev)
		return nil
	}
	if err := rp.flushHello(); err != nil {
		return err
	}
	return rp.emit(ev)
}

func (rp *replayer) helloFor() *event.Hello {
	if rp.hello == nil {
		rp.hello = &event.Hello{Header: event.Header{Type: "hello"}, Protocol: event.ProtocolVersion, Connection: 1}
	}
	return rp.hello
}

// eventName reads the "Event" field of a line written as Spark writes it (first), without decoding the rest.
func eventName(line []byte) (string, bool) {
	const prefix = `{"Event":"`
	if !bytes.HasPrefix(line, []byte(prefix)) {
		return "", false
	}
	rest := line[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 || bytes.IndexByte(rest[:end], '\\') >= 0 {
		return "", false
	}
	return string(rest[:end]), true
}

// line replays one line; skipped reports a valid event the monitor does not use.
func (rp *replayer) line(line []byte) (skipped bool, err error) {
	name, ok := eventName(line)
	if !ok { // not written as Spark writes it: its "Event" is read the slow way
		var probe struct {
			Event string `json:"Event"`
		}
		if err := json.Unmarshal(line, &probe); err != nil {
			return false, &FormatError{Err: fmt.Errorf("malformed JSON: %w", err)}
		}
		if probe.Event == "" {
			return false, &FormatError{Err: errors.New(`not a Spark event: no "Event" field`)}
		}
		name = probe.Event
	}
	if ev, mine, err := readMark(name, line); mine {
		if err != nil || ev == nil {
			return false, err
		}
		return false, rp.out(ev)
	}
	read := readers[name]
	if read == nil {
		if ok && !json.Valid(line) {
			return false, &FormatError{Err: errors.New("malformed JSON (" + name + ")")}
		}
		return true, nil
	}
	ev, err := read(rp, line)
	if err != nil || ev == nil {
		return false, err
	}
	return false, rp.out(ev)
}
