package history

// The Spark event-log JSON: one struct per event, with JsonProtocol's field names (SQL events: Jackson's). The writer
// (encode.go) marshals them and the reader (replay.go) unmarshals them, so each field is named once. Members that
// Spark's History Server requires and the monitor does not know are written empty and skipped when read (emptyObject,
// emptyArray, emptyString). Pointers tell a member that is absent from one that is zero: required ones (an event
// without "Job ID" is an error) and ones the writer leaves out (omitempty).

// Spark's event names (JsonProtocol's "Event" field). SQL events are serialized by Jackson under their class name.
const (
	evLogStart        = "SparkListenerLogStart"
	evAppStart        = "SparkListenerApplicationStart"
	evAppEnd          = "SparkListenerApplicationEnd"
	evEnvUpdate       = "SparkListenerEnvironmentUpdate"
	evExecutorAdded   = "SparkListenerExecutorAdded"
	evExecutorRemoved = "SparkListenerExecutorRemoved"
	evJobStart        = "SparkListenerJobStart"
	evJobEnd          = "SparkListenerJobEnd"
	evStageSubmitted  = "SparkListenerStageSubmitted"
	evStageCompleted  = "SparkListenerStageCompleted"
	evTaskStart       = "SparkListenerTaskStart"
	evTaskEnd         = "SparkListenerTaskEnd"
	evSQLStart        = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart"
	evSQLEnd          = "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd"
)

type sparkLogStart struct {
	Event        string `json:"Event"`
	SparkVersion string `json:"Spark Version"`
}

type sparkAppStart struct {
	Event     string  `json:"Event"`
	AppName   string  `json:"App Name"`
	AppID     string  `json:"App ID"`
	Timestamp int64   `json:"Timestamp"`
	User      string  `json:"User"`
	AttemptID *string `json:"App Attempt ID,omitempty"`
}

// sparkTimestamped is the application's end, and the monitor's driver-lost mark (marks.go).
type sparkTimestamped struct {
	Event     string `json:"Event"`
	Timestamp int64  `json:"Timestamp"`
}

type sparkEnvUpdate struct {
	Event             string            `json:"Event"`
	JVMInformation    map[string]string `json:"JVM Information"`
	SparkProperties   map[string]string `json:"Spark Properties"`
	HadoopProperties  emptyObject       `json:"Hadoop Properties"`
	SystemProperties  emptyObject       `json:"System Properties"`
	MetricsProperties emptyObject       `json:"Metrics Properties"`
	ClasspathEntries  emptyObject       `json:"Classpath Entries"`
}

type sparkExecutorAdded struct {
	Event      string             `json:"Event"`
	Timestamp  int64              `json:"Timestamp"`
	ExecutorID string             `json:"Executor ID"`
	Info       *sparkExecutorInfo `json:"Executor Info"`
}

type sparkExecutorInfo struct {
	Host              string      `json:"Host"`
	TotalCores        int         `json:"Total Cores"`
	LogURLs           emptyObject `json:"Log Urls"`
	Attributes        emptyObject `json:"Attributes"`
	Resources         emptyObject `json:"Resources"`
	ResourceProfileID int         `json:"Resource Profile Id"`
}

type sparkExecutorRemoved struct {
	Event         string `json:"Event"`
	Timestamp     int64  `json:"Timestamp"`
	ExecutorID    string `json:"Executor ID"`
	RemovedReason string `json:"Removed Reason"`
}

type sparkJobStart struct {
	Event          string            `json:"Event"`
	JobID          *int              `json:"Job ID"`
	SubmissionTime int64             `json:"Submission Time"`
	StageInfos     []sparkStage      `json:"Stage Infos"`
	StageIDs       []int             `json:"Stage IDs"`
	Properties     map[string]string `json:"Properties"`
}

type sparkJobEnd struct {
	Event          string          `json:"Event"`
	JobID          *int            `json:"Job ID"`
	CompletionTime int64           `json:"Completion Time"`
	JobResult      *sparkJobResult `json:"Job Result"`
}

type sparkJobResult struct {
	Result    string          `json:"Result"` // JobSucceeded or JobFailed
	Exception *sparkException `json:"Exception,omitempty"`
}

type sparkException struct {
	Message    string     `json:"Message"`
	StackTrace emptyArray `json:"Stack Trace"`
}

// sparkStageEvent is a stage's submission (with its job's properties, not read) or completion.
type sparkStageEvent struct {
	Event      string       `json:"Event"`
	StageInfo  *sparkStage  `json:"Stage Info"`
	Properties *emptyObject `json:"Properties,omitempty"`
}

type sparkStage struct {
	StageID           *int        `json:"Stage ID"`
	AttemptID         int         `json:"Stage Attempt ID"`
	Name              string      `json:"Stage Name"`
	NumTasks          int         `json:"Number of Tasks"`
	RDDInfo           emptyArray  `json:"RDD Info"`
	ParentIDs         []int       `json:"Parent IDs"`
	Details           emptyString `json:"Details"`
	SubmissionTime    *int64      `json:"Submission Time,omitempty"`
	CompletionTime    *int64      `json:"Completion Time,omitempty"`
	FailureReason     *string     `json:"Failure Reason,omitempty"`
	Accumulables      emptyArray  `json:"Accumulables"`
	ResourceProfileID int         `json:"Resource Profile Id"`
}

// sparkTaskEvent is a task's start (Stage ID, Stage Attempt ID, Task Info) or end (all of them).
type sparkTaskEvent struct {
	Event          string        `json:"Event"`
	StageID        *int          `json:"Stage ID"`
	StageAttemptID int           `json:"Stage Attempt ID"`
	TaskType       string        `json:"Task Type,omitempty"` // ResultTask or ShuffleMapTask
	Reason         *sparkReason  `json:"Task End Reason,omitempty"`
	TaskInfo       *sparkTask    `json:"Task Info"`
	Metrics        *sparkMetrics `json:"Task Metrics,omitempty"`
}

type sparkTask struct {
	TaskID            int64      `json:"Task ID"`
	Index             int        `json:"Index"`
	Attempt           int        `json:"Attempt"`
	PartitionID       int        `json:"Partition ID"`
	LaunchTime        int64      `json:"Launch Time"`
	ExecutorID        string     `json:"Executor ID"`
	Host              string     `json:"Host"`
	Locality          string     `json:"Locality"`
	Speculative       bool       `json:"Speculative"`
	GettingResultTime int64      `json:"Getting Result Time"`
	FinishTime        int64      `json:"Finish Time"` // 0: running
	Failed            bool       `json:"Failed"`
	Killed            bool       `json:"Killed"`
	Accumulables      emptyArray `json:"Accumulables"`
}

// sparkReason is Spark's TaskEndReason. The monitor writes Success, TaskKilled and ExceptionFailure, each with the
// members Spark requires of it; it reads those and ExecutorLostFailure, FetchFailed, TaskCommitDenied, Resubmitted.
type sparkReason struct {
	Reason             string      `json:"Reason"`
	KillReason         *string     `json:"Kill Reason,omitempty"`
	ClassName          *string     `json:"Class Name,omitempty"`
	Description        *string     `json:"Description,omitempty"`
	StackTrace         *emptyArray `json:"Stack Trace,omitempty"`
	FullStackTrace     *string     `json:"Full Stack Trace,omitempty"`
	AccumulatorUpdates *emptyArray `json:"Accumulator Updates,omitempty"`
	ExecutorID         string      `json:"Executor ID,omitempty"`
	LossReason         string      `json:"Loss Reason,omitempty"`
	Message            string      `json:"Message,omitempty"`
}

type sparkMetrics struct {
	ExecutorDeserializeTime    int64             `json:"Executor Deserialize Time"`
	ExecutorDeserializeCPUTime int64             `json:"Executor Deserialize CPU Time"`
	ExecutorRunTime            int64             `json:"Executor Run Time"`
	ExecutorCPUTime            int64             `json:"Executor CPU Time"`
	PeakExecutionMemory        int64             `json:"Peak Execution Memory"`
	ResultSize                 int64             `json:"Result Size"`
	JVMGCTime                  int64             `json:"JVM GC Time"`
	ResultSerializationTime    int64             `json:"Result Serialization Time"`
	MemoryBytesSpilled         int64             `json:"Memory Bytes Spilled"`
	DiskBytesSpilled           int64             `json:"Disk Bytes Spilled"`
	ShuffleRead                sparkShuffleRead  `json:"Shuffle Read Metrics"`
	ShuffleWrite               sparkShuffleWrite `json:"Shuffle Write Metrics"`
	Input                      sparkInput        `json:"Input Metrics"`
	Output                     sparkOutput       `json:"Output Metrics"`
	UpdatedBlocks              emptyArray        `json:"Updated Blocks"`
}

type sparkShuffleRead struct {
	RemoteBlocksFetched   int64 `json:"Remote Blocks Fetched"`
	LocalBlocksFetched    int64 `json:"Local Blocks Fetched"`
	FetchWaitTime         int64 `json:"Fetch Wait Time"`
	RemoteBytesRead       int64 `json:"Remote Bytes Read"`
	RemoteBytesReadToDisk int64 `json:"Remote Bytes Read To Disk"`
	LocalBytesRead        int64 `json:"Local Bytes Read"`
	TotalRecordsRead      int64 `json:"Total Records Read"`
}

type sparkShuffleWrite struct {
	BytesWritten   int64 `json:"Shuffle Bytes Written"`
	WriteTime      int64 `json:"Shuffle Write Time"`
	RecordsWritten int64 `json:"Shuffle Records Written"`
}

type sparkInput struct {
	BytesRead   int64 `json:"Bytes Read"`
	RecordsRead int64 `json:"Records Read"`
}

type sparkOutput struct {
	BytesWritten   int64 `json:"Bytes Written"`
	RecordsWritten int64 `json:"Records Written"`
}

type sparkSQLStart struct {
	Event                   string        `json:"Event"`
	ExecutionID             *int64        `json:"executionId"`
	RootExecutionID         *int64        `json:"rootExecutionId,omitempty"`
	Description             string        `json:"description"`
	Details                 emptyString   `json:"details"`
	PhysicalPlanDescription emptyString   `json:"physicalPlanDescription"`
	SparkPlanInfo           sparkPlanInfo `json:"sparkPlanInfo"`
	Time                    int64         `json:"time"`
	ModifiedConfigs         emptyObject   `json:"modifiedConfigs"`
	JobTags                 emptyArray    `json:"jobTags"`
}

type sparkPlanInfo struct {
	NodeName     emptyString `json:"nodeName"`
	SimpleString emptyString `json:"simpleString"`
	Children     emptyArray  `json:"children"`
	Metadata     emptyObject `json:"metadata"`
	Metrics      emptyArray  `json:"metrics"`
}

type sparkSQLEnd struct {
	Event        string  `json:"Event"`
	ExecutionID  *int64  `json:"executionId"`
	Time         int64   `json:"time"`
	ErrorMessage *string `json:"errorMessage,omitempty"`
}

// Members the monitor writes empty and never reads: Spark's own logs fill them (plans of megabytes, accumulables,
// resources), and reading skips them whatever they hold.
type (
	emptyObject struct{}
	emptyArray  struct{}
	emptyString struct{}
)

var (
	jsonEmptyObject = []byte(`{}`)
	jsonEmptyArray  = []byte(`[]`)
	jsonEmptyString = []byte(`""`)
)

func (emptyObject) MarshalJSON() ([]byte, error) { return jsonEmptyObject, nil }
func (emptyArray) MarshalJSON() ([]byte, error)  { return jsonEmptyArray, nil }
func (emptyString) MarshalJSON() ([]byte, error) { return jsonEmptyString, nil }

func (*emptyObject) UnmarshalJSON([]byte) error { return nil }
func (*emptyArray) UnmarshalJSON([]byte) error  { return nil }
func (*emptyString) UnmarshalJSON([]byte) error { return nil }
