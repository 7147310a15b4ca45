package event

import (
	"errors"
	"fmt"
)

// The listener's answer to a sqlPlan control frame (PROTOCOL.md "The sqlPlan answer"): a SQL execution's physical
// plan with its metrics as they were when the listener read them, in the shape of Spark's REST API
// `sql/{id}?details=true` plus each metric's accumulator id.

// ControlSQLPlan asks the listener for a SQL execution's plan; it answers with a SQLPlan frame.
const ControlSQLPlan = "sqlPlan"

// Bounds of a sqlPlan frame (the listener's: SqlPlans.java). A frame past them is malformed.
const (
	MaxPlanNodes   = 5000
	MaxPlanMetrics = 64 // per operator
	MaxPlanEdges   = 2 * MaxPlanNodes
)

// SQLPlan is a sqlPlan frame.
type SQLPlan struct {
	Header
	ExecutionID int64      `json:"executionId"`
	Nodes       []PlanNode `json:"nodes"`
	Edges       []PlanEdge `json:"edges"`
	Truncated   bool       `json:"truncated"` // the listener cut the plan to its bounds
	// Final: read at least a second after the execution ended (its metrics are Spark's final ones).
	Final bool `json:"final"`
}

// PlanNode is one operator or codegen cluster (REST's Node).
type PlanNode struct {
	NodeID              int64        `json:"nodeId"`
	NodeName            string       `json:"nodeName"`
	WholeStageCodegenID *int64       `json:"wholeStageCodegenId"`
	Metrics             []PlanMetric `json:"metrics"`
}

// PlanMetric is one SQL metric as Spark prints it (REST's Metric) and its accumulator, which stays the same when AQE
// re-plans a running query (node ids do not).
type PlanMetric struct {
	Name          string `json:"name"`
	AccumulatorID int64  `json:"accumulatorId"`
	Value         string `json:"value"`
}

// PlanEdge is a data flow from one operator to the one that reads its output.
type PlanEdge struct {
	FromID int64 `json:"fromId"`
	ToID   int64 `json:"toId"`
}

// SQLPlanRequest asks the listener for the plan of SQL execution executionID (its reason is unused).
func SQLPlanRequest(executionID int64) Control {
	return Control{Type: ControlSQLPlan, ExecutionID: &executionID}
}

var errPlanBounds = errors.New("past the plan bounds")

// check refuses a plan past the bounds above or with a negative execution id.
func (p *SQLPlan) check() error {
	switch {
	case p.ExecutionID < 0:
		return fmt.Errorf("executionId %d is negative", p.ExecutionID)
	case len(p.Nodes) > MaxPlanNodes:
		return fmt.Errorf("%w: %d operators, at most %d", errPlanBounds, len(p.Nodes), MaxPlanNodes)
	case len(p.Edges) > MaxPlanEdges:
		return fmt.Errorf("%w: %d edges, at most %d", errPlanBounds, len(p.Edges), MaxPlanEdges)
	}
	for i := range p.Nodes {
		if n := len(p.Nodes[i].Metrics); n > MaxPlanMetrics {
			return fmt.Errorf("%w: operator %d has %d metrics, at most %d", errPlanBounds, p.Nodes[i].NodeID, n,
				MaxPlanMetrics)
		}
	}
	return nil
}

// boundPlan cuts the plan's names and values to MaxShort.
func boundPlan(p *SQLPlan) {
	for i := range p.Nodes {
		n := &p.Nodes[i]
		clip(&n.NodeName, MaxShort)
		for j := range n.Metrics {
			clip(&n.Metrics[j].Name, MaxShort)
			clip(&n.Metrics[j].Value, MaxShort)
		}
	}
}

// Size is about how many bytes the plan holds (its strings and fixed-size fields), for the state's bound.
func (p *SQLPlan) Size() int {
	n := 64 + 16*len(p.Edges)
	for i := range p.Nodes {
		n += 64 + len(p.Nodes[i].NodeName)
		for _, m := range p.Nodes[i].Metrics {
			n += 48 + len(m.Name) + len(m.Value)
		}
	}
	return n
}
