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

// frameKind is how to decode one frame type: an empty event, and the fields without which it means nothing.
type frameKind struct {
	empty    func() Event
	required []string
}

// frameKinds are the frame types the monitor knows (PROTOCOL.md); any other decodes as Unknown.
var frameKinds = map[string]frameKind{
	"hello":           {func() Event { return &Hello{} }, []string{"protocol", "appId"}},
	"appStart":        {func() Event { return &AppStart{} }, nil},
	"appEnd":          {func() Event { return &AppEnd{} }, nil},
	"jobStart":        {func() Event { return &JobStart{} }, []string{"jobId"}},
	"jobEnd":          {func() Event { return &JobEnd{} }, []string{"jobId", "result"}},
	"stageSubmitted":  {func() Event { return &StageSubmitted{} }, []string{"stageId", "numTasks"}},
	"stageCompleted":  {func() Event { return &StageCompleted{} }, []string{"stageId", "status"}},
	"taskStart":       {func() Event { return &TaskStart{} }, []string{"stageId", "taskId"}},
	"taskEnd":         {func() Event { return &TaskEnd{} }, []string{"stageId", "taskId", "status"}},
	"sqlStart":        {func() Event { return &SQLStart{} }, []string{"executionId"}},
	"sqlEnd":          {func() Event { return &SQLEnd{} }, []string{"executionId"}},
	"executorAdded":   {func() Event { return &ExecutorAdded{} }, []string{"executorId"}},
	"executorRemoved": {func() Event { return &ExecutorRemoved{} }, []string{"executorId"}},
	"stats":           {func() Event { return &Stats{} }, nil},
	"resync":          {func() Event { return &Resync{} }, nil},
	"sqlPlan":         {func() Event { return &SQLPlan{} }, []string{"executionId", "nodes"}},
	"log":             {func() Event { return &LogLine{} }, []string{"level", "message"}},
	"streamStart":     {func() Event { return &StreamStart{} }, []string{"queryId", "runId"}},
	"streamProgress":  {func() Event { return &StreamProgress{} }, []string{"queryId", "runId", "progress"}},
	"streamEnd":       {func() Event { return &StreamEnd{} }, []string{"queryId", "runId"}},
}

// newEvent returns an empty event of the frame type and the fields without which it means nothing.
func newEvent(typ string) (Event, []string) {
	if k, ok := frameKinds[typ]; ok {
		return k.empty(), k.required
	}
	return &Unknown{}, nil
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
