package history

import (
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// BenchmarkEncodeCompress: the writer goroutine's work per event (Spark JSON line, zstd at the recorder's settings),
// on a stream recorded from real PySpark (mostly task starts and ends).
func BenchmarkEncodeCompress(b *testing.B) {
	_, evs := readRecording(b, "tiny_tasks.jsonl")
	zw, _ := zstd.NewWriter(io.Discard, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(1<<20))
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		enc := newEncoder(0)
		for _, ev := range evs {
			buf = enc.encode(buf[:0], ev)
			_, _ = zw.Write(buf)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
}
