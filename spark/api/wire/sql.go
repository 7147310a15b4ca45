package wire

// SQLStatus is a SQL execution's status.
type SQLStatus = string

// SQL execution statuses.
const (
	SQLRunning   SQLStatus = "RUNNING"
	SQLCompleted SQLStatus = "COMPLETED"
	SQLFailed    SQLStatus = "FAILED"
)

// SQLExecution is one SQL or DataFrame query (Spark's SQL execution); jobs name it by their sqlExecutionId.
type SQLExecution struct {
	AppID           string `json:"appId"`
	ExecutionID     int64  `json:"executionId"`
	RootExecutionID *int64 `json:"rootExecutionId"`
	// Description: the query text or Spark's description (call site), at most 4 KiB.
	Description string    `json:"description"`
	Status      SQLStatus `json:"status"`
	StartTime   int64     `json:"startTime"`
	EndTime     *int64    `json:"endTime"`
	Error       *string   `json:"error"`
	CellLine
}
