package wire

// StreamStatus is a Structured Streaming query's status.
type StreamStatus = string

// Streaming query statuses.
const (
	StreamActive  StreamStatus = "ACTIVE"
	StreamStopped StreamStatus = "STOPPED" // terminated without an exception (stop(), or the app ended)
	StreamFailed  StreamStatus = "FAILED"  // terminated with an exception (Error)
)

// StreamingQuery is one Structured Streaming query (Spark's StreamingQuery, one run of it): what its micro-batches
// reported. Its micro-batch jobs and SQL executions are under no cell (they carry streamQueryId); the query is under
// the cell the kernel ran when it started.
type StreamingQuery struct {
	AppID   string  `json:"appId"`
	QueryID string  `json:"queryId"`
	RunID   string  `json:"runId"`
	Name    *string `json:"name"`
	// CellID: the cell the kernel was running when the query started, or null.
	CellID    *string      `json:"cellId"`
	Status    StreamStatus `json:"status"`
	Error     *string      `json:"error"`
	StartTime int64        `json:"startTime"`
	EndTime   *int64       `json:"endTime"`
	// Sink and Sources: Spark's descriptions, from the latest progress ("" before the first).
	Sink    string   `json:"sink"`
	Sources []string `json:"sources"`
	// NumBatches: progress reports received for this run; Batches holds the most recent ones (at most 60).
	NumBatches int64 `json:"numBatches"`
	// NumJobs: micro-batch jobs seen for this query.
	NumJobs int              `json:"numJobs"`
	Batches []StreamingBatch `json:"batches"` // oldest first
}

// StreamingBatch is one micro-batch's progress (Spark's StreamingQueryProgress).
type StreamingBatch struct {
	BatchID int64 `json:"batchId"`
	// Timestamp: Spark's ISO 8601 start of the trigger.
	Timestamp    string `json:"timestamp"`
	NumInputRows int64  `json:"numInputRows"`
	// Rates in rows per second; null where Spark reports none (NaN: no time elapsed).
	InputRowsPerSecond     *float64 `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond *float64 `json:"processedRowsPerSecond"`
	// DurationMs: Spark's parts of the batch (addBatch, getBatch, latestOffset, queryPlanning, walCommit,
	// triggerExecution, …); triggerExecution is the batch's whole duration.
	DurationMs map[string]int64 `json:"durationMs"`
	// NumRowsInState: rows held by the stateful operators (sum of numRowsTotal); null without any.
	NumRowsInState *int64 `json:"numRowsInState"`
	// Watermark: Spark's eventTime.watermark, or null.
	Watermark *string `json:"watermark"`
	// NumOutputRows: rows the sink wrote, or null when the sink does not say.
	NumOutputRows *int64 `json:"numOutputRows"`
	// Truncated: Spark's progress was over the listener's 64 KiB bound; only the rows, rates and durations came.
	Truncated bool `json:"truncated"`
}
