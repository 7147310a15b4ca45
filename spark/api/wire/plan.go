package wire

// The live SQL query plan (API.md "SQL plan"): GET api/apps/{appId}/sql/{executionId}/plan. spark/plan builds the
// graph in these types from the listener's plan frame (or Spark's REST API's shape).

// PlanMetricKind is what a SQL metric's value measures, read from the unit Spark printed it with.
type PlanMetricKind = string

// Metric kinds (spark/plan.ParseValue reads them from the unit).
const (
	PlanCount PlanMetricKind = "count" // a number of rows, files, partitions… ("1,000")
	PlanBytes PlanMetricKind = "bytes" // a size ("2027.9 KiB"), in bytes
	PlanTime  PlanMetricKind = "ms"    // a duration ("1.8 s"), in milliseconds
)

// SQLPlan is a SQL execution's physical plan with its metrics as the listener last read them, and how fresh it is.
type SQLPlan struct {
	PlanGraph
	AppID string `json:"appId"`
	// Running: the execution had not ended when the monitor last heard of it; the plan changes while it runs (AQE
	// re-plans it: node ids change) and the monitor asks the listener for a new one at most once a second while
	// someone fetches this endpoint.
	Running bool `json:"running"`
	// Final: the plan was read after the execution ended (its metrics are Spark's final ones).
	Final bool `json:"final"`
	// UpdatedMs: when the listener read the plan (the driver's clock, ms since the epoch).
	UpdatedMs int64 `json:"updatedMs"`
	// Truncated: the listener cut the plan to its bounds (5 000 operators, 64 metrics each, 900 KiB).
	Truncated bool `json:"truncated"`
}

// PlanGraph is a query's plan as the cell monitor draws it (spark/plan.Build).
type PlanGraph struct {
	ID int64 `json:"id"`
	// Status: the execution's status (RUNNING, COMPLETED, FAILED).
	Status SQLStatus  `json:"status"`
	Nodes  []PlanNode `json:"nodes"`
	Edges  []PlanEdge `json:"edges"`
	TimeMs float64    `json:"timeMs"` // the query's time: the sum of the operators' times
	Top    []int64    `json:"top"`    // the ids of the (at most 3) operators with the most time, most first
}

// PlanNode is one operator, or one whole-stage-codegen cluster.
type PlanNode struct {
	ID      int64        `json:"id"`
	Name    string       `json:"name"`
	Cluster int64        `json:"cluster"` // the codegen cluster it runs in (0: none); for a cluster node, its own number
	Metrics []PlanMetric `json:"metrics"`
	Rows    *int64       `json:"rows"`   // "number of output rows", when Spark reports it
	TimeMs  float64      `json:"timeMs"` // the time attributed to it
	Share   float64      `json:"share"`  // TimeMs over the query's time
	// Stages are the stages its metrics name (where each metric's slowest task ran), ascending.
	Stages []int64 `json:"stages"`
}

// PlanEdge is a data flow from one operator to the one that reads its output.
type PlanEdge struct {
	FromID int64 `json:"fromId"`
	ToID   int64 `json:"toId"`
}

// PlanMetric is one SQL metric of an operator: Spark's text, and its figures when the text is one of Spark's forms.
type PlanMetric struct {
	Name  string     `json:"name"`
	Text  string     `json:"text"`
	Value *PlanValue `json:"value"`
}

// PlanValue is a metric's figures (spark/plan.ParseValue): one figure, or a total with its distribution over tasks.
// Figures are in the kind's unit (bytes, milliseconds).
type PlanValue struct {
	Kind     PlanMetricKind `json:"kind"`
	Total    float64        `json:"total"`    // the sum over tasks; for an average (hasTotal false), the maximum
	HasTotal bool           `json:"hasTotal"` // false for averages, which Spark prints without a total
	// Dist: Spark printed the distribution over tasks: min, median and max, and the stage attempt and task of the max
	// (maxStage -1 when Spark names the driver).
	Dist       bool    `json:"dist"`
	Min        float64 `json:"min"`
	Med        float64 `json:"med"`
	Max        float64 `json:"max"`
	MaxStage   int64   `json:"maxStage"`
	MaxAttempt int64   `json:"maxAttempt"`
	MaxTask    int64   `json:"maxTask"`
}
