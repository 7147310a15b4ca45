package state

import (
	"context"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// MaxLogLinesPerApp bounds the driver log lines kept per application (the newest): with messages of at most
// event.MaxLogMessage (4 KiB), at most about 4.5 MiB an application; a WARN of Spark's is ~200 bytes, so ~250 KiB.
const MaxLogLinesPerApp = 1000

// logRing holds an application's last MaxLogLinesPerApp log lines, each with the cell it was logged in.
type logRing struct {
	lines     []cellLogLine // a ring once full: next is the oldest
	next      int
	forgotten int64 // lines overwritten
	dropped   int64 // the driver's count of lines it dropped (cumulative)
}

type cellLogLine struct {
	cell string // "" between cells
	line wire.LogLine
}

func (r *logRing) add(appID string, e *event.LogLine) {
	r.dropped = max(r.dropped, e.Dropped)
	l := cellLogLine{line: wire.LogLine{AppID: appID, Time: e.Time, Level: e.Level, Logger: e.Logger, Thread: e.Thread,
		Message: e.Msg, Source: e.Source}}
	if e.CellID != nil {
		l.cell = *e.CellID
	}
	if len(r.lines) < MaxLogLinesPerApp {
		r.lines = append(r.lines, l)
		return
	}
	r.lines[r.next] = l
	r.next = (r.next + 1) % MaxLogLinesPerApp
	r.forgotten++
}

// forCell appends the lines of the cell to out, oldest first.
func (r *logRing) forCell(cellID string, out []wire.LogLine) []wire.LogLine {
	for i := range r.lines {
		l := &r.lines[(r.next+i)%len(r.lines)]
		if l.cell == cellID {
			out = append(out, l.line)
		}
	}
	return out
}

// Logs returns the driver log lines logged while the cell ran, of every application the cell's notebook runs
// (Cell.Runs), in the order of the applications and then of the lines.
func (s *Store) Logs(ctx context.Context, cell Cell) (wire.CellLogs, error) {
	out := wire.CellLogs{CellID: cell.ID, Lines: []wire.LogLine{}}
	err := s.do(ctx, func() {
		for _, id := range s.appOrder {
			a := s.apps[id]
			if cell.ID == "" || !cell.Runs(&a.info) || len(a.logs.lines) == 0 {
				continue
			}
			out.Lines = a.logs.forCell(cell.ID, out.Lines)
			out.Dropped += a.logs.dropped
			out.Forgotten += a.logs.forgotten
		}
	})
	return out, err
}
