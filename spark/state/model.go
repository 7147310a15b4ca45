package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The state fills the JSON shapes of spark/api/wire (API.md); values of them the Store hands out are copies owned by
// the caller.
//
// App and the status values keep a name here for the packages that read the state (spark/history, spark/metrics,
// spark/ingest, cmd): they are wire's, not copies.

// App is wire.App.
type App = wire.App

// Application states and sources, job and stage statuses (wire's).
const (
	AppRunning      = wire.AppRunning
	AppFinished     = wire.AppFinished
	AppDisconnected = wire.AppDisconnected

	SourceLive    = wire.SourceLive
	SourceHistory = wire.SourceHistory
	SourceUpload  = wire.SourceUpload

	JobRunning   = wire.JobRunning
	JobSucceeded = wire.JobSucceeded
	JobFailed    = wire.JobFailed
	JobCancelled = wire.JobCancelled

	StagePending  = wire.StagePending
	StageActive   = wire.StageActive
	StageComplete = wire.StageComplete
	StageFailed   = wire.StageFailed
	StageSkipped  = wire.StageSkipped
)

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
