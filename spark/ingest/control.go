package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Control frames from the monitor to a listener (PROTOCOL.md "Control frames"). Each live connection has a bounded
// outbox written by exactly one goroutine (writeControl); Send never blocks.

// Bounds of the control path.
const (
	// ControlOutbox is how many control frames may wait for one connection; beyond it Send fails.
	ControlOutbox = 16
	// ControlWriteTimeout bounds one control frame's write; a listener that does not read is disconnected.
	ControlWriteTimeout = 5 * time.Second
)

// Errors of Send.
var (
	ErrNotConnected = errors.New("the application's listener is not connected")
	ErrOutboxFull   = errors.New("too many control messages waiting for the application's listener")
)

// outbox is the control path of one listener connection.
type outbox struct {
	frames chan []byte
	done   chan struct{} // closed when the connection's serve ends
}

// register makes cn the application's live connection (a reconnect replaces the previous one).
func (s *Server) register(app string, cn *outbox) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.live[app] = cn
}

// Send queues a control frame for the live connection of the application appID. It never blocks: it fails with
// ErrNotConnected when no connection of the application is live, and ErrOutboxFull when its outbox is full. A nil
// error means the frame is queued; a write that then fails closes the connection. Safe for concurrent use.
func (s *Server) Send(appID string, c event.Control) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("control frame %s: %w", c.Type, err)
	}
	s.mu.Lock()
	cn := s.live[appID]
	s.mu.Unlock()
	if cn == nil {
		return fmt.Errorf("app %q: %w", appID, ErrNotConnected)
	}
	select {
	case <-cn.done:
		return fmt.Errorf("app %q: %w", appID, ErrNotConnected)
	default:
	}
	select {
	case cn.frames <- append(b, '\n'):
		return nil
	default:
		return fmt.Errorf("app %q: %w", appID, ErrOutboxFull)
	}
}

// writeControl is the only writer of c after the welcome: it writes queued control frames until done is closed. A
// failed write closes the connection, which ends its reader (serve) too.
func writeControl(c net.Conn, cn *outbox, onError func(error)) {
	for {
		select {
		case <-cn.done:
			return
		case b := <-cn.frames:
			_ = c.SetWriteDeadline(time.Now().Add(ControlWriteTimeout))
			if _, err := c.Write(b); err != nil {
				onError(err)
				_ = c.Close()
				return
			}
		}
	}
}
