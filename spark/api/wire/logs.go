package wire

// LogLevel is a log line's level, log4j's names (Python's WARNING is WARN, CRITICAL is FATAL).
type LogLevel = string

// Log levels, from the least to the most severe.
const (
	LogTrace LogLevel = "TRACE"
	LogDebug LogLevel = "DEBUG"
	LogInfo  LogLevel = "INFO"
	LogWarn  LogLevel = "WARN"
	LogError LogLevel = "ERROR"
	LogFatal LogLevel = "FATAL"
)

// LogSource is where a driver log line came from.
type LogSource = string

// Log line sources.
const (
	LogFromJVM    LogSource = "jvm"    // a log4j event of the driver JVM: Spark's own, or the cell's through py4j
	LogFromPython LogSource = "python" // a record of Python's logging module in the kernel
)

// CellLogs (api/logs) is the driver log lines logged while the kernel ran one cell, oldest first.
type CellLogs struct {
	CellID string    `json:"cellId"`
	Lines  []LogLine `json:"lines"` // at most state.MaxLogLinesPerApp per application
	// Dropped counts the lines the drivers of these applications dropped before sending (their queue was full),
	// since each started; Forgotten the lines the monitor forgot to keep each application's last
	// state.MaxLogLinesPerApp lines. Both count lines of every cell, not only this one's.
	Dropped   int64 `json:"dropped"`
	Forgotten int64 `json:"forgotten"`
}

// LogLine is one log line of a driver.
type LogLine struct {
	AppID   string    `json:"appId"`
	Time    int64     `json:"time"` // epoch ms
	Level   LogLevel  `json:"level"`
	Logger  string    `json:"logger"`
	Thread  string    `json:"thread"`
	Message string    `json:"message"`
	Source  LogSource `json:"source"`
}
