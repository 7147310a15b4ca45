package event

import (
	"fmt"
	"strings"
	"testing"
)

func TestDecodeSQLPlan(t *testing.T) {
	line := `{"type":"sqlPlan","seq":7,"time":1700,"final":true,"executionId":3,"nodes":[` +
		`{"nodeId":1,"nodeName":"Range","wholeStageCodegenId":1,"metrics":[{"name":"number of output rows","accumulatorId":42,"value":"1,000"}]},` +
		`{"nodeId":0,"nodeName":"WholeStageCodegen (1)","wholeStageCodegenId":null,"metrics":[]}],` +
		`"edges":[{"fromId":1,"toId":0}],"truncated":false}`
	ev, err := Decode([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ev.(*SQLPlan)
	if !ok {
		t.Fatalf("decoded %T", ev)
	}
	if p.Seq != 7 || p.Time != 1700 || p.ExecutionID != 3 || !p.Final || p.Truncated || len(p.Nodes) != 2 ||
		len(p.Edges) != 1 || p.Edges[0] != (PlanEdge{1, 0}) {
		t.Errorf("plan: %+v", p)
	}
	r := p.Nodes[0]
	if r.NodeName != "Range" || r.WholeStageCodegenID == nil || *r.WholeStageCodegenID != 1 ||
		r.Metrics[0] != (PlanMetric{"number of output rows", 42, "1,000"}) || p.Nodes[1].WholeStageCodegenID != nil {
		t.Errorf("nodes: %+v", p.Nodes)
	}
}

func TestDecodeSQLPlanRefusesMalformedOnesClearly(t *testing.T) {
	nodes := func(n, metrics int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"nodeId":%d,"nodeName":"n","metrics":[`, i)
			for j := range metrics {
				if j > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `{"name":"m","accumulatorId":%d,"value":"1"}`, j)
			}
			b.WriteString("]}")
		}
		return b.String()
	}
	for _, c := range []struct{ line, want string }{
		{`{"type":"sqlPlan","nodes":[],"edges":[]}`, `sqlPlan frame: missing field "executionId"`},
		{`{"type":"sqlPlan","executionId":1}`, `sqlPlan frame: missing field "nodes"`},
		{`{"type":"sqlPlan","executionId":-1,"nodes":[]}`, "sqlPlan frame: executionId -1 is negative"},
		{`{"type":"sqlPlan","executionId":1,"nodes":{}}`, "sqlPlan frame: json: cannot unmarshal object"},
		{`{"type":"sqlPlan","executionId":1,"nodes":[{"nodeId":"x"}]}`, "sqlPlan frame: json: cannot unmarshal string"},
		{`{"type":"sqlPlan","executionId":1,"nodes":[` + nodes(MaxPlanNodes+1, 0) + `]}`,
			"sqlPlan frame: past the plan bounds: 5001 operators, at most 5000"},
		{`{"type":"sqlPlan","executionId":1,"nodes":[` + nodes(1, MaxPlanMetrics+1) + `]}`,
			"sqlPlan frame: past the plan bounds: operator 0 has 65 metrics, at most 64"},
		{`{"type":"sqlPlan","executionId":1,"nodes":[],"edges":[` +
			strings.Repeat(`{"fromId":1,"toId":0},`, MaxPlanEdges) + `{"fromId":1,"toId":0}]}`,
			"sqlPlan frame: past the plan bounds: 10001 edges, at most 10000"},
	} {
		_, err := Decode([]byte(c.line))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.80s…: error %v, want %q", c.line, err, c.want)
		}
	}
}

func TestBoundCutsPlanNamesAndValues(t *testing.T) {
	long := strings.Repeat("é", MaxShort)
	p := &SQLPlan{Nodes: []PlanNode{{NodeName: long, Metrics: []PlanMetric{{Name: long, Value: long}}}}}
	Bound(p)
	for _, s := range []string{p.Nodes[0].NodeName, p.Nodes[0].Metrics[0].Name, p.Nodes[0].Metrics[0].Value} {
		if len(s) > MaxShort || !strings.HasSuffix(s, Ellipsis) {
			t.Errorf("not cut to %d bytes: %d", MaxShort, len(s))
		}
	}
}

func TestSQLPlanRequestFrame(t *testing.T) {
	c := SQLPlanRequest(12)
	if c.Type != "sqlPlan" || c.ExecutionID == nil || *c.ExecutionID != 12 {
		t.Errorf("%+v", c)
	}
}
