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

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds on what Build reads (issue 21: every list has a stated bound). Spark's largest plans in practice have a few
// hundred operators (issue 23 asks for 500 to stay fluid).
const (
	MaxNodes   = 5000
	MaxMetrics = 64  // per operator; Spark's exchanges have 22
	maxName    = 256 // bytes of a name or an unreadable metric text, "…" included (event.Clip)
)

// Execution is one element of Spark's `sql?details=true` (its ExecutionData), as far as this package reads it.
type Execution struct {
	ID          int64       `json:"id"`
	Status      string      `json:"status"`
	Description string      `json:"description"`
	Nodes       []SparkNode `json:"nodes"`
	Edges       []Edge      `json:"edges"`
}

// SparkNode is one operator or codegen cluster of Spark's REST API (its Node).
type SparkNode struct {
	NodeID              int64         `json:"nodeId"`
	NodeName            string        `json:"nodeName"`
	WholeStageCodegenID *int64        `json:"wholeStageCodegenId"`
	Metrics             []SparkMetric `json:"metrics"`
}

// SparkMetric is one metric of a SparkNode, as Spark printed it (its Metric).
type SparkMetric struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Edge is a data flow from one operator to the one that reads its output.
type Edge struct {
	FromID int64 `json:"fromId"`
	ToID   int64 `json:"toId"`
}

// Graph is a query's plan as the cell monitor draws it.
type Graph struct {
	ID     int64   `json:"id"`
	Status string  `json:"status"`
	Nodes  []Node  `json:"nodes"`
	Edges  []Edge  `json:"edges"`
	TimeMs float64 `json:"timeMs"` // the query's time: the sum of the operators' times
	Top    []int64 `json:"top"`    // the ids of the (at most 3) operators with the most time, most first
}

// Node is one operator, or one whole-stage-codegen cluster.
type Node struct {
	ID      int64    `json:"id"`
	Name    string   `json:"name"`
	Cluster int64    `json:"cluster"` // the codegen cluster it runs in (0: none); for a cluster node, its own number
	Metrics []Metric `json:"metrics"`
	Rows    *int64   `json:"rows"`   // "number of output rows", when Spark reports it
	TimeMs  float64  `json:"timeMs"` // the time attributed to it (package doc)
	Share   float64  `json:"share"`  // TimeMs over the query's time
	// Stages are the stages its metrics name (where each metric's slowest task ran), ascending.
	Stages []int64 `json:"stages"`
}

// Metric is one SQL metric of an operator: Spark's text, and its figures when the text is one of Spark's forms.
type Metric struct {
	Name  string `json:"name"`
	Text  string `json:"text"`
	Value *Value `json:"value"`
}

// outputRows is the name of the row count metric every operator that counts rows has.
const outputRows = "number of output rows"

// notOwnTime are time metrics that overlap others (waits for asynchronous requests), not counted as an operator's time.
var notOwnTime = map[string]bool{
	"remote reqs duration":        true,
	"remote merged reqs duration": true,
}

// Build reads an execution into its graph. More than MaxNodes operators is an error; metrics past MaxMetrics of an
// operator are dropped, and long names cut (event.Clip).
func Build(e Execution) (Graph, error) {
	if len(e.Nodes) > MaxNodes {
		return Graph{}, fmt.Errorf("plan of SQL query %d has %d operators, more than %d", e.ID, len(e.Nodes), MaxNodes)
	}
	g := Graph{ID: e.ID, Status: e.Status, Nodes: make([]Node, 0, len(e.Nodes)), Edges: e.Edges, Top: []int64{}}
	if g.Edges == nil {
		g.Edges = []Edge{}
	}
	own := map[int64]float64{} // cluster number → the time its operators measured themselves
	for _, rn := range e.Nodes {
		n := Node{ID: rn.NodeID, Name: event.Clip(rn.NodeName, maxName), Metrics: []Metric{}, Stages: []int64{}}
		if rn.WholeStageCodegenID != nil {
			n.Cluster = *rn.WholeStageCodegenID
		} else if c, ok := clusterNumber(rn.NodeName); ok {
			n.Cluster = c
		}
		for i, rm := range rn.Metrics {
			if i == MaxMetrics {
				break
			}
			n.addMetric(rm.Name, rm.Value)
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
func (n *Node) addMetric(name, text string) {
	m := Metric{Name: event.Clip(name, maxName), Text: text}
	if v, err := ParseValue(text); err == nil {
		m.Value = &v
		if name == outputRows && v.Kind == Count && v.HasTotal {
			rows := int64(v.Total)
			n.Rows = &rows
		}
		if v.Kind == Time && v.HasTotal && !notOwnTime[name] {
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
func top(nodes []Node, k int) []int64 {
	byTime := make([]*Node, 0, len(nodes))
	for i := range nodes {
		if nodes[i].TimeMs > 0 {
			byTime = append(byTime, &nodes[i])
		}
	}
	slices.SortFunc(byTime, func(a, b *Node) int {
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
