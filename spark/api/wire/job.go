package wire

// JobStatus is a job's status.
type JobStatus = string

// Job statuses.
const (
	JobRunning   JobStatus = "RUNNING"
	JobSucceeded JobStatus = "SUCCEEDED"
	JobFailed    JobStatus = "FAILED"
	// JobCancelled: the job failed because it was cancelled (Spark itself says FAILED).
	JobCancelled JobStatus = "CANCELLED"
)

// Job is one Spark job with its stages.
type Job struct {
	AppID       string  `json:"appId"`
	JobID       int     `json:"jobId"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	JobGroup    *string `json:"jobGroup"`
	// CellID: the notebook cell the job is under (decided by the server, API.md § Cells).
	CellID             *string   `json:"cellId"`
	SQLExecutionID     *int64    `json:"sqlExecutionId"`
	Status             JobStatus `json:"status"`
	SubmissionTime     int64     `json:"submissionTime"`
	CompletionTime     *int64    `json:"completionTime"`
	Error              *string   `json:"error"`
	NumStages          int       `json:"numStages"`
	NumCompletedStages int       `json:"numCompletedStages"`
	NumSkippedStages   int       `json:"numSkippedStages"`
	NumFailedStages    int       `json:"numFailedStages"`
	NumActiveStages    int       `json:"numActiveStages"`
	// NumTasks: the job's tasks, without those of skipped stages once known.
	NumTasks          int     `json:"numTasks"`
	NumCompletedTasks int     `json:"numCompletedTasks"`
	NumActiveTasks    int     `json:"numActiveTasks"`
	NumFailedTasks    int     `json:"numFailedTasks"`
	NumKilledTasks    int     `json:"numKilledTasks"`
	NumSkippedTasks   int     `json:"numSkippedTasks"`
	Stages            []Stage `json:"stages"` // by stageId
	// Failures: the job's failed tasks grouped by reason (bounded).
	Failures []FailureReason `json:"failures"`
	// Hints: what the data shows about the job's stages, at most one per kind and stage.
	Hints []Hint `json:"hints"`
	// FailureCard: why a FAILED or CANCELLED job failed and what to do (failure.go); absent otherwise.
	FailureCard *FailureCard `json:"failureCard,omitempty"`
	// KernelID: the kernel of a Spark Connect client's job (from its job tags); absent: the app's.
	KernelID string `json:"kernelId,omitempty"`
	// NotebookPath: the notebook of a Spark Connect client's job (from its job tags); absent: the app's.
	NotebookPath string `json:"notebookPath,omitempty"`
	// StreamQueryID: the streaming query whose micro-batch ran the job (it is under no cell: the query's panel
	// stands for it); absent for other jobs.
	StreamQueryID string `json:"streamQueryId,omitempty"`
	CellLine
}

// StageStatus is a stage attempt's status.
type StageStatus = string

// Stage statuses.
const (
	StagePending  StageStatus = "PENDING"
	StageActive   StageStatus = "ACTIVE"
	StageComplete StageStatus = "COMPLETE"
	StageFailed   StageStatus = "FAILED"
	StageSkipped  StageStatus = "SKIPPED"
)

// Stage is the latest attempt of one stage.
type Stage struct {
	StageID           int         `json:"stageId"`
	AttemptID         int         `json:"attemptId"`
	Name              string      `json:"name"`
	Status            StageStatus `json:"status"`
	NumTasks          int         `json:"numTasks"`
	NumCompletedTasks int         `json:"numCompletedTasks"`
	NumActiveTasks    int         `json:"numActiveTasks"`
	NumFailedTasks    int         `json:"numFailedTasks"`
	NumKilledTasks    int         `json:"numKilledTasks"`
	SubmissionTime    *int64      `json:"submissionTime"`
	CompletionTime    *int64      `json:"completionTime"`
	FailureReason     *string     `json:"failureReason"`
	StageMetrics
	// TaskTime: durations of the attempt's successful tasks; null before the first.
	TaskTime *TaskTime `json:"taskTime"`
}

// StageMetrics are sums over the stage attempt's finished tasks (as Spark's stage page shows them).
type StageMetrics struct {
	ExecutorRunTime     int64 `json:"executorRunTime"`
	InputBytes          int64 `json:"inputBytes"`
	InputRecords        int64 `json:"inputRecords"`
	OutputBytes         int64 `json:"outputBytes"`
	OutputRecords       int64 `json:"outputRecords"`
	ShuffleReadBytes    int64 `json:"shuffleReadBytes"`
	ShuffleReadRecords  int64 `json:"shuffleReadRecords"`
	ShuffleWriteBytes   int64 `json:"shuffleWriteBytes"`
	ShuffleWriteRecords int64 `json:"shuffleWriteRecords"`
	MemoryBytesSpilled  int64 `json:"memoryBytesSpilled"`
	DiskBytesSpilled    int64 `json:"diskBytesSpilled"`
}

// TaskTime summarises the durations (finish − launch, ms) of a stage attempt's successful tasks.
type TaskTime struct {
	Count  int   `json:"count"`
	Min    int64 `json:"min"`
	Median int64 `json:"median"` // within 10% (log-bucketed histogram)
	Max    int64 `json:"max"`
}

// FailureReason groups a job's failed tasks by their reason.
type FailureReason struct {
	Reason string `json:"reason"` // one line, e.g. "ZeroDivisionError: integer division or modulo by zero"
	Count  int    `json:"count"`
	Detail string `json:"detail"` // the first such failure in full (stack trace), truncated
}

// HintKind is what a hint is about (API.md § Hints).
type HintKind = string

// Hint kinds.
const (
	HintSkew      HintKind = "skew"
	HintSpill     HintKind = "spill"
	HintTinyTasks HintKind = "tinyTasks"
)

// Severity is how much a hint matters.
type Severity = string

// Hint severities.
const (
	SeverityInfo    Severity = "info"
	SeverityWarning Severity = "warning"
)

// Hint is what the data shows about one stage attempt of a job.
type Hint struct {
	Kind      HintKind `json:"kind"`
	Severity  Severity `json:"severity"`
	StageID   int      `json:"stageId"`
	AttemptID int      `json:"attemptId"`
	Message   string   `json:"message"` // one sentence with the figures
}
