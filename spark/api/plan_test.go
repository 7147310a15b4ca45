package api

import (
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

func TestSQLPlanEndpoint(t *testing.T) {
	ctl := &fakeController{}
	srv, store := serve(t, state.Options{}, Options{Controller: ctl})
	url := srv.URL + prefix + "api/apps/app-1/sql/4/plan"
	if code, body := get(t, url, true); code != 404 || !strings.Contains(body["error"].(string), `unknown application`) {
		t.Errorf("unknown app: %d %v", code, body)
	}
	submit(t, store, &event.Hello{AppID: "app-1"})
	if code, body := get(t, url, true); code != 404 || !strings.Contains(body["error"].(string), "unknown SQL execution") {
		t.Errorf("unknown execution: %d %v", code, body)
	}
	if len(ctl.frames()) != 0 {
		t.Errorf("asked for a plan of an execution the monitor does not know: %v", ctl.frames())
	}
	submit(t, store, &event.SQLStart{ExecutionID: 4, Description: "q"})
	code, body := get(t, url, true)
	if code != 404 || !strings.Contains(body["error"].(string), "no plan of SQL execution 4") {
		t.Errorf("before the first plan: %d %v", code, body)
	}
	if f := ctl.frames(); len(f) != 1 || f[0] != `app-1 {"type":"sqlPlan","reason":"","executionId":4}` {
		t.Errorf("the view asks the listener: %v", f)
	}
	cluster := int64(1)
	submit(t, store, &event.SQLPlan{Header: event.Header{Time: 1234}, ExecutionID: 4, Nodes: []event.PlanNode{
		{NodeID: 0, NodeName: "WholeStageCodegen (1)", WholeStageCodegenID: &cluster,
			Metrics: []event.PlanMetric{{Name: "duration", AccumulatorID: 9, Value: "total (min, med, max (stageId: taskId))\n" +
				"40 ms (10 ms, 20 ms, 20 ms (stage 2.0: task 5))"}}},
		{NodeID: 1, NodeName: "Range", WholeStageCodegenID: &cluster,
			Metrics: []event.PlanMetric{{Name: "number of output rows", AccumulatorID: 8, Value: "1,000"}}},
	}, Edges: []event.PlanEdge{{FromID: 1, ToID: 0}}})
	code, body = get(t, url, true)
	d, _ := body["data"].(map[string]any)
	if code != 200 || d["id"] != 4.0 || d["appId"] != "app-1" || d["status"] != "RUNNING" || d["running"] != true ||
		d["final"] != false || d["updatedMs"] != 1234.0 || d["truncated"] != false {
		t.Fatalf("plan: %d %v", code, body)
	}
	nodes := d["nodes"].([]any)
	rng := nodes[1].(map[string]any)
	if len(nodes) != 2 || rng["name"] != "Range" || rng["rows"] != 1000.0 || rng["cluster"] != 1.0 {
		t.Errorf("nodes: %v", nodes)
	}
	m := nodes[0].(map[string]any)["metrics"].([]any)[0].(map[string]any)["value"].(map[string]any)
	if m["kind"] != "ms" || m["total"] != 40.0 || m["max"] != 20.0 || m["maxStage"] != 2.0 || m["maxTask"] != 5.0 {
		t.Errorf("metric value: %v", m)
	}
	if e := d["edges"].([]any); len(e) != 1 || e[0].(map[string]any)["fromId"] != 1.0 {
		t.Errorf("edges: %v", e)
	}
	if code, _ := get(t, srv.URL+prefix+"api/apps/app-1/sql/99999999999999999999/plan", true); code != 400 {
		t.Errorf("an execution id past int64: %d", code)
	}
}
