package state

import "github.com/sparkmonitor/sparkmonitor-go/spark/event"

// The JSON shapes of spark/api/API.md. Values of these types handed out by the Store are copies owned by the caller.

// App states.
const (
	AppRunning      = "RUNNING"
	AppFinished     = "FINISHED"
	AppDisconnected = "DISCONNECTED"
)

// App sources: where the monitor got an application from.
const (
	SourceLive    = "live"    // its listener reported to this monitor process
	SourceHistory = "history" // replayed at start from the monitor's history folder (a past application)
	SourceUpload  = "upload"  // replayed from an event log opened in the dashboard
)

// App is one Spark application (one driver JVM).
type App struct {
	AppID            string  `json:"appId"`
	AttemptID        *string `json:"attemptId"`
	AppName          string  `json:"appName"`
	SparkVersion     string  `json:"sparkVersion"`
	SparkUser        string  `json:"sparkUser"`
	Master           string  `json:"master"`
	UIURL            *string `json:"uiUrl"`
	KernelID         string  `json:"kernelId"`
	NotebookPath     string  `json:"notebookPath"`
	State            string  `json:"state"`
	Source           string  `json:"source"` // SourceLive, SourceHistory or SourceUpload
	StartTime        int64   `json:"startTime"`
	EndTime          *int64  `json:"endTime"`
	UIPath           *string `json:"uiPath"` // "ui/{appId}/" under the monitor's prefix while RUNNING with a UI
	NumExecutors     int     `json:"numExecutors"`
	TotalCores       int     `json:"totalCores"`
	NumJobs          int     `json:"numJobs"`
	NumActiveJobs    int     `json:"numActiveJobs"`
	NumCompletedJobs int     `json:"numCompletedJobs"`
	NumFailedJobs    int     `json:"numFailedJobs"`
	DroppedEvents    int64   `json:"droppedEvents"`
	// EvictedJobs counts the application's jobs no longer held (retention.maxJobsPerApp, retention.go): numJobs and
	// jobs are the retained ones, the oldest were forgotten.
	EvictedJobs int `json:"evictedJobs"`
	// DriverLost: the application ended without an application end: its listener went away and did not come back
	// (state FINISHED; driverlost.go).
	DriverLost bool `json:"driverLost"`
	// CancelEnabled: the cancel buttons may be shown (cancel.go).
	CancelEnabled bool  `json:"cancelEnabled"`
	Jobs          []Job `json:"jobs,omitempty"`
	// SQLExecutions (snapshots only) are the running SQL executions and those the retained jobs belong to.
	SQLExecutions []SQLExecution `json:"sqlExecutions,omitempty"`
}

// Job states.
const (
	JobRunning   = "RUNNING"
	JobSucceeded = "SUCCEEDED"
	JobFailed    = "FAILED"
	// JobCancelled is a job Spark ended FAILED because it was cancelled (cancel.go: cancelledBySpark).
	JobCancelled = "CANCELLED"
)

// Job is one Spark job with its stages.
type Job struct {
	AppID              string  `json:"appId"`
	JobID              int     `json:"jobId"`
	Name               string  `json:"name"`
	Description        *string `json:"description"`
	JobGroup           *string `json:"jobGroup"`
	CellID             *string `json:"cellId"`
	SQLExecutionID     *int64  `json:"sqlExecutionId"`
	Status             string  `json:"status"`
	SubmissionTime     int64   `json:"submissionTime"`
	CompletionTime     *int64  `json:"completionTime"`
	Error              *string `json:"error"`
	NumStages          int     `json:"numStages"`
	NumCompletedStages int     `json:"numCompletedStages"`
	NumSkippedStages   int     `json:"numSkippedStages"`
	NumFailedStages    int     `json:"numFailedStages"`
	NumActiveStages    int     `json:"numActiveStages"`
	NumTasks           int     `json:"numTasks"`
	NumCompletedTasks  int     `json:"numCompletedTasks"`
	NumActiveTasks     int     `json:"numActiveTasks"`
	NumFailedTasks     int     `json:"numFailedTasks"`
	NumKilledTasks     int     `json:"numKilledTasks"`
	NumSkippedTasks    int     `json:"numSkippedTasks"`
	Stages             []Stage `json:"stages"`
	// Failures groups the job's failed tasks by reason (bounded).
	Failures []FailureReason `json:"failures"`
	// Hints say what the data shows about the job's stages (hints.go).
	Hints []Hint `json:"hints"`
	// KernelID and NotebookPath: the notebook of a Spark Connect client's job (from its tags); empty: the app's.
	KernelID     string `json:"kernelId,omitempty"`
	NotebookPath string `json:"notebookPath,omitempty"`
}

// Stage states.
const (
	StagePending  = "PENDING"
	StageActive   = "ACTIVE"
	StageComplete = "COMPLETE"
	StageFailed   = "FAILED"
	StageSkipped  = "SKIPPED"
)

// Stage is the latest attempt of one stage.
type Stage struct {
	StageID           int     `json:"stageId"`
	AttemptID         int     `json:"attemptId"`
	Name              string  `json:"name"`
	Status            string  `json:"status"`
	NumTasks          int     `json:"numTasks"`
	NumCompletedTasks int     `json:"numCompletedTasks"`
	NumActiveTasks    int     `json:"numActiveTasks"`
	NumFailedTasks    int     `json:"numFailedTasks"`
	NumKilledTasks    int     `json:"numKilledTasks"`
	SubmissionTime    *int64  `json:"submissionTime"`
	CompletionTime    *int64  `json:"completionTime"`
	FailureReason     *string `json:"failureReason"`
	StageMetrics
	// TaskTime summarises the durations of the attempt's successful tasks; nil before the first (tasks.go).
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

func (m *StageMetrics) add(t *event.TaskMetrics) {
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

// Update is one message to subscribers: first a snapshot (apps with jobs and SQL executions), then deltas (changed
// apps without jobs, changed jobs whole, changed SQL executions).
type Update struct {
	Type          string         `json:"type"` // "snapshot" or "delta"
	Apps          []App          `json:"apps"`
	Jobs          []Job          `json:"jobs,omitempty"`
	SQLExecutions []SQLExecution `json:"sqlExecutions,omitempty"`
}
