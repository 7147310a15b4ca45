package state

import (
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// liveSQL holds an application's SQL executions: the running ones and those its retained jobs belong to. At most
// MaxJobsPerApp of them are kept (see boundSQL).
type liveSQL struct {
	execs map[int64]*wire.SQLExecution
	order []int64 // execution ids in start order
	dirty map[int64]bool
}

func newLiveSQL() liveSQL {
	return liveSQL{execs: map[int64]*wire.SQLExecution{}, dirty: map[int64]bool{}}
}

func (a *liveApp) sqlStart(e *event.SQLStart) {
	x, known := a.sql.execs[e.ExecutionID]
	if !known {
		x = &wire.SQLExecution{AppID: a.info.AppID, ExecutionID: e.ExecutionID, Status: wire.SQLRunning}
		a.sql.execs[e.ExecutionID] = x
		a.sql.order = append(a.sql.order, e.ExecutionID)
	}
	// A known execution is one a resync announced before its queued sqlStart arrived: keep its status.
	x.RootExecutionID, x.Description, x.StartTime = e.RootExecutionID, e.Description, e.Time
	a.sqlLineFromRoot(x)
	a.sql.dirty[e.ExecutionID] = true
}

// sqlEnd follows Spark's SQL status listener: an end without a start is ignored, and an error means FAILED (Spark
// itself reports success as the empty error, which the listener sends as null).
func (a *liveApp) sqlEnd(e *event.SQLEnd) {
	x, ok := a.sql.execs[e.ExecutionID]
	if !ok {
		a.ignore(e, "SQL execution", e.ExecutionID, -1)
		return
	}
	t := e.Time
	x.EndTime, x.Error, x.Status = &t, nil, wire.SQLCompleted
	if e.Error != nil && *e.Error != "" {
		x.Error, x.Status = e.Error, wire.SQLFailed
	}
	a.sql.dirty[e.ExecutionID] = true
}

// resyncSQL adds the running executions the listener reported after a reconnect that this state does not know.
func (a *liveApp) resyncSQL(execs []event.SQLStart) {
	for i := range execs {
		if _, known := a.sql.execs[execs[i].ExecutionID]; !known {
			a.sqlStart(&execs[i])
		}
	}
}

// sqlReferenced returns the executions retained jobs belong to, with their root executions.
func (a *liveApp) sqlReferenced() map[int64]bool {
	refs := map[int64]bool{}
	for _, j := range a.jobs {
		if id := j.info.SQLExecutionID; id != nil {
			refs[*id] = true
			if x := a.sql.execs[*id]; x != nil && x.RootExecutionID != nil {
				refs[*x.RootExecutionID] = true
			}
		}
	}
	return refs
}

// dropUnreferencedSQL forgets the finished executions no retained job belongs to (after jobs were evicted).
func (a *liveApp) dropUnreferencedSQL() {
	refs := a.sqlReferenced()
	a.dropSQL(func(x *wire.SQLExecution) bool { return x.Status != wire.SQLRunning && !refs[x.ExecutionID] }, len(a.sql.order))
}

// boundSQL keeps at most maxExecs executions: it drops at least 10% of maxExecs at a time, finished executions no
// retained job belongs to first, then the oldest.
func (a *liveApp) boundSQL(maxExecs int) {
	if maxExecs <= 0 || len(a.sql.order) <= maxExecs {
		return
	}
	toRemove := max(len(a.sql.order)-maxExecs, maxExecs/10, 1)
	refs := a.sqlReferenced()
	toRemove -= a.dropSQL(func(x *wire.SQLExecution) bool { return x.Status != wire.SQLRunning && !refs[x.ExecutionID] }, toRemove)
	a.dropSQL(func(*wire.SQLExecution) bool { return true }, toRemove)
}

// dropSQL forgets, oldest first, at most n executions for which drop is true, and returns how many it dropped.
func (a *liveApp) dropSQL(drop func(*wire.SQLExecution) bool, n int) int {
	dropped := 0
	kept := a.sql.order[:0]
	for _, id := range a.sql.order {
		if dropped < n && drop(a.sql.execs[id]) {
			delete(a.sql.execs, id)
			delete(a.sql.dirty, id)
			dropped++
			continue
		}
		kept = append(kept, id)
	}
	a.sql.order = kept
	return dropped
}

// sqlSnapshot returns copies of the executions a snapshot shows: the running ones and those retained jobs belong to.
func (a *liveApp) sqlSnapshot() []wire.SQLExecution {
	refs := a.sqlReferenced()
	out := []wire.SQLExecution{}
	for _, id := range a.sql.order {
		if x := a.sql.execs[id]; x.Status == wire.SQLRunning || refs[id] {
			out = append(out, *x)
		}
	}
	return out
}

// sqlChanges returns copies of the executions changed since the last call, by execution id, and forgets the changes.
func (a *liveApp) sqlChanges() []wire.SQLExecution {
	if len(a.sql.dirty) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(a.sql.dirty))
	for id := range a.sql.dirty {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]wire.SQLExecution, 0, len(ids))
	for _, id := range ids {
		out = append(out, *a.sql.execs[id])
	}
	a.sql.dirty = map[int64]bool{}
	return out
}
