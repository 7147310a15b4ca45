package event

import (
	"encoding/json"
	"strings"
	"testing"
)

// A streamProgress frame as the listener sent it from a real PySpark run (Spark 4.1, windowed count with a watermark).
const realProgress = `{"type":"streamProgress","seq":62,"time":1796686780051,"queryId":"6d2f4ebd-eddf-488b-833a-481a04cc0132","runId":"a112ffd5-ee93-48b3-ad0b-fd1a1a0303f2","progress":{"id":"6d2f4ebd-eddf-488b-833a-481a04cc0132","runId":"a112ffd5-ee93-48b3-ad0b-fd1a1a0303f2","name":"counts","timestamp":"2026-12-07T23:39:37.521Z","batchId":2,"batchDuration":2528,"numInputRows":20,"inputRowsPerSecond":5.2,"processedRowsPerSecond":7.9,"durationMs":{"addBatch":2030,"commitOffsets":235,"getBatch":0,"latestOffset":0,"queryPlanning":109,"triggerExecution":2526,"walCommit":149},"eventTime":{"avg":"2026-12-07T23:39:35.346Z","max":"2026-12-07T23:39:37.246Z","min":"2026-12-07T23:39:33.446Z","watermark":"2026-12-07T23:39:31.246Z"},"stateOperators":[{"operatorName":"stateStoreSave","numRowsTotal":235,"numRowsUpdated":20,"allUpdatesTimeMs":409,"numRowsRemoved":0,"allRemovalsTimeMs":0,"commitTimeMs":533,"memoryUsedBytes":53888,"numRowsDroppedByWatermark":0,"numShufflePartitions":2,"numStateStoreInstances":2,"customMetrics":{"SnapshotLastUploaded.partition_0_default":-1,"SnapshotLastUploaded.partition_1_default":-1,"loadedMapCacheHitCount":8,"loadedMapCacheMissCount":0,"stateOnCurrentVersionSizeBytes":40720}}],"sources":[{"description":"RateStreamV2[rowsPerSecond=5, rampUpTimeSeconds=0, numPartitions=default","startOffset":43,"endOffset":47,"latestOffset":47,"numInputRows":20,"inputRowsPerSecond":5.2,"processedRowsPerSecond":7.9}],"sink":{"description":"MemorySink","numOutputRows":20}}}`

func TestDecodeStreamingFrames(t *testing.T) {
	ev, err := Decode([]byte(realProgress))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ev.(*StreamProgress)
	if !ok {
		t.Fatalf("decoded %T", ev)
	}
	b := p.Progress
	if p.QueryID != "6d2f4ebd-eddf-488b-833a-481a04cc0132" || b.BatchID != 2 || b.NumInputRows != 20 ||
		*b.InputRowsPerSecond != 5.2 || *b.ProcessedRowsPerSecond != 7.9 || b.DurationMs["addBatch"] != 2030 ||
		b.DurationMs["triggerExecution"] != 2526 || b.EventTime["watermark"] != "2026-12-07T23:39:31.246Z" ||
		len(b.StateOperators) != 1 || b.StateOperators[0].NumRowsTotal != 235 || b.Sink.Description != "MemorySink" ||
		len(b.Sources) != 1 || !strings.HasPrefix(b.Sources[0].Description, "RateStreamV2") {
		t.Errorf("progress = %+v", p)
	}
	for _, c := range []struct{ line, err string }{
		{`{"type":"streamStart","runId":"r"}`, `missing field "queryId"`},
		{`{"type":"streamProgress","queryId":"q","runId":"r"}`, `missing field "progress"`},
		{`{"type":"streamProgress","queryId":"q","runId":"r","progress":{"batchId":"x"}}`, "streamProgress frame"},
		{`{"type":"streamEnd","queryId":"q"}`, `missing field "runId"`},
	} {
		if _, err := Decode([]byte(c.line)); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: error %v, want %q", c.line, err, c.err)
		}
	}
	ev, err = Decode([]byte(`{"type":"streamEnd","seq":3,"time":5,"queryId":"q","runId":"r","error":"boom"}`))
	if e, ok := ev.(*StreamEnd); err != nil || !ok || *e.Error != "boom" {
		t.Errorf("streamEnd: %+v %v", ev, err)
	}
	b2, _ := json.Marshal(StopStream("q-1"))
	if string(b2) != `{"type":"stopStream","queryId":"q-1","reason":"via SparkMonitor"}` {
		t.Errorf("stopStream control = %s", b2)
	}
}
