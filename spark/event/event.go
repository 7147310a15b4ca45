// Package event is the listener wire schema (PROTOCOL.md): the frame types the Spark listener sends, and Decode.
package event

// ProtocolVersion is the version this monitor speaks; the listener's hello must carry it.
const ProtocolVersion = 1

// MaxFrameBytes bounds one NDJSON frame; a longer line is a protocol error.
const MaxFrameBytes = 1 << 20

// Event is one decoded frame. Its concrete type is one of the pointer types below.
type Event interface{ header() *Header }

// Header holds the fields every event frame carries.
type Header struct {
	Type string `json:"type"`
	Seq  int64  `json:"seq"`
	Time int64  `json:"time"`
}

func (h *Header) header() *Header { return h }

// Hello is the first frame of every listener connection.
type Hello struct {
	Header
	Protocol     int     `json:"protocol"`
	Secret       string  `json:"secret"`
	AppID        string  `json:"appId"`
	AttemptID    *string `json:"attemptId"`
	AppName      string  `json:"appName"`
	SparkVersion string  `json:"sparkVersion"`
	ScalaVersion string  `json:"scalaVersion"`
	SparkUser    string  `json:"sparkUser"`
	Master       string  `json:"master"`
	UIURL        *string `json:"uiUrl"`
	KernelID     string  `json:"kernelId"`
	NotebookPath string  `json:"notebookPath"`
	PID          int64   `json:"pid"`
	StartTime    int64   `json:"startTime"`
	Connection   int     `json:"connection"`
	// KillEnabled is Spark's spark.ui.killEnabled; nil (absent) means true.
	KillEnabled *bool `json:"killEnabled"`
}

// CanKill reports whether the listener accepts cancel frames (spark.ui.killEnabled, true when absent).
func (h *Hello) CanKill() bool { return h.KillEnabled == nil || *h.KillEnabled }

// AppStart is Spark's SparkListenerApplicationStart.
type AppStart struct {
	Header
	AppID     string  `json:"appId"`
	AttemptID *string `json:"attemptId"`
	AppName   string  `json:"appName"`
	SparkUser string  `json:"sparkUser"`
}

// AppEnd is Spark's SparkListenerApplicationEnd.
type AppEnd struct{ Header }

// StageInfo describes one stage of a job at job start.
type StageInfo struct {
	StageID        int    `json:"stageId"`
	AttemptID      int    `json:"attemptId"`
	Name           string `json:"name"`
	NumTasks       int    `json:"numTasks"`
	ParentIDs      []int  `json:"parentIds"`
	CompletionTime *int64 `json:"completionTime"`
}

// JobStart is Spark's SparkListenerJobStart with the job properties we use.
type JobStart struct {
	Header
	JobID          int         `json:"jobId"`
	Name           string      `json:"name"`
	Description    *string     `json:"description"`
	JobGroup       *string     `json:"jobGroup"`
	JobTags        []string    `json:"jobTags"`
	CellID         *string     `json:"cellId"`
	SQLExecutionID *int64      `json:"sqlExecutionId"`
	Stages         []StageInfo `json:"stages"`
	// KernelID and NotebookPath name the notebook of a Spark Connect operation's job (its job tags); empty: the app's.
	KernelID     string `json:"kernelId"`
	NotebookPath string `json:"notebookPath"`
	// RunningCell is the cell the app's kernel was running when Spark started the job (the kernel hook's marks), or
	// nil: no cell was running, or the kernel has no hook.
	RunningCell *string `json:"runningCell"`
	// StreamQueryID is the Structured Streaming query whose micro-batch ran the job (Spark's local property
	// sql.streaming.queryId), or nil.
	StreamQueryID *string `json:"streamQueryId,omitempty"`
	// CellLine and CellLineText name the cell line that started the job (the kernel hook's sparkmonitor.line, in
	// PROTOCOL.md "Cell line"): the line number (1 for the first) and its source; nil when unknown.
	CellLine     *int    `json:"cellLine"`
	CellLineText *string `json:"cellLineText"`
}

// JobEnd is Spark's SparkListenerJobEnd.
type JobEnd struct {
	Header
	JobID  int     `json:"jobId"`
	Result string  `json:"result"` // SUCCEEDED or FAILED
	Error  *string `json:"error"`
}

// StageSubmitted is Spark's SparkListenerStageSubmitted.
type StageSubmitted struct {
	Header
	StageID   int    `json:"stageId"`
	AttemptID int    `json:"attemptId"`
	Name      string `json:"name"`
	NumTasks  int    `json:"numTasks"`
	ParentIDs []int  `json:"parentIds"`
}

// StageCompleted is Spark's SparkListenerStageCompleted.
type StageCompleted struct {
	Header
	StageID       int     `json:"stageId"`
	AttemptID     int     `json:"attemptId"`
	Status        string  `json:"status"` // COMPLETE or FAILED
	FailureReason *string `json:"failureReason"`
	NumTasks      int     `json:"numTasks"`
}

// TaskStart is Spark's SparkListenerTaskStart.
type TaskStart struct {
	Header
	StageID        int    `json:"stageId"`
	StageAttemptID int    `json:"stageAttemptId"`
	TaskID         int64  `json:"taskId"`
	Index          int    `json:"index"`
	Attempt        int    `json:"attempt"`
	ExecutorID     string `json:"executorId"`
	Host           string `json:"host"`
	Speculative    bool   `json:"speculative"`
}

// TaskMetrics are the task metrics the listener forwards.
type TaskMetrics struct {
	ExecutorRunTime     int64 `json:"executorRunTime"`
	ExecutorCPUTime     int64 `json:"executorCpuTime"`
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
	JVMGCTime           int64 `json:"jvmGcTime"`
	ResultSize          int64 `json:"resultSize"`
}

// TaskEnd is Spark's SparkListenerTaskEnd.
type TaskEnd struct {
	Header
	StageID        int          `json:"stageId"`
	StageAttemptID int          `json:"stageAttemptId"`
	TaskID         int64        `json:"taskId"`
	Index          int          `json:"index"`
	Attempt        int          `json:"attempt"`
	ExecutorID     string       `json:"executorId"`
	Host           string       `json:"host"`
	LaunchTime     int64        `json:"launchTime"`
	Status         string       `json:"status"` // SUCCESS, FAILED or KILLED
	Reason         *string      `json:"reason"`
	Metrics        *TaskMetrics `json:"metrics"`
}

// SQLStart is Spark's SparkListenerSQLExecutionStart: a SQL or DataFrame query began.
type SQLStart struct {
	Header
	ExecutionID     int64  `json:"executionId"`
	RootExecutionID *int64 `json:"rootExecutionId"`
	Description     string `json:"description"` // the query text or the call site, at most MaxDescription bytes
}

// SQLEnd is Spark's SparkListenerSQLExecutionEnd.
type SQLEnd struct {
	Header
	ExecutionID int64   `json:"executionId"`
	Error       *string `json:"error"` // non-null: the query failed
}

// ExecutorAdded is Spark's SparkListenerExecutorAdded.
type ExecutorAdded struct {
	Header
	ExecutorID string `json:"executorId"`
	Host       string `json:"host"`
	Cores      int    `json:"cores"`
}

// ExecutorRemoved is Spark's SparkListenerExecutorRemoved.
type ExecutorRemoved struct {
	Header
	ExecutorID string `json:"executorId"`
	Reason     string `json:"reason"`
}

// Stats reports the listener's own queue.
type Stats struct {
	Header
	Queued  int64 `json:"queued"`
	Dropped int64 `json:"dropped"`
}

// ResyncStage is a stage attempt's counts sent after a reconnect: an active stage (Status ACTIVE) or one that completed
// (COMPLETE or FAILED, with its final counts and CompletionTime).
type ResyncStage struct {
	StageID           int    `json:"stageId"`
	AttemptID         int    `json:"attemptId"`
	Name              string `json:"name"`
	NumTasks          int    `json:"numTasks"`
	NumCompletedTasks int    `json:"numCompletedTasks"`
	NumFailedTasks    int    `json:"numFailedTasks"`
	NumActiveTasks    int    `json:"numActiveTasks"`
	NumKilledTasks    int    `json:"numKilledTasks"`
	Status            string `json:"status"`
	CompletionTime    *int64 `json:"completionTime"`
}

// ResyncJob is a job that ended before the reconnect, as the listener remembers it: its jobStart (Header.Time is the
// submission time) and its end.
type ResyncJob struct {
	JobStart
	Result         string  `json:"result"` // SUCCEEDED or FAILED
	Error          *string `json:"error"`
	CompletionTime int64   `json:"completionTime"`
}

// Resync describes what the listener knows after a reconnect (a restarted monitor rebuilds its state from it).
type Resync struct {
	Header
	// Jobs are the live jobs (Header.Time is each one's submission time).
	Jobs []JobStart `json:"jobs"`
	// FinishedJobs are the most recent ended jobs (bounded by the listener), oldest last.
	FinishedJobs []ResyncJob `json:"finishedJobs"`
	// Stages are the active stage attempts and the most recent completed ones.
	Stages    []ResyncStage   `json:"stages"`
	Executors []ExecutorAdded `json:"executors"`
	// SQLExecutions are the running SQL executions; Header.Time is each one's start time.
	SQLExecutions []SQLStart `json:"sqlExecutions"`
}

// Unknown is a frame of a type this monitor does not know (a newer listener); it is skipped, not an error.
type Unknown struct{ Header }
