package wire

// Timeline (api/timeline) is what the timeline and executors charts of one cell show.
type Timeline struct {
	CellID string        `json:"cellId"`
	Apps   []TimelineApp `json:"apps"` // the apps that ran jobs of this cell
}

// TimelineApp is the part of one application that ran jobs of the cell.
type TimelineApp struct {
	AppID  string          `json:"appId"`
	Start  int64           `json:"start"` // the first job's submission
	End    *int64          `json:"end"`   // the last job's completion; null while one runs
	Jobs   []TimelineJob   `json:"jobs"`
	Stages []TimelineStage `json:"stages"`
	// Tasks: at most maxTasks: all running tasks, then a uniform sample of finished ones.
	Tasks    []TaskSpan `json:"tasks"`
	NumTasks int        `json:"numTasks"` // tasks started by these jobs (exact)
	Sampled  bool       `json:"sampled"`  // tasks holds fewer than numTasks
	// Executors: the lanes: every executor seen alive during [start, end] (the driver in local mode), at most 1000.
	Executors []TimelineExecutor `json:"executors"`
	// Activity: a step series over [start, end ?? now], at most 500 points.
	Activity []ActivityPoint `json:"activity"`
}

// TimelineJob is one job bar.
type TimelineJob struct {
	JobID  int       `json:"jobId"`
	Name   string    `json:"name"`
	Status JobStatus `json:"status"`
	Start  int64     `json:"start"`
	End    *int64    `json:"end"`
}

// TimelineStage is one stage attempt bar, under the first of the cell's jobs it belongs to.
type TimelineStage struct {
	StageID   int         `json:"stageId"`
	AttemptID int         `json:"attemptId"`
	JobID     int         `json:"jobId"`
	Name      string      `json:"name"`
	Status    StageStatus `json:"status"`
	Start     *int64      `json:"start"`
	End       *int64      `json:"end"`
}

// TaskStatus is a task's status on the timeline.
type TaskStatus = string

// Task statuses.
const (
	TaskRunning TaskStatus = "RUNNING"
	TaskSuccess TaskStatus = "SUCCESS"
	TaskFailed  TaskStatus = "FAILED"
	TaskKilled  TaskStatus = "KILLED"
)

// TaskSpan is one task on the timeline.
type TaskSpan struct {
	StageID        int        `json:"stageId"`
	StageAttemptID int        `json:"stageAttemptId"`
	TaskID         int64      `json:"taskId"`
	Index          int        `json:"index"`
	Attempt        int        `json:"attempt"`
	ExecutorID     string     `json:"executorId"`
	Host           string     `json:"host"`
	Start          int64      `json:"start"`
	End            *int64     `json:"end"`
	Status         TaskStatus `json:"status"`
}

// TimelineExecutor is one executor's lane on the timeline.
type TimelineExecutor struct {
	ExecutorID    string  `json:"executorId"`
	Host          string  `json:"host"`
	Cores         int     `json:"cores"`
	AddedTime     *int64  `json:"addedTime"`
	RemovedTime   *int64  `json:"removedTime"`
	RemovedReason *string `json:"removedReason"`
}

// ActivityPoint is one step of an application's executor usage: from time on, activeTasks of cores were busy.
type ActivityPoint struct {
	Time        int64 `json:"time"`
	ActiveTasks int   `json:"activeTasks"`
	Cores       int   `json:"cores"`
}
