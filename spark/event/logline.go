package event

// MaxLogMessage bounds a log line's message (LogLine.Message): a WARN from Spark is one line of under 300 bytes; 4 KiB
// keeps a multi-line message and the first frames of a stack trace. The listener cuts first (PROTOCOL.md "Driver log
// lines").
const MaxLogMessage = 4 << 10

// Log line sources: where the driver's log line came from.
const (
	LogSourceJVM    = "jvm"    // a log4j2 event of the driver JVM (Spark's own, or the cell's through py4j)
	LogSourcePython = "python" // a record of Python's logging module in the kernel, sent by the kernel hook
)

// LogLine is one log line of the driver (PROTOCOL.md "Driver log lines"): not part of the ordered event stream (its
// seq is 0), attributed to the cell the kernel was running when it was logged.
type LogLine struct {
	Header
	Level  string  `json:"level"`  // TRACE, DEBUG, INFO, WARN, ERROR or FATAL (Python's WARNING is WARN, CRITICAL FATAL)
	Logger string  `json:"logger"` // the logger's name
	Thread string  `json:"thread"` // the thread that logged it
	Msg    string  `json:"message"`
	Source string  `json:"source"` // LogSourceJVM or LogSourcePython
	CellID *string `json:"cellId"` // the cell the kernel was running, or null between cells
	// Dropped counts the log lines the driver dropped since it started (its queue was full), cumulative.
	Dropped int64 `json:"dropped"`
}

func boundLogLine(e *LogLine) {
	clip(&e.Level, MaxShort)
	clip(&e.Logger, MaxShort)
	clip(&e.Thread, MaxShort)
	clip(&e.Msg, MaxLogMessage)
	clip(&e.Source, MaxShort)
	e.CellID = clipPtr(e.CellID, MaxShort)
}
