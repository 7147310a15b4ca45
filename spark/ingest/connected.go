package ingest

import (
	"context"
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// DefaultDriverLostAfter is how long an application whose listener went away without an application end waits for
// a connection of its listener before its driver is taken for lost (state.DriverLost). A live listener retries at
// most every 10 s (PROTOCOL.md "Reconnection"), so three of its attempts fit in it.
const DefaultDriverLostAfter = 30 * time.Second

// lostSubmitTimeout bounds the wait for the state store's queue when a driver is taken for lost.
const lostSubmitTimeout = 5 * time.Second

// Connection ownership: the newest connection of an application owns it. Its control path is the one Send uses,
// only its close marks the application DISCONNECTED (an older connection closing later changes nothing), and only
// its close without an application end starts the driver-lost grace period. handover serialises each change of owner
// with the event that announces it (the new owner's hello, the old owner's Disconnected, the DriverLost), so the
// store applies them in the order the ownership changed.

// Connected counts the applications whose listener is connected now (one live connection each). Safe for concurrent
// use.
func (s *Server) Connected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// own makes cn the application's owner and submits its hello, under handover.
func (s *Server) own(ctx context.Context, h *event.Hello, cn *outbox) error {
	s.handover.Lock()
	defer s.handover.Unlock()
	s.register(h.AppID, cn)
	s.mu.Lock()
	if t := s.lost[h.AppID]; t != nil {
		t.Stop()
		delete(s.lost, h.AppID)
	}
	s.mu.Unlock()
	return s.opts.Sink.Submit(ctx, h.AppID, h)
}

// release ends cn's ownership of the application: when cn still owns it, the application is marked DISCONNECTED
// and, unless the connection brought its application end or the monitor is stopping (ctx ended), the grace period
// for its driver starts. A connection that a newer one replaced releases nothing.
func (s *Server) release(ctx context.Context, h *event.Hello, cn *outbox, ended bool) {
	s.handover.Lock()
	defer s.handover.Unlock()
	s.mu.Lock()
	owner := s.live[h.AppID] == cn
	if owner {
		delete(s.live, h.AppID)
	}
	s.mu.Unlock()
	if !owner {
		return
	}
	// Not ctx: the app is marked disconnected even when the connection ends because ctx did.
	dctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = s.opts.Sink.Submit(dctx, h.AppID, &state.Disconnected{})
	if !ended && ctx.Err() == nil {
		s.awaitDriver(ctx, h.AppID, h.AttemptID, time.Now().UnixMilli())
	}
}

// ExpectListener starts the driver-lost grace period of an application no listener is connected for (a past
// application restored from the history without an application end: its driver may still run, and its listener
// then reconnects to this monitor). Safe for concurrent use.
func (s *Server) ExpectListener(ctx context.Context, appID string, attemptID *string) {
	s.mu.Lock()
	connected := s.live[appID] != nil
	s.mu.Unlock()
	if !connected {
		s.awaitDriver(ctx, appID, attemptID, 0)
	}
}

// ExpectRestored starts the grace period (ExpectListener) of each application of apps that was restored from the
// history without an application end (DISCONNECTED, source history): its listener reconnects if its driver still
// runs, else the application ends as "driver lost". Call it once the history is restored, before Run accepts
// listeners, so that one that reconnects finds its application. Safe for concurrent use.
func (s *Server) ExpectRestored(ctx context.Context, apps []wire.App) {
	for _, a := range apps {
		if a.State == wire.AppDisconnected && a.Source == wire.SourceHistory {
			s.ExpectListener(ctx, a.AppID, a.AttemptID)
		}
	}
}

// awaitDriver submits state.DriverLost for the application unless a connection of it comes first, within
// the grace period (Options.DriverLostAfter). lostAt is when its listener went away (0: unknown).
func (s *Server) awaitDriver(ctx context.Context, app string, attempt *string, lostAt int64) {
	grace := s.opts.DriverLostAfter
	if grace <= 0 {
		grace = DefaultDriverLostAfter
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.lost[app]; old != nil {
		old.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(grace, func() {
		s.handover.Lock()
		defer s.handover.Unlock()
		s.mu.Lock()
		current := s.lost[app] == t && s.live[app] == nil
		if current {
			delete(s.lost, app)
		}
		s.mu.Unlock()
		if !current || ctx.Err() != nil {
			return
		}
		s.opts.Logger.Info("listener did not come back: the application's driver is lost", "app", app, "after", grace)
		// Bounded, as the Disconnected of release: handover is held (a full store queue must not stall reconnects).
		sctx, cancel := context.WithTimeout(ctx, lostSubmitTimeout)
		defer cancel()
		err := s.opts.Sink.Submit(sctx, app, &state.DriverLost{Header: event.Header{Type: "driverLost", Time: lostAt},
			AttemptID: attempt})
		if err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("the application's driver is lost but the state store did not take it; it stays "+
				"DISCONNECTED", "app", app, "err", err)
		}
	})
	s.lost[app] = t
}
