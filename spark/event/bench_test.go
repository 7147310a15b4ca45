package event

// The decoding paths on the stream P3 replays (spark/state's BenchmarkDecode is P3 itself): Decode, whose task frames
// take the fast path (listener_shape.go), against the encoding/json reference alone.

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkDecodePaths(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "tiny_tasks.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]byte
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		if len(line) > 0 {
			frames = append(frames, line)
		}
	}
	for _, path := range []struct {
		name   string
		decode func([]byte) (Event, error)
	}{{"fast", Decode}, {"reference", decodeReference}} {
		b.Run(path.name, func(b *testing.B) {
			for b.Loop() {
				for _, f := range frames {
					if _, err := path.decode(f); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(frames)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
