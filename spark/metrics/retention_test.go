package metrics

import (
	"context"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// TestEvictionsAreCounted: what the retention dropped shows in the scrape, per application and for the monitor.
func TestEvictionsAreCounted(t *testing.T) {
	s := startStore(t, state.Options{MaxJobsPerApp: 10, MaxApps: 2})
	submit := func(app string, evs ...event.Event) {
		for _, ev := range evs {
			if err := s.Submit(context.Background(), app, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	hello := func(app string) *event.Hello {
		return &event.Hello{Header: event.Header{Type: "hello"}, Protocol: 1, AppID: app, Connection: 1}
	}
	submit("a", hello("a"))
	for i := range 30 { // never-ending jobs: 20 or more go
		submit("a", &event.JobStart{JobID: i})
	}
	submit("b", hello("b"), &event.AppEnd{})
	submit("c", hello("c"), &event.AppEnd{}) // b (ended) goes
	submit("a", &event.JobStart{JobID: 30})
	submit("d", hello("d"))                  // c (ended) goes, a stays
	submit("e", hello("e"), &event.JobEnd{}) // a and d are connected: e is refused (2 events)
	fams := scrape(t, Handler(Options{Store: s, Version: "test"}))
	apps, _ := s.Snapshot(context.Background())
	held := len(apps[0].Jobs)
	for name, want := range map[string]float64{"sparkmonitor_apps_evicted_total": 2, "sparkmonitor_app_events_refused_total": 2} {
		if v, ok := value(fams, name, nil); !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}
	if v, ok := value(fams, "sparkmonitor_jobs_evicted_total", map[string]string{"app_id": "a"}); !ok || v != float64(31-held) {
		t.Errorf("jobs evicted of a: %v (%v), want %d", v, ok, 31-held)
	}
}
