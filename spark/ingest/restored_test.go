package ingest

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// TestOnlyAnUnendedHistoryAppAwaitsItsDriver: of the applications restored at start, the one from the history
// without an application end gets the grace period and ends as driver lost after it; one whose log has its end, and
// an uploaded one, are never taken for lost.
func TestOnlyAnUnendedHistoryAppAwaitsItsDriver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := newBubble(t)
		restore := func(app, source string, ended bool) {
			evs := []event.Event{&state.Restored{Source: source}, &event.Hello{AppID: app, Protocol: 1}}
			if ended {
				evs = append(evs, &event.AppEnd{})
			}
			for _, ev := range append(evs, &state.Restored{Source: source, Done: true}) {
				if err := b.store.Submit(b.ctx, app, ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		restore("app-cut", wire.SourceHistory, false)
		restore("app-ended", wire.SourceHistory, true)
		restore("app-uploaded", wire.SourceUpload, false)
		apps, err := b.store.Snapshot(b.ctx)
		if err != nil {
			t.Fatal(err)
		}
		b.srv.ExpectRestored(b.ctx, apps)
		time.Sleep(DefaultDriverLostAfter)
		synctest.Wait()
		if a := b.app("app-cut"); a.State != wire.AppFinished || !a.DriverLost {
			t.Errorf("app-cut after the grace period: %s, driverLost %v", a.State, a.DriverLost)
		}
		for _, id := range []string{"app-ended", "app-uploaded"} {
			if a := b.app(id); a.DriverLost {
				t.Errorf("%s taken for lost (%s)", id, a.State)
			}
		}
		if n := b.lost.count(); n != 1 {
			t.Errorf("%d DriverLost submitted, want 1", n)
		}
	})
}
