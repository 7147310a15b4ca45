package event

// Structured Streaming frames (PROTOCOL.md "Structured Streaming"): Spark's StreamingQueryListener events.

// StreamStart is a streaming query's QueryStartedEvent.
type StreamStart struct {
	Header
	QueryID string  `json:"queryId"`
	RunID   string  `json:"runId"`
	Name    *string `json:"name"`
	// CellID is the cell the kernel was running when the query started, or nil.
	CellID *string `json:"cellId"`
}

// StreamProgress is one micro-batch's QueryProgressEvent.
type StreamProgress struct {
	Header
	QueryID  string         `json:"queryId"`
	RunID    string         `json:"runId"`
	Progress StreamingBatch `json:"progress"`
}

// StreamEnd is a streaming query's QueryTerminatedEvent.
type StreamEnd struct {
	Header
	QueryID string `json:"queryId"`
	RunID   string `json:"runId"`
	// Error is the exception of a query that failed; nil when it was stopped.
	Error *string `json:"error"`
}

// StreamingBatch is the part of Spark's StreamingQueryProgress JSON the monitor keeps. Rates are absent in Spark's
// JSON when they are NaN or infinite (nil here).
type StreamingBatch struct {
	BatchID                int64             `json:"batchId"`
	Timestamp              string            `json:"timestamp"`
	BatchDuration          int64             `json:"batchDuration"`
	NumInputRows           int64             `json:"numInputRows"`
	InputRowsPerSecond     *float64          `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond *float64          `json:"processedRowsPerSecond"`
	DurationMs             map[string]int64  `json:"durationMs"`
	EventTime              map[string]string `json:"eventTime"`
	StateOperators         []struct {
		NumRowsTotal   int64 `json:"numRowsTotal"`
		NumRowsUpdated int64 `json:"numRowsUpdated"`
	} `json:"stateOperators"`
	Sources []struct {
		Description string `json:"description"`
	} `json:"sources"`
	Sink *struct {
		Description   string `json:"description"`
		NumOutputRows *int64 `json:"numOutputRows"`
	} `json:"sink"`
	// Truncated: the listener sent only the scalar figures (Spark's JSON was over its 64 KiB bound).
	Truncated bool `json:"truncated"`
}

// MaxStreamEntries bounds the entries of a progress's maps (durationMs, eventTime) and lists (sources,
// stateOperators) the monitor keeps; Spark's have under ten.
const MaxStreamEntries = 32

// boundStream cuts the texts of a streaming frame (Bound) and its progress's maps and lists to MaxStreamEntries.
func boundStream(ev Event) {
	switch e := ev.(type) {
	case *StreamStart:
		clip(&e.QueryID, MaxShort)
		clip(&e.RunID, MaxShort)
		e.Name, e.CellID = clipPtr(e.Name, MaxShort), clipPtr(e.CellID, MaxShort)
	case *StreamEnd:
		clip(&e.QueryID, MaxShort)
		clip(&e.RunID, MaxShort)
		e.Error = clipPtr(e.Error, MaxReason)
	case *StreamProgress:
		clip(&e.QueryID, MaxShort)
		clip(&e.RunID, MaxShort)
		boundBatch(&e.Progress)
	}
}

func boundBatch(b *StreamingBatch) {
	clip(&b.Timestamp, MaxShort)
	if len(b.DurationMs) > 0 {
		d := make(map[string]int64, min(len(b.DurationMs), MaxStreamEntries))
		for k, v := range b.DurationMs {
			if len(d) < MaxStreamEntries {
				d[Clip(k, MaxShort)] = v
			}
		}
		b.DurationMs = d
	}
	if len(b.EventTime) > 0 {
		w, ok := b.EventTime["watermark"]
		b.EventTime = map[string]string{} // only the watermark is shown
		if ok {
			b.EventTime["watermark"] = Clip(w, MaxShort)
		}
	}
	b.StateOperators = b.StateOperators[:min(len(b.StateOperators), MaxStreamEntries)]
	b.Sources = b.Sources[:min(len(b.Sources), MaxStreamEntries)]
	for i := range b.Sources {
		clip(&b.Sources[i].Description, MaxShort)
	}
	if b.Sink != nil {
		clip(&b.Sink.Description, MaxShort)
	}
}
