package history

// The Spark event-log JSON that Replay reads (JsonProtocol's field names; SQL events by Jackson's).

// sparkLine holds the fields of every Spark event the monitor reads (JsonProtocol's names).
type sparkLine struct {
	Event string `json:"Event"`
	// log start, application start and end, environment
	SparkVersion    string            `json:"Spark Version"`
	AppName         string            `json:"App Name"`
	AppID           string            `json:"App ID"`
	AttemptID       *string           `json:"App Attempt ID"`
	User            string            `json:"User"`
	Timestamp       int64             `json:"Timestamp"`
	SparkProperties map[string]string `json:"Spark Properties"`
	JVMInformation  map[string]string `json:"JVM Information"`
	ExecutorID      string            `json:"Executor ID"`
	RemovedReason   string            `json:"Removed Reason"`
	ExecutorInfo    *struct {
		Host       string `json:"Host"`
		TotalCores int    `json:"Total Cores"`
	} `json:"Executor Info"`
	// jobs
	JobID          *int              `json:"Job ID"`
	SubmissionTime int64             `json:"Submission Time"`
	CompletionTime int64             `json:"Completion Time"`
	StageInfos     []sparkStage      `json:"Stage Infos"`
	Properties     map[string]string `json:"Properties"`
	JobResult      *struct {
		Result    string `json:"Result"`
		Exception *struct {
			Message string `json:"Message"`
		} `json:"Exception"`
	} `json:"Job Result"`
	// stages and tasks
	StageInfo      *sparkStage   `json:"Stage Info"`
	StageID        *int          `json:"Stage ID"`
	StageAttemptID int           `json:"Stage Attempt ID"`
	TaskInfo       *sparkTask    `json:"Task Info"`
	Reason         *sparkReason  `json:"Task End Reason"`
	Metrics        *sparkMetrics `json:"Task Metrics"`
	// SQL executions (Jackson's names)
	ExecutionID     *int64  `json:"executionId"`
	RootExecutionID *int64  `json:"rootExecutionId"`
	Description     string  `json:"description"`
	Time            int64   `json:"time"`
	ErrorMessage    *string `json:"errorMessage"`
}

type sparkStage struct {
	StageID        *int    `json:"Stage ID"`
	AttemptID      int     `json:"Stage Attempt ID"`
	Name           string  `json:"Stage Name"`
	NumTasks       int     `json:"Number of Tasks"`
	ParentIDs      []int   `json:"Parent IDs"`
	SubmissionTime *int64  `json:"Submission Time"`
	CompletionTime *int64  `json:"Completion Time"`
	FailureReason  *string `json:"Failure Reason"`
}

type sparkTask struct {
	TaskID      int64  `json:"Task ID"`
	Index       int    `json:"Index"`
	Attempt     int    `json:"Attempt"`
	LaunchTime  int64  `json:"Launch Time"`
	FinishTime  int64  `json:"Finish Time"`
	ExecutorID  string `json:"Executor ID"`
	Host        string `json:"Host"`
	Speculative bool   `json:"Speculative"`
}

type sparkReason struct {
	Reason         string `json:"Reason"`
	KillReason     string `json:"Kill Reason"`
	ClassName      string `json:"Class Name"`
	Description    string `json:"Description"`
	FullStackTrace string `json:"Full Stack Trace"`
	ExecutorID     string `json:"Executor ID"`
	LossReason     string `json:"Loss Reason"`
	Message        string `json:"Message"`
}

type sparkMetrics struct {
	ExecutorRunTime    int64 `json:"Executor Run Time"`
	ExecutorCPUTime    int64 `json:"Executor CPU Time"`
	ResultSize         int64 `json:"Result Size"`
	JVMGCTime          int64 `json:"JVM GC Time"`
	MemoryBytesSpilled int64 `json:"Memory Bytes Spilled"`
	DiskBytesSpilled   int64 `json:"Disk Bytes Spilled"`
	ShuffleRead        struct {
		RemoteBytesRead  int64 `json:"Remote Bytes Read"`
		LocalBytesRead   int64 `json:"Local Bytes Read"`
		TotalRecordsRead int64 `json:"Total Records Read"`
	} `json:"Shuffle Read Metrics"`
	ShuffleWrite struct {
		BytesWritten   int64 `json:"Shuffle Bytes Written"`
		RecordsWritten int64 `json:"Shuffle Records Written"`
	} `json:"Shuffle Write Metrics"`
	Input struct {
		BytesRead   int64 `json:"Bytes Read"`
		RecordsRead int64 `json:"Records Read"`
	} `json:"Input Metrics"`
	Output struct {
		BytesWritten   int64 `json:"Bytes Written"`
		RecordsWritten int64 `json:"Records Written"`
	} `json:"Output Metrics"`
}
