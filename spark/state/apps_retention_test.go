package state

import (
	"context"
	"fmt"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"slices"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

func appIDs(t *testing.T, s *Store) []string {
	t.Helper()
	apps, err := s.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range apps {
		out = append(out, a.AppID)
	}
	return out
}

// pastApp submits an application as spark/history replays one: Restored, its events, Restored done.
func pastApp(t *testing.T, s *Store, id string, evs ...event.Event) {
	t.Helper()
	submitAll(t, s, id, &Restored{Source: wire.SourceHistory}, hello(id, 1))
	submitAll(t, s, id, evs...)
	submitAll(t, s, id, &Restored{Source: wire.SourceHistory, Done: true})
}

func TestAppsBeyondTheBoundEvictTheOldestEndedFirst(t *testing.T) {
	s, _ := startStore(t, Options{MaxApps: 3})
	submitAll(t, s, "live-1", hello("live-1", 1))
	pastApp(t, s, "past-1", &event.AppEnd{})
	submitAll(t, s, "ended-live", hello("ended-live", 1), &event.AppEnd{})
	if got := appIDs(t, s); !slices.Equal(got, []string{"live-1", "past-1", "ended-live"}) {
		t.Fatalf("apps %v", got)
	}
	// A past application (an upload, a restore) makes room by dropping the ended app listed first, never the live one.
	pastApp(t, s, "past-2", &event.AppEnd{})
	if got := appIDs(t, s); !slices.Equal(got, []string{"live-1", "ended-live", "past-2"}) {
		t.Fatalf("after a 4th app: %v, want past-1 (ended, listed first) evicted and live-1 kept", got)
	}
	// A disconnected app counts as ended.
	submitAll(t, s, "live-1", &Disconnected{})
	submitAll(t, s, "live-2", hello("live-2", 1))
	if got := appIDs(t, s); !slices.Equal(got, []string{"ended-live", "past-2", "live-2"}) {
		t.Fatalf("after a 5th app: %v, want the disconnected live-1 evicted", got)
	}
	if c := storeCounts(t, s); c.EvictedApps != 2 || c.RefusedAppEvents != 0 {
		t.Errorf("evicted %d, refused %d: want 2 and 0", c.EvictedApps, c.RefusedAppEvents)
	}
}

func TestWhenAllAppsAreLiveTheNewestIsRefused(t *testing.T) {
	s, _ := startStore(t, Options{MaxApps: 2})
	submitAll(t, s, "a", hello("a", 1))
	submitAll(t, s, "b", hello("b", 1))
	pastApp(t, s, "old", &event.JobStart{JobID: 0}) // a restore while every held app is connected
	submitAll(t, s, "c", hello("c", 1), &event.JobStart{JobID: 0})
	if got := appIDs(t, s); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("apps %v, want the two connected ones kept and the newcomers refused", got)
	}
	if c := storeCounts(t, s); c.RefusedAppEvents != 6 || c.EvictedApps != 0 {
		t.Errorf("refused %d events, evicted %d apps: want 6 and 0", c.RefusedAppEvents, c.EvictedApps)
	}
	// Once a held application ends, a new one gets its place.
	submitAll(t, s, "a", &event.AppEnd{})
	submitAll(t, s, "c", hello("c", 2))
	if got := appIDs(t, s); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("apps %v, want b and c", got)
	}
}

func TestAReplayInProgressIsNotEvicted(t *testing.T) {
	s, _ := startStore(t, Options{MaxApps: 1})
	submitAll(t, s, "up", &Restored{Source: wire.SourceUpload}, hello("up", 1)) // an upload being replayed
	submitAll(t, s, "x", hello("x", 1))
	submitAll(t, s, "up", &event.JobStart{JobID: 0}, &Restored{Source: wire.SourceUpload, Done: true})
	a := snapshotApp(t, s, "up")
	if a.Source != wire.SourceUpload || len(a.Jobs) != 1 {
		t.Fatalf("the upload being replayed was disturbed: %+v", a)
	}
}

func TestManyPastAppsStayWithinTheBound(t *testing.T) {
	s, _ := startStore(t, Options{MaxApps: 5, MaxJobsPerApp: 10})
	submitAll(t, s, "live", hello("live", 1))
	for i := range 200 {
		pastApp(t, s, fmt.Sprintf("past-%03d", i), &event.JobStart{JobID: 0}, &event.AppEnd{})
	}
	got := appIDs(t, s)
	if !slices.Equal(got, []string{"live", "past-196", "past-197", "past-198", "past-199"}) {
		t.Fatalf("apps %v, want the live one and the 4 newest past ones", got)
	}
}

func TestReconfigureMaxAppsEvictsEndedAppsAtOnce(t *testing.T) {
	s, _ := startStore(t, Options{MaxApps: 10})
	submitAll(t, s, "live", hello("live", 1))
	for i := range 5 {
		pastApp(t, s, fmt.Sprintf("p%d", i), &event.AppEnd{})
	}
	if err := s.Reconfigure(context.Background(), Tunables{MaxApps: 3}); err != nil {
		t.Fatal(err)
	}
	if got := appIDs(t, s); !slices.Equal(got, []string{"live", "p3", "p4"}) {
		t.Fatalf("apps %v after maxApps 3", got)
	}
	if err := s.Reconfigure(context.Background(), Tunables{MaxApps: 1}); err != nil {
		t.Fatal(err)
	}
	if got := appIDs(t, s); !slices.Equal(got, []string{"live"}) {
		t.Fatalf("apps %v after maxApps 1, want the live one only", got)
	}
}
