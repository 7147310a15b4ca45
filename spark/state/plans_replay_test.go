package state

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// sql_plan.jsonl (record.py): a join + aggregate query (AQE off) asked about at its start and at task ends; the
// listener answered at most once a second, and sent a final plan a second after the end.
func TestReplaySQLPlanKeepsTheFinalPlanAndRowsOnlyGrow(t *testing.T) {
	app, evs := readRecording(t, "sql_plan.jsonl")
	s, _ := startStore(t, Options{})
	seen := map[int64]int64{} // accumulator id → rows
	var live, final, lastExec int64
	var finalRange int64
	for _, ev := range evs {
		if p, ok := ev.(*event.SQLPlan); ok {
			lastExec = p.ExecutionID
			if p.Final {
				final++
				finalRange = rangeRows(t, p)
			} else {
				live++
			}
			for _, n := range p.Nodes {
				for _, m := range n.Metrics {
					if m.Name != "number of output rows" {
						continue
					}
					v, err := strconv.ParseInt(strings.ReplaceAll(m.Value, ",", ""), 10, 64)
					if err != nil {
						t.Fatalf("%s: %q: %v", n.NodeName, m.Value, err)
					}
					if v < seen[m.AccumulatorID] {
						t.Errorf("%s (accumulator %d) went from %d to %d", n.NodeName, m.AccumulatorID, seen[m.AccumulatorID], v)
					}
					seen[m.AccumulatorID] = v
				}
			}
		}
		if err := s.Submit(context.Background(), app, ev); err != nil {
			t.Fatal(err)
		}
	}
	if live < 2 || final != 1 || finalRange != 200_100 {
		t.Fatalf("recording: %d live plans, %d final (range rows %d); want ≥ 2, 1 with 200 100", live, final, finalRange)
	}
	v, err := s.SQLPlan(context.Background(), app, lastExec)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Plan.Final || v.Status != "COMPLETED" || rangeRows(t, v.Plan) != 200_100 {
		t.Errorf("the state's plan of execution %d: final %v, %s, range rows %d", lastExec, v.Plan.Final, v.Status,
			rangeRows(t, v.Plan))
	}
}

func rangeRows(t *testing.T, p *event.SQLPlan) int64 {
	t.Helper()
	var sum int64
	for _, n := range p.Nodes {
		if n.NodeName != "Range" {
			continue
		}
		for _, m := range n.Metrics {
			if m.Name == "number of output rows" {
				v, _ := strconv.ParseInt(strings.ReplaceAll(m.Value, ",", ""), 10, 64)
				sum += v
			}
		}
	}
	return sum
}
