package wire

// WaitKind is why nothing moves in a running cell (API.md § Waits).
type WaitKind = string

// Wait kinds.
const (
	// WaitResources: tasks are pending and no core is free for them (no executor yet, or every core busy).
	WaitResources WaitKind = "resources"
	// WaitStraggler: one task of the stage is left; every other task finished.
	WaitStraggler WaitKind = "straggler"
	// WaitRetry: the stage runs again (attempt > 0) because a shuffle's output was lost (a fetch failure).
	WaitRetry WaitKind = "retry"
	// WaitDriver: every stage of the job is done but the job has not ended: the driver collects the result.
	WaitDriver WaitKind = "driver"
	// WaitPython: the cell runs and none of its Spark jobs does: the time goes to Python (or another client).
	WaitPython WaitKind = "python"
	// WaitTasks: tasks are running, none ended lately, none is pending (long tasks).
	WaitTasks WaitKind = "tasks"
)

// CellWaits answers GET api/cells/{cellId}/waits: why nothing moves in the cell, and its slow running tasks.
type CellWaits struct {
	CellID string `json:"cellId"`
	// Wait is null while something moves (a task started or ended within StallAfterMs) or the cell runs no Spark.
	Wait *Wait `json:"wait"`
	// SlowTasks are running tasks slower than SlowTaskRatio × their stage's median (at most 10, slowest first).
	SlowTasks    []SlowTask `json:"slowTasks"`
	StallAfterMs int64      `json:"stallAfterMs"`
}

// Wait says why nothing moved in the cell since Since.
type Wait struct {
	Kind    WaitKind `json:"kind"`
	Message string   `json:"message"` // one sentence with Spark's figures
	Advice  string   `json:"advice"`  // what to do about it, in plain words
	AppID   string   `json:"appId"`
	Since   int64    `json:"since"` // epoch ms: the last progress (task start or end, job or stage start or end)
	JobID   *int     `json:"jobId"`
	StageID *int     `json:"stageId"`
	// StageAttemptID is the stage's attempt (WaitRetry: > 0).
	StageAttemptID *int `json:"stageAttemptId"`
	// TasksPending: the job's active stages' tasks not yet started; CoresFree = CoresTotal − running tasks.
	TasksPending int `json:"tasksPending"`
	TasksRunning int `json:"tasksRunning"`
	CoresFree    int `json:"coresFree"`
	CoresTotal   int `json:"coresTotal"`
	Executors    int `json:"executors"`
	// Task is the straggler (WaitStraggler), else null.
	Task *SlowTask `json:"task"`
}

// SlowTask is a running task and how long it runs against its stage attempt's median.
type SlowTask struct {
	AppID          string `json:"appId"`
	StageID        int    `json:"stageId"`
	StageAttemptID int    `json:"stageAttemptId"`
	TaskID         int64  `json:"taskId"`
	Index          int    `json:"index"`
	Attempt        int    `json:"attempt"`
	ExecutorID     string `json:"executorId"`
	Host           string `json:"host"`
	RunningMs      int64  `json:"runningMs"`
	// MedianMs: the median duration of the stage attempt's successful tasks (-1: none finished yet).
	MedianMs int64 `json:"medianMs"`
}
