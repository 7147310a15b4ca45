package plan

import (
	"encoding/json"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"os"
	"testing"
)

func TestParseValue(t *testing.T) {
	for _, c := range []struct {
		in   string
		want wire.PlanValue
	}{
		{"1,000,000", wire.PlanValue{Kind: wire.PlanCount, Total: 1e6, HasTotal: true, MaxStage: -1}},
		{"0", wire.PlanValue{Kind: wire.PlanCount, HasTotal: true, MaxStage: -1}},
		{"0.0 B", wire.PlanValue{Kind: wire.PlanBytes, HasTotal: true, MaxStage: -1}},
		{"1031.8 KiB", wire.PlanValue{Kind: wire.PlanBytes, Total: 1031.8 * 1024, HasTotal: true, MaxStage: -1}},
		{"41 ms", wire.PlanValue{Kind: wire.PlanTime, Total: 41, HasTotal: true, MaxStage: -1}},
		{"1.2 s", wire.PlanValue{Kind: wire.PlanTime, Total: 1200, HasTotal: true, MaxStage: -1}},
		{"2.5 m", wire.PlanValue{Kind: wire.PlanTime, Total: 150_000, HasTotal: true, MaxStage: -1}},
		{"1.50 h", wire.PlanValue{Kind: wire.PlanTime, Total: 5_400_000, HasTotal: true, MaxStage: -1}},
		{
			"total (min, med, max (stageId: taskId))\n1.8 s (137 ms, 784 ms, 864 ms (stage 4.0: task 6))",
			wire.PlanValue{Kind: wire.PlanTime, Total: 1800, HasTotal: true, Dist: true, Min: 137, Med: 784, Max: 864, MaxStage: 4, MaxTask: 6},
		},
		{
			"total (min, med, max (stageId: taskId))\n8.3 MiB (2027.9 KiB, 2.3 MiB, 4.0 MiB (stage 4.1: task 6))",
			wire.PlanValue{Kind: wire.PlanBytes, Total: 8.3 * (1 << 20), HasTotal: true, Dist: true, Min: 2027.9 * 1024, Med: 2.3 * (1 << 20),
				Max: 4 * (1 << 20), MaxStage: 4, MaxAttempt: 1, MaxTask: 6},
		},
		{
			"total (min, med, max (stageId: taskId))\n9.5 KiB (2.3 KiB, 2.6 KiB, 4.5 KiB (driver))",
			wire.PlanValue{Kind: wire.PlanBytes, Total: 9.5 * 1024, HasTotal: true, Dist: true, Min: 2.3 * 1024, Med: 2.6 * 1024, Max: 4.5 * 1024,
				MaxStage: -1, MaxTask: -1},
		},
		{
			"(min, med, max (stageId: taskId)):\n(1, 1, 2 (stage 12.0: task 10))",
			wire.PlanValue{Kind: wire.PlanCount, Total: 2, Dist: true, Min: 1, Med: 1, Max: 2, MaxStage: 12, MaxTask: 10},
		},
	} {
		got, err := ParseValue(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.in, got, c.want)
		}
	}
}

func TestParseValueRefusesOtherForms(t *testing.T) {
	for _, in := range []string{
		"", "1.0", "12 parsecs", "-1.0 s", "total (min, med, max (stageId: taskId))\n1.8 s",
		"total (min, med, max (stageId: taskId))\n1.8 s (137 ms, 784 ms (stage 4.0: task 6))",
		"total (min, med, max (stageId: taskId))\n1.8 s (1 B, 784 ms, 864 ms (stage 4.0: task 6))",
		"total (min, med, max (stageId: taskId))\n1.8 s (137 ms, 784 ms, 864 ms (stage four))",
		"something else\n1", string(make([]byte, maxValueLen+1)),
	} {
		if v, err := ParseValue(in); err == nil {
			t.Errorf("%q: want an error, got %+v", in, v)
		}
	}
}

// Every metric value of the recordings, which Spark printed, is one of the forms ParseValue reads.
func TestParseValueReadsEveryRecordedValue(t *testing.T) {
	n := 0
	for _, name := range []string{"sort_merge_join.json", "broadcast_join.json"} {
		for _, node := range load(t, name).Final[0].Nodes {
			for _, m := range node.Metrics {
				if _, err := ParseValue(m.Value); err != nil {
					t.Errorf("%s: %s %s: %v", name, node.NodeName, m.Name, err)
				}
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d recorded values", n)
	}
}

func FuzzParseValue(f *testing.F) {
	b, err := os.ReadFile("testdata/sort_merge_join.json")
	if err != nil {
		f.Fatal(err)
	}
	var r recording
	if err := json.Unmarshal(b, &r); err != nil {
		f.Fatal(err)
	}
	for _, node := range r.Final[0].Nodes {
		for _, m := range node.Metrics {
			f.Add(m.Value)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseValue(s)
		if err != nil {
			return
		}
		if v.Total < 0 || v.Min < 0 || v.Kind == "" {
			t.Fatalf("%q: %+v", s, v)
		}
	})
}
