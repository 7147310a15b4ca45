package event

// Control frames go from the monitor to the listener on the listener's connection (PROTOCOL.md "Control frames").
// The listener ignores them when spark.ui.killEnabled is false.

// Control frame types.
const (
	ControlCancelJob   = "cancelJob"
	ControlCancelStage = "cancelStage"
	ControlCancelCell  = "cancelCell"
)

// Control is one monitor → listener frame; exactly the fields of its Type are set.
type Control struct {
	Type    string `json:"type"`
	JobID   *int   `json:"jobId,omitempty"`
	StageID *int   `json:"stageId,omitempty"`
	CellID  string `json:"cellId,omitempty"`
	Reason  string `json:"reason"`

	// ExecutionID: sqlPlan's (sqlplan.go).
	ExecutionID *int64 `json:"executionId,omitempty"`
}

// CancelJob asks the listener to call SparkContext.cancelJob(jobID, reason).
func CancelJob(jobID int, reason string) Control {
	return Control{Type: ControlCancelJob, JobID: &jobID, Reason: reason}
}

// CancelStage asks the listener to call SparkContext.cancelStage(stageID, reason).
func CancelStage(stageID int, reason string) Control {
	return Control{Type: ControlCancelStage, StageID: &stageID, Reason: reason}
}

// CancelCell asks the listener to cancel every live job whose sparkmonitor.cellId is cellID.
func CancelCell(cellID, reason string) Control {
	return Control{Type: ControlCancelCell, CellID: cellID, Reason: reason}
}
