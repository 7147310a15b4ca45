package plan

import (
	"encoding/json"
	"fmt"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"math"
	"os"
	"strings"
	"testing"
)

// recording is a file of testdata/, written by testdata/record.py from a real PySpark driver: Spark's
// `sql?details=true` polled while the query ran, and once after its end.
type recording struct {
	SparkVersion string        `json:"sparkVersion"`
	Running      [][]Execution `json:"running"`
	Final        []Execution   `json:"final"`
}

func load(t *testing.T, name string) recording {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var r recording
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Final) != 1 || len(r.Running) == 0 {
		t.Fatalf("%s: want one final execution and running snapshots, got %d and %d", name, len(r.Final), len(r.Running))
	}
	return r
}

// restTime is the total of a time metric of node id as Spark's REST API printed it.
func restTime(t *testing.T, e Execution, id int64, metric string) float64 {
	t.Helper()
	for _, n := range e.Nodes {
		for _, m := range n.Metrics {
			if n.NodeID == id && m.Name == metric {
				v, err := ParseValue(m.Value)
				if err != nil || v.Kind != wire.PlanTime {
					t.Fatalf("node %d %s: %q: %v", id, metric, m.Value, err)
				}
				return v.Total
			}
		}
	}
	t.Fatalf("node %d has no metric %q", id, metric)
	return 0
}

func byName(g wire.PlanGraph, name string) []wire.PlanNode {
	var ns []wire.PlanNode
	for _, n := range g.Nodes {
		if n.Name == name {
			ns = append(ns, n)
		}
	}
	return ns
}

// The sort-merge join recording: 1 000 000 rows (id, id % 1000) joined on the key with 1 000 named rows, grouped by
// name, ordered. The rows every operator must have seen follow from the query.
func TestSortMergeJoinPlan(t *testing.T) {
	r := load(t, "sort_merge_join.json")
	e := r.Final[0]
	g, err := Build(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != len(e.Nodes) || len(g.Edges) != len(e.Edges) {
		t.Fatalf("graph has %d nodes and %d edges, Spark's plan %d and %d", len(g.Nodes), len(g.Edges), len(e.Nodes), len(e.Edges))
	}
	smj := byName(g, "SortMergeJoin")
	if len(smj) != 1 || smj[0].Rows == nil || *smj[0].Rows != 1_000_000 {
		t.Fatalf("SortMergeJoin: want 1000000 output rows, got %+v", smj)
	}
	var ranges []int64
	for _, n := range byName(g, "Range") {
		ranges = append(ranges, *n.Rows)
	}
	if len(ranges) != 2 || ranges[0]+ranges[1] != 1_001_000 {
		t.Fatalf("Range rows: want 1000000 and 1000, got %v", ranges)
	}
	// The partial aggregates each emit one row per name and task; the final one, one per name.
	aggs := byName(g, "HashAggregate")
	if len(aggs) != 2 || *aggs[1].Rows != 2_000 {
		t.Fatalf("HashAggregate rows: %+v", aggs)
	}
	checkShares(t, g)
	// The aggregate over the join measured its own build time; its cluster (SortMergeJoin, Project, HashAggregate)
	// has the rest of its duration.
	agg := aggs[0]
	build := restTime(t, e, agg.ID, "time in aggregation build")
	cluster := byName(g, fmt.Sprintf("WholeStageCodegen (%d)", agg.Cluster))[0]
	duration := restTime(t, e, cluster.ID, "duration")
	if agg.TimeMs != build || cluster.TimeMs != duration-build || build <= 0 || duration <= build {
		t.Fatalf("aggregate %.1f ms (its build %.1f), its cluster %.1f ms (duration %.1f)", agg.TimeMs, build,
			cluster.TimeMs, duration)
	}
	// Spark measures an AQE shuffle read's partition sizes in the driver ("(driver)"): no stage.
	for _, n := range byName(g, "AQEShuffleRead") {
		if len(n.Stages) != 0 {
			t.Fatalf("AQEShuffleRead %d: the driver measured it, got stages %v", n.ID, n.Stages)
		}
	}
	if len(agg.Stages) != 1 || agg.Stages[0] != 4 {
		t.Fatalf("aggregate's stages: want [4] (its slowest tasks), got %v", agg.Stages)
	}
}

// checkShares: the shares add up to one, and Top is the three operators with the most time, in order.
func checkShares(t *testing.T, g wire.PlanGraph) {
	t.Helper()
	if g.TimeMs <= 0 {
		t.Fatalf("query time %.1f", g.TimeMs)
	}
	var sum float64
	var most [3]float64
	for _, n := range g.Nodes {
		sum += n.Share
		if n.TimeMs < 0 || n.Share < 0 {
			t.Fatalf("%s: negative time %.1f", n.Name, n.TimeMs)
		}
		for i := range most {
			if n.TimeMs > most[i] {
				copy(most[i+1:], most[i:])
				most[i] = n.TimeMs
				break
			}
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Fatalf("shares add up to %f", sum)
	}
	if len(g.Top) != 3 {
		t.Fatalf("top: %v", g.Top)
	}
	for i, id := range g.Top {
		for _, n := range g.Nodes {
			if n.ID == id && n.TimeMs != most[i] {
				t.Fatalf("top %d is %s with %.1f ms, the %d-th most is %.1f ms", i, n.Name, n.TimeMs, i+1, most[i])
			}
		}
	}
}

func TestBroadcastJoinPlan(t *testing.T) {
	r := load(t, "broadcast_join.json")
	g, err := Build(r.Final[0])
	if err != nil {
		t.Fatal(err)
	}
	bhj := byName(g, "BroadcastHashJoin")
	if len(bhj) != 1 || *bhj[0].Rows != 2_000_000 {
		t.Fatalf("BroadcastHashJoin: want 2000000 rows, got %+v", bhj)
	}
	// The broadcast's collect, build and send happen in the driver: its time counts, with no stage.
	be := byName(g, "BroadcastExchange")[0]
	want := restTime(t, r.Final[0], be.ID, "time to collect") + restTime(t, r.Final[0], be.ID, "time to build") +
		restTime(t, r.Final[0], be.ID, "time to broadcast")
	if be.TimeMs != want || len(be.Stages) != 0 {
		t.Fatalf("BroadcastExchange: want %.1f ms and no stage, got %.1f ms, %v", want, be.TimeMs, be.Stages)
	}
	checkShares(t, g)
}

// While a query runs, Spark's REST API has its operators but no metrics (the SQL page of the Spark UI has them):
// the graph is drawn, without times.
func TestRunningPlanHasOperatorsWithoutTimes(t *testing.T) {
	for _, name := range []string{"sort_merge_join.json", "broadcast_join.json"} {
		r := load(t, name)
		for _, snap := range r.Running {
			g, err := Build(snap[0])
			if err != nil {
				t.Fatal(err)
			}
			if g.Status != "RUNNING" || len(g.Nodes) == 0 || g.TimeMs != 0 || len(g.Top) != 0 {
				t.Fatalf("%s: running graph %s, %d nodes, %.1f ms, top %v", name, g.Status, len(g.Nodes), g.TimeMs, g.Top)
			}
		}
	}
}

func TestBounds(t *testing.T) {
	var e Execution
	e.Nodes = make([]event.PlanNode, MaxNodes+1)
	if _, err := Build(e); err == nil || !strings.Contains(err.Error(), "5001 operators") {
		t.Fatalf("a plan of %d operators: want an error naming the count, got %v", MaxNodes+1, err)
	}
	e.Nodes = e.Nodes[:1]
	e.Nodes[0].NodeName = strings.Repeat("é", 1000)
	for range MaxMetrics + 10 {
		e.Nodes[0].Metrics = append(e.Nodes[0].Metrics, event.PlanMetric{Name: "number of output rows", Value: strings.Repeat("9", 10_000)})
	}
	g, err := Build(e)
	if err != nil {
		t.Fatal(err)
	}
	n := g.Nodes[0]
	if len(n.Name) > maxName || !strings.HasSuffix(n.Name, "é…") {
		t.Fatalf("name not cut on a rune: %d bytes, ends %q", len(n.Name), n.Name[len(n.Name)-5:])
	}
	if len(n.Metrics) != MaxMetrics || len(n.Metrics[0].Text) > maxName || n.Metrics[0].Value != nil {
		t.Fatalf("metrics: %d kept, first text %d bytes, value %v", len(n.Metrics), len(n.Metrics[0].Text), n.Metrics[0].Value)
	}
}

// Waits for asynchronous fetches overlap the exchange's other times: not its own time.
func TestRemoteRequestTimeIsNotOwnTime(t *testing.T) {
	g, err := Build(Execution{Nodes: []event.PlanNode{{NodeID: 1, NodeName: "Exchange", Metrics: []event.PlanMetric{
		{Name: "shuffle write time", Value: "3 ms"}, {Name: "remote reqs duration", Value: "5 ms"},
		{Name: "remote merged reqs duration", Value: "7 ms"}, {Name: "fetch wait time", Value: "11 ms"},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if g.TimeMs != 14 || g.Nodes[0].Share != 1 || len(g.Top) != 1 {
		t.Fatalf("want 3 + 11 ms, all of the query's time, got %.1f ms, share %f, top %v", g.TimeMs, g.Nodes[0].Share, g.Top)
	}
}
