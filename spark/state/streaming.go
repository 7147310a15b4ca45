package state

import (
	"context"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of an application's Structured Streaming queries.
const (
	// MaxStreamsPerApp: queries kept per application; beyond it the oldest ended ones are forgotten first (then the
	// oldest).
	MaxStreamsPerApp = 50
	// MaxStreamBatches: recent micro-batches kept per query (older ones are counted in NumBatches only).
	MaxStreamBatches = 60
)

// liveStreams holds an application's streaming queries by query id (a restarted query's new run replaces its old
// one).
type liveStreams struct {
	byID  map[string]*wire.StreamingQuery
	order []string // query ids, oldest start first
	dirty map[string]bool
}

func (s *liveStreams) init() {
	if s.byID == nil {
		s.byID, s.dirty = map[string]*wire.StreamingQuery{}, map[string]bool{}
	}
}

// streamEvent applies a streamStart, streamProgress or streamEnd.
func (a *liveApp) streamEvent(ev event.Event) {
	switch e := ev.(type) {
	case *event.StreamStart:
		a.streamStart(e)
	case *event.StreamProgress:
		a.streamProgress(e)
	case *event.StreamEnd:
		a.streamEnd(e)
	}
}

func (a *liveApp) streamStart(e *event.StreamStart) {
	s := &a.streams
	s.init()
	q := &wire.StreamingQuery{
		AppID: a.info.AppID, QueryID: e.QueryID, RunID: e.RunID, Name: e.Name, CellID: e.CellID,
		Status: wire.StreamActive, StartTime: e.Time, Sources: []string{}, Batches: []wire.StreamingBatch{},
	}
	if _, known := s.byID[e.QueryID]; known {
		s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == e.QueryID })
	}
	s.byID[e.QueryID] = q
	s.order = append(s.order, e.QueryID)
	s.dirty[e.QueryID] = true
	a.boundStreams()
	a.dirty = true
}

// stream returns the query of the run, or nil (with a log line) when the start of that run is unknown.
func (a *liveApp) stream(ev event.Event, queryID, runID string) *wire.StreamingQuery {
	a.streams.init()
	q := a.streams.byID[queryID]
	if q == nil || q.RunID != runID {
		a.log.Debug("ignoring an event of an unknown streaming query run", "app", a.info.AppID,
			"event", event.TypeOf(ev), "query", queryID, "run", runID)
		return nil
	}
	return q
}

func (a *liveApp) streamProgress(e *event.StreamProgress) {
	q := a.stream(e, e.QueryID, e.RunID)
	if q == nil {
		return
	}
	p := &e.Progress
	b := wire.StreamingBatch{
		BatchID: p.BatchID, Timestamp: p.Timestamp, NumInputRows: p.NumInputRows,
		InputRowsPerSecond: p.InputRowsPerSecond, ProcessedRowsPerSecond: p.ProcessedRowsPerSecond,
		DurationMs: p.DurationMs, Truncated: p.Truncated,
	}
	if len(p.StateOperators) > 0 {
		var n int64
		for _, op := range p.StateOperators {
			n += op.NumRowsTotal
		}
		b.NumRowsInState = &n
	}
	if w, ok := p.EventTime["watermark"]; ok {
		b.Watermark = &w
	}
	if p.Sink != nil {
		q.Sink, b.NumOutputRows = p.Sink.Description, p.Sink.NumOutputRows
	}
	if len(p.Sources) > 0 {
		q.Sources = q.Sources[:0]
		for _, src := range p.Sources {
			q.Sources = append(q.Sources, src.Description)
		}
	}
	q.NumBatches++
	q.Batches = append(q.Batches, b)
	if n := len(q.Batches) - MaxStreamBatches; n > 0 {
		q.Batches = slices.Delete(q.Batches, 0, n)
	}
	a.streams.dirty[e.QueryID] = true
	a.dirty = true
}

func (a *liveApp) streamEnd(e *event.StreamEnd) {
	q := a.stream(e, e.QueryID, e.RunID)
	if q == nil {
		return
	}
	t := e.Time
	q.EndTime, q.Status, q.Error = &t, wire.StreamStopped, nil
	if e.Error != nil && *e.Error != "" {
		q.Status, q.Error = wire.StreamFailed, e.Error
	}
	a.streams.dirty[e.QueryID] = true
	a.dirty = true
}

// streamJob counts a micro-batch job for its query. A query whose start named no cell (a kernel without the cell
// marks) takes the cell its jobs carry: the query's thread inherits the local properties of the thread that started it.
func (a *liveApp) streamJob(queryID string, cell *string) {
	if q := a.streams.byID[queryID]; q != nil {
		q.NumJobs++
		if q.CellID == nil && cell != nil && *cell != "" {
			q.CellID = cell
			a.dirty = true
		}
		a.streams.dirty[queryID] = true
	}
}

// endStreams ends the active queries of an application that ended or lost its driver.
func (a *liveApp) endStreams(t int64) {
	for id, q := range a.streams.byID {
		if q.Status == wire.StreamActive {
			q.Status, q.EndTime = wire.StreamStopped, &t
			a.streams.dirty[id] = true
		}
	}
}

// boundStreams keeps at most MaxStreamsPerApp queries, forgetting ended ones first, oldest first.
func (a *liveApp) boundStreams() {
	s := &a.streams
	for _, endedOnly := range []bool{true, false} {
		for i := 0; i < len(s.order) && len(s.order) > MaxStreamsPerApp; {
			id := s.order[i]
			if endedOnly && s.byID[id].Status == wire.StreamActive {
				i++
				continue
			}
			delete(s.byID, id)
			delete(s.dirty, id)
			s.order = slices.Delete(s.order, i, i+1)
		}
	}
}

func copyStream(q *wire.StreamingQuery) wire.StreamingQuery {
	c := *q
	c.Sources = slices.Clone(q.Sources)
	c.Batches = slices.Clone(q.Batches) // a batch's maps are never changed after it is added
	return c
}

// streamSnapshot returns copies of the application's queries, oldest first.
func (a *liveApp) streamSnapshot() []wire.StreamingQuery {
	out := make([]wire.StreamingQuery, 0, len(a.streams.order))
	for _, id := range a.streams.order {
		out = append(out, copyStream(a.streams.byID[id]))
	}
	return out
}

// streamChanges returns copies of the queries changed since the last call and forgets the changes.
func (a *liveApp) streamChanges() []wire.StreamingQuery {
	var out []wire.StreamingQuery
	for _, id := range a.streams.order {
		if a.streams.dirty[id] {
			out = append(out, copyStream(a.streams.byID[id]))
		}
	}
	clear(a.streams.dirty)
	return out
}

// StreamCheck is what the store knows about the target of a stop request.
type StreamCheck struct {
	// App is the application without jobs; nil when the application is unknown.
	App *wire.App
	// Found: the query is known in App; Active: it runs.
	Found, Active bool
}

// CheckStream looks up a streaming query for stopStream. It reflects every Submit that returned before the call.
func (s *Store) CheckStream(ctx context.Context, appID, queryID string) (StreamCheck, error) {
	var out StreamCheck
	err := s.do(ctx, func() {
		if a, ok := s.apps[appID]; ok {
			h := a.header()
			out.App = &h
			if q := a.streams.byID[queryID]; q != nil {
				out.Found, out.Active = true, q.Status == wire.StreamActive
			}
		}
	})
	return out, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
