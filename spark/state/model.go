package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The state fills the JSON shapes of spark/api/wire (API.md); values of them the Store hands out are copies owned by
// the caller.

// addMetrics adds a finished task's metrics to its stage attempt's sums.
func addMetrics(m *wire.StageMetrics, t *event.TaskMetrics) {
	m.ExecutorRunTime += t.ExecutorRunTime
	m.InputBytes += t.InputBytes
	m.InputRecords += t.InputRecords
	m.OutputBytes += t.OutputBytes
	m.OutputRecords += t.OutputRecords
	m.ShuffleReadBytes += t.ShuffleReadBytes
	m.ShuffleReadRecords += t.ShuffleReadRecords
	m.ShuffleWriteBytes += t.ShuffleWriteBytes
	m.ShuffleWriteRecords += t.ShuffleWriteRecords
	m.MemoryBytesSpilled += t.MemoryBytesSpilled
	m.DiskBytesSpilled += t.DiskBytesSpilled
}
