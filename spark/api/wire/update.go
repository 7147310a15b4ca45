package wire

// UpdateType says whether an update is a snapshot or a delta.
type UpdateType = string

// Update types.
const (
	UpdateSnapshot UpdateType = "snapshot"
	UpdateDelta    UpdateType = "delta"
)

// Update is one WebSocket message (api/ws): first a snapshot (apps with jobs and SQL executions), then deltas
// (changed apps without jobs, changed jobs whole, changed SQL executions).
type Update struct {
	Type          UpdateType     `json:"type"`
	Apps          []App          `json:"apps"`
	Jobs          []Job          `json:"jobs,omitempty"`
	SQLExecutions []SQLExecution `json:"sqlExecutions,omitempty"`
	// StreamingQueries: changed streaming queries, whole (in snapshots: in each app).
	StreamingQueries []StreamingQuery `json:"streamingQueries,omitempty"`
}
