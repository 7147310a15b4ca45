// Package plan turns a SQL query's physical plan and its metrics, in the shape of Spark's REST API
// (`/api/v1/applications/{app}/sql/{id}?details=true`), into the graph the cell monitor draws: operators and edges,
// each metric as a number with its distribution over tasks, and each operator's share of the query's time.
//
// Where the time goes: Spark measures time per whole-stage-codegen cluster ("duration") and, inside it, for some
// operators (an aggregate's build, a sort); exchanges and broadcasts have their own times. An operator's time is its
// own time metrics; a cluster's time is its duration less its operators' own times (the rest of the generated code:
// scans, filters, projections, joins); the query's time is the sum, so the shares add up to one.
package plan

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds on what Build reads (issue 21: every list has a stated bound). Spark's largest plans in practice have a few
// hundred operators (issue 23 asks for 500 to stay fluid).
const (
	MaxNodes   = 5000
	MaxMetrics = 64  // per operator; Spark's exchanges have 22
	maxName    = 256 // bytes of a name or an unreadable metric text, "…" included (event.Clip)
)

// Execution is one element of Spark's `sql?details=true` (its ExecutionData), as far as this package reads it. Its
// nodes and edges have the shape of the listener's sqlPlan frame (spark/event), which is REST's plus accumulator ids.
type Execution struct {
	ID          int64            `json:"id"`
	Status      string           `json:"status"`
	Description string           `json:"description"`
	Nodes       []event.PlanNode `json:"nodes"`
	Edges       []event.PlanEdge `json:"edges"`
}

// outputRows is the name of the row count metric every operator that counts rows has.
const outputRows = "number of output rows"

// notOwnTime are time metrics that overlap others (waits for asynchronous requests), not counted as an operator's time.
var notOwnTime = map[string]bool{
	"remote reqs duration":        true,
	"remote merged reqs duration": true,
}

// Build reads an execution into the graph the API serves (wire.PlanGraph): its operators and whole-stage-codegen
// clusters, their metrics (Spark's text, and its figures when the text is one of Spark's forms: ParseValue), edges,
// times and shares. More than MaxNodes operators is an error; metrics past MaxMetrics of an operator are dropped, and
// long names cut (event.Clip).
func Build(e Execution) (wire.PlanGraph, error) {
	if len(e.Nodes) > MaxNodes {
		return wire.PlanGraph{}, fmt.Errorf("plan of SQL query %d has %d operators, more than %d", e.ID, len(e.Nodes), MaxNodes)
	}
	g := wire.PlanGraph{ID: e.ID, Status: e.Status, Nodes: make([]wire.PlanNode, 0, len(e.Nodes)),
		Edges: make([]wire.PlanEdge, len(e.Edges)), Top: []int64{}}
	for i, x := range e.Edges {
		g.Edges[i] = wire.PlanEdge(x)
	}
	own := map[int64]float64{} // cluster number → the time its operators measured themselves
	for _, rn := range e.Nodes {
		n := wire.PlanNode{ID: rn.NodeID, Name: event.Clip(rn.NodeName, maxName), Metrics: []wire.PlanMetric{}, Stages: []int64{}}
		if rn.WholeStageCodegenID != nil {
			n.Cluster = *rn.WholeStageCodegenID
		} else if c, ok := clusterNumber(rn.NodeName); ok {
			n.Cluster = c
		}
		for i, rm := range rn.Metrics {
			if i == MaxMetrics {
				break
			}
			addMetric(&n, rm.Name, rm.Value)
		}
		if rn.WholeStageCodegenID != nil {
			own[n.Cluster] += n.TimeMs
		}
		g.Nodes = append(g.Nodes, n)
	}
	for i := range g.Nodes {
		n := &g.Nodes[i]
		if _, isCluster := clusterNumber(n.Name); isCluster {
			n.TimeMs = max(0, n.TimeMs-own[n.Cluster])
		}
		g.TimeMs += n.TimeMs
	}
	for i := range g.Nodes {
		if g.TimeMs > 0 {
			g.Nodes[i].Share = g.Nodes[i].TimeMs / g.TimeMs
		}
	}
	g.Top = top(g.Nodes, 3)
	return g, nil
}

// addMetric adds one metric to n, counting it into n's rows, time and stages.
func addMetric(n *wire.PlanNode, name, text string) {
	m := wire.PlanMetric{Name: event.Clip(name, maxName), Text: text}
	if v, err := ParseValue(text); err == nil {
		m.Value = &v
		if name == outputRows && v.Kind == wire.PlanCount && v.HasTotal {
			rows := int64(v.Total)
			n.Rows = &rows
		}
		if v.Kind == wire.PlanTime && v.HasTotal && !notOwnTime[name] {
			n.TimeMs += v.Total
		}
		if v.Dist && v.MaxStage >= 0 {
			if i, found := slices.BinarySearch(n.Stages, v.MaxStage); !found {
				n.Stages = slices.Insert(n.Stages, i, v.MaxStage)
			}
		}
	} else if len(text) > maxValueLen {
		m.Text = event.Clip(text, maxName)
	}
	n.Metrics = append(n.Metrics, m)
}

// clusterNumber reads N from a cluster node's name "WholeStageCodegen (N)".
func clusterNumber(name string) (int64, bool) {
	rest, ok := strings.CutPrefix(name, "WholeStageCodegen (")
	if !ok || !strings.HasSuffix(rest, ")") {
		return 0, false
	}
	c, err := strconv.ParseInt(strings.TrimSuffix(rest, ")"), 10, 64)
	return c, err == nil
}

// top is the ids of the k nodes with the most time (ties: the lower id first), none without time.
func top(nodes []wire.PlanNode, k int) []int64 {
	byTime := make([]*wire.PlanNode, 0, len(nodes))
	for i := range nodes {
		if nodes[i].TimeMs > 0 {
			byTime = append(byTime, &nodes[i])
		}
	}
	slices.SortFunc(byTime, func(a, b *wire.PlanNode) int {
		if c := cmp.Compare(b.TimeMs, a.TimeMs); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	ids := []int64{}
	for _, n := range byTime[:min(k, len(byTime))] {
		ids = append(ids, n.ID)
	}
	return ids
}
