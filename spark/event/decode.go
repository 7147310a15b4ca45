package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Decode parses one NDJSON frame. Unknown frame types decode to *Unknown; malformed frames return an error that
// names the frame type and the problem.
//
// The bulk of a stream (taskStart, taskEnd) is read in one pass when a frame has exactly the listener's shape
// (listener_shape.go); every other frame goes through decodeReference (encoding/json), which therefore decides every
// error. The fast path is there for P3 (docs/benchmarks.md, ≥ 1M events/s decoded and applied on one core): on the
// recorded stream P3 replays, encoding/json alone decodes about 60 000 events/s; without the fast path, decode + apply
// fell from 1.4M to 0.84M events/s (medians of 5 interleaved runs, shared 2-core host, 2026-12-07).
func Decode(line []byte) (Event, error) {
	line = bytes.TrimSpace(line)
	if len(line) <= MaxFrameBytes {
		if ev, ok := decodeFast(line); ok {
			return ev, nil
		}
	}
	return decodeReference(line)
}

// decodeReference is the encoding/json decoder: the meaning of every frame, and the only source of errors.
func decodeReference(line []byte) (Event, error) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil, errors.New("empty frame")
	}
	if len(line) > MaxFrameBytes {
		return nil, fmt.Errorf("frame of %d bytes exceeds the %d byte limit", len(line), MaxFrameBytes)
	}
	var probe struct {
		Type *string `json:"type"`
	}
	if err := json.Unmarshal(line, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if probe.Type == nil || *probe.Type == "" {
		return nil, errors.New(`frame has no "type"`)
	}
	ev, required := newEvent(*probe.Type)
	if err := json.Unmarshal(line, ev); err != nil {
		return nil, fmt.Errorf("%s frame: %w", *probe.Type, err)
	}
	if len(required) > 0 {
		if err := requireFields(line, required); err != nil {
			return nil, fmt.Errorf("%s frame: %w", *probe.Type, err)
		}
	}
	if p, ok := ev.(*SQLPlan); ok {
		if err := p.check(); err != nil {
			return nil, fmt.Errorf("%s frame: %w", *probe.Type, err)
		}
	}
	return ev, nil
}

// newEvent returns an empty event of the frame type and the fields without which it means nothing.
func newEvent(typ string) (Event, []string) {
	switch typ {
	case "hello":
		return &Hello{}, []string{"protocol", "appId"}
	case "appStart":
		return &AppStart{}, nil
	case "appEnd":
		return &AppEnd{}, nil
	case "jobStart":
		return &JobStart{}, []string{"jobId"}
	case "jobEnd":
		return &JobEnd{}, []string{"jobId", "result"}
	case "stageSubmitted":
		return &StageSubmitted{}, []string{"stageId", "numTasks"}
	case "stageCompleted":
		return &StageCompleted{}, []string{"stageId", "status"}
	case "taskStart":
		return &TaskStart{}, []string{"stageId", "taskId"}
	case "taskEnd":
		return &TaskEnd{}, []string{"stageId", "taskId", "status"}
	case "sqlStart":
		return &SQLStart{}, []string{"executionId"}
	case "sqlEnd":
		return &SQLEnd{}, []string{"executionId"}
	case "executorAdded":
		return &ExecutorAdded{}, []string{"executorId"}
	case "executorRemoved":
		return &ExecutorRemoved{}, []string{"executorId"}
	case "stats":
		return &Stats{}, nil
	case "resync":
		return &Resync{}, nil
	case "sqlPlan":
		return &SQLPlan{}, []string{"executionId", "nodes"}
	default:
		return &Unknown{}, nil
	}
}

func requireFields(line []byte, names []string) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(line, &fields); err != nil {
		return err
	}
	for _, n := range names {
		v, ok := fields[n]
		if !ok || string(v) == "null" {
			return fmt.Errorf("missing field %q", n)
		}
	}
	return nil
}

// TypeOf returns the frame type of a decoded event.
func TypeOf(ev Event) string { return ev.header().Type }
