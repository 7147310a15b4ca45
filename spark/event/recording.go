package event

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadRecording decodes a recorded listener stream (testdata/*.jsonl, written by testdata/record.py): every frame,
// and the application id of its first hello. Tests of other packages replay recordings with it.
func ReadRecording(path string) (appID string, evs []Event, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, fmt.Errorf("recording %s: %w (re-record with spark/event/testdata/record.py)", path, err)
	}
	defer func() { _ = f.Close() }()
	r := NewReader(f)
	for {
		line, n, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", path, err)
		}
		ev, err := Decode(bytes.Clone(line))
		if err != nil {
			return "", nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if h, ok := ev.(*Hello); ok && appID == "" {
			appID = h.AppID
		}
		evs = append(evs, ev)
	}
	if appID == "" {
		return "", nil, fmt.Errorf("%s has no hello", path)
	}
	return appID, evs, nil
}
