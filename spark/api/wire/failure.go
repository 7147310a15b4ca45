package wire

// FailureCategory is what kind of failure a card describes (API.md § Failure card).
type FailureCategory = string

// Failure categories.
const (
	FailureCancelled       FailureCategory = "cancelled"
	FailureAnalysis        FailureCategory = "analysis"
	FailureNotSerializable FailureCategory = "notSerializable"
	FailureDriverOOM       FailureCategory = "driverOutOfMemory"
	FailureExecutorOOM     FailureCategory = "executorOutOfMemory"
	FailureShuffleFetch    FailureCategory = "shuffleFetch"
	FailureExecutorLost    FailureCategory = "executorLost"
	FailurePythonUDF       FailureCategory = "pythonUdf"
	FailureOther           FailureCategory = "other"
)

// FailureCard is what a failed job tells its user: what failed, where in the cell, on which executor, and what to
// do about it.
type FailureCard struct {
	Category FailureCategory `json:"category"`
	Title    string          `json:"title"` // e.g. "Python error in a UDF"
	Fix      string          `json:"fix"`   // plain-language advice for the category
	// ExceptionClass and Message: the exception a user recognises (the Python one for a UDF error), message ≤ 1 KiB.
	ExceptionClass string `json:"exceptionClass"`
	Message        string `json:"message"`
	// Line: the cell's line (1-based) the failure points at, null when unknown; LineText its source when known.
	Line     *int   `json:"line"`
	LineText string `json:"lineText"`
	// StageID and StageAttemptID: the stage attempt that failed, null when none did (e.g. a cancelled job).
	StageID        *int `json:"stageId"`
	StageAttemptID *int `json:"stageAttemptId"`
	// Attempts: how many times the failing task ran (0 when no task failed); TaskID its last attempt.
	Attempts   int    `json:"attempts"`
	TaskID     *int64 `json:"taskId"`
	ExecutorID string `json:"executorId"`
	Host       string `json:"host"`
	// Traces: the full texts behind the card (the task's reason, then the job's error), each ≤ 16 KiB, at most 2.
	Traces []string `json:"traces"`
}
