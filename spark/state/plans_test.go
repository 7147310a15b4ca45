package state

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// sqlPlanFrame is a plan of execution id whose first operator counted rows; pad adds about that many bytes in more
// operators of 1000-byte names.
func sqlPlanFrame(id, rows int64, final bool, pad int) *event.SQLPlan {
	p := &event.SQLPlan{Header: event.Header{Type: "sqlPlan", Time: 100 + rows}, ExecutionID: id, Final: final,
		Nodes: []event.PlanNode{{NodeID: 0, NodeName: "Range",
			Metrics: []event.PlanMetric{{Name: "number of output rows", AccumulatorID: 7, Value: itoa(rows)}}}}}
	for i := range pad / 1000 {
		p.Nodes = append(p.Nodes, event.PlanNode{NodeID: int64(i + 1), NodeName: strings.Repeat("x", 1000)})
	}
	return p
}

func itoa(n int64) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func planRows(t *testing.T, s *Store, app string, id int64) string {
	t.Helper()
	v, err := s.SQLPlan(context.Background(), app, id)
	if err != nil {
		t.Fatalf("plan of %d: %v", id, err)
	}
	return v.Plan.Nodes[0].Metrics[0].Value
}

func TestSQLPlanKeepsTheLatestAndTheFinalOne(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1), sqlStart(0, nil, "q", 10))
	ctx := context.Background()
	if _, err := s.SQLPlan(ctx, "b", 0); !errors.Is(err, ErrUnknownApp) {
		t.Errorf("unknown app: %v", err)
	}
	if _, err := s.SQLPlan(ctx, "a", 5); !errors.Is(err, ErrUnknownExecution) {
		t.Errorf("unknown execution: %v", err)
	}
	if _, err := s.SQLPlan(ctx, "a", 0); !errors.Is(err, ErrNoPlan) || !strings.Contains(err.Error(), "no plan of SQL execution 0") {
		t.Errorf("no plan yet: %v", err)
	}
	submitAll(t, s, "a", sqlPlanFrame(0, 5, false, 0), sqlPlanFrame(0, 9, false, 0), sqlPlanFrame(5, 1, false, 0))
	if v, _ := s.SQLPlan(ctx, "a", 0); v.Status != "RUNNING" || planRows(t, s, "a", 0) != "9" {
		t.Errorf("latest plan: %+v rows %s", v, planRows(t, s, "a", 0))
	}
	if _, err := s.SQLPlan(ctx, "a", 5); !errors.Is(err, ErrUnknownExecution) {
		t.Errorf("a plan of an execution the state does not know is not kept: %v", err)
	}
	submitAll(t, s, "a", sqlEnd(0, nil, 20), sqlPlanFrame(0, 12, true, 0), sqlPlanFrame(0, 10, false, 0))
	v, _ := s.SQLPlan(ctx, "a", 0)
	if v.Status != "COMPLETED" || !v.Plan.Final || planRows(t, s, "a", 0) != "12" {
		t.Errorf("the final plan stays after the end, a late live one does not replace it: %+v", v)
	}
}

func TestSQLPlansAreBoundedPerApp(t *testing.T) {
	s, _ := startStore(t, Options{})
	submitAll(t, s, "a", hello("a", 1))
	n := int64(MaxPlansPerApp + 10)
	for id := range n {
		submitAll(t, s, "a", sqlStart(id, nil, "q", 10+id), sqlPlanFrame(id, id, false, 0))
	}
	ctx := context.Background()
	kept := 0
	for id := range n {
		if _, err := s.SQLPlan(ctx, "a", id); err == nil {
			kept++
		} else if id >= n-MaxPlansPerApp {
			t.Errorf("plan %d, one of the %d latest, is gone: %v", id, MaxPlansPerApp, err)
		}
	}
	if kept != MaxPlansPerApp {
		t.Errorf("kept %d plans, want %d", kept, MaxPlansPerApp)
	}
	// Bytes: plans of 1 MiB each; at most MaxPlanBytesPerApp of them stay, the latest first.
	big := 1 << 20
	for id := n; id < n+12; id++ {
		submitAll(t, s, "a", sqlStart(id, nil, "q", 10+id), sqlPlanFrame(id, id, false, big))
	}
	var bytes, bigKept int
	if err := s.do(ctx, func() {
		bytes = s.apps["a"].plans.bytes
		for id := n; id < n+12; id++ {
			if s.apps["a"].plans.byExec[id] != nil {
				bigKept++
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if bytes > MaxPlanBytesPerApp || bigKept < 6 || bigKept > 8 {
		t.Errorf("%d bytes in %d big plans kept, want at most %d bytes", bytes, bigKept, MaxPlanBytesPerApp)
	}
	if _, err := s.SQLPlan(ctx, "a", n+11); err != nil {
		t.Errorf("the latest big plan: %v", err)
	}
}
