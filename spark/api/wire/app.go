package wire

import "net/url"

// AppState is an application's state.
type AppState = string

// Application states.
const (
	AppRunning  AppState = "RUNNING"
	AppFinished AppState = "FINISHED"
	// AppDisconnected: the listener's connection was lost without an application end.
	AppDisconnected AppState = "DISCONNECTED"
)

// AppSource is where the monitor got an application from.
type AppSource = string

// Application sources.
const (
	SourceLive    AppSource = "live"    // its listener reports to this monitor process
	SourceHistory AppSource = "history" // restored at start from the monitor's history folder (a past application)
	SourceUpload  AppSource = "upload"  // replayed from an event log opened in the dashboard
)

// App is one Spark application (one driver JVM).
type App struct {
	AppID        string    `json:"appId"`
	AttemptID    *string   `json:"attemptId"`
	AppName      string    `json:"appName"`
	SparkVersion string    `json:"sparkVersion"`
	SparkUser    string    `json:"sparkUser"`
	Master       string    `json:"master"`
	UIURL        *string   `json:"uiUrl"`
	KernelID     string    `json:"kernelId"`
	NotebookPath string    `json:"notebookPath"`
	State        AppState  `json:"state"`
	Source       AppSource `json:"source"`
	StartTime    int64     `json:"startTime"` // epoch ms
	EndTime      *int64    `json:"endTime"`
	// UIPath: the Spark UI under the monitor's prefix, "ui/{appId}/"; null when the app has no UI or ended.
	UIPath           *string `json:"uiPath"`
	NumExecutors     int     `json:"numExecutors"`
	TotalCores       int     `json:"totalCores"`
	NumJobs          int     `json:"numJobs"`
	NumActiveJobs    int     `json:"numActiveJobs"`
	NumCompletedJobs int     `json:"numCompletedJobs"`
	NumFailedJobs    int     `json:"numFailedJobs"`
	// DroppedEvents: events the listener reported it had to drop (queue overflow).
	DroppedEvents int64 `json:"droppedEvents"`
	// EvictedJobs: older jobs of the application the monitor no longer holds (retention.maxJobsPerApp); numJobs and
	// jobs are what it holds.
	EvictedJobs int `json:"evictedJobs"`
	// DriverLost: the application ended without an application end: its listener went away and did not come back
	// (state FINISHED).
	DriverLost bool `json:"driverLost"`
	// CancelEnabled: the cancel buttons may be shown (not read-only, listener connected, spark.ui.killEnabled).
	CancelEnabled bool  `json:"cancelEnabled"`
	Jobs          []Job `json:"jobs,omitempty"`
	// SQLExecutions, in snapshots only: the running SQL executions and those the retained jobs belong to.
	SQLExecutions []SQLExecution `json:"sqlExecutions,omitempty"`
	// StreamingQueries, in snapshots only: the application's streaming queries (at most 50, the oldest ended ones
	// forgotten first).
	StreamingQueries []StreamingQuery `json:"streamingQueries,omitempty"`
}

// UIPath is the path of the application's Spark UI under the monitor's prefix, where spark/api serves the proxy.
func UIPath(appID string) string {
	return "ui/" + url.PathEscape(appID) + "/"
}
