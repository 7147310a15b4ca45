package state

import (
	"context"
	"errors"
	"fmt"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// The latest live plan of each SQL execution (the listener's sqlPlan frames, spark/event/sqlplan.go), per app.

// Bounds of the plans an application keeps (API.md "SQL plan"): plans only of the SQL executions the state keeps
// (sql.go), and at most this many, and about this many bytes (event.SQLPlan.Size); past either, the least recently
// updated plans go first. One plan is at most a listener frame (1 MiB).
const (
	MaxPlansPerApp     = 64
	MaxPlanBytesPerApp = 8 << 20
)

// Errors of SQLPlan.
var (
	ErrUnknownApp       = errors.New("unknown application")
	ErrUnknownExecution = errors.New("unknown SQL execution")
	ErrNoPlan           = errors.New("no plan has arrived yet")
)

// PlanView is the latest plan of a SQL execution and the execution's status as the state knows it.
type PlanView struct {
	// Plan is shared with the state, which never changes it: read it, do not modify it.
	Plan   *event.SQLPlan
	Status wire.SQLStatus
}

type keptPlan struct {
	plan *event.SQLPlan
	size int
	used int64 // livePlans.clock when it arrived
}

// livePlans are an application's plans by execution id.
type livePlans struct {
	byExec map[int64]*keptPlan
	bytes  int
	clock  int64
}

// sqlPlan keeps the latest plan of a known execution; a plan that is not final does not replace a final one (a late
// answer to a request made before the end).
func (a *liveApp) sqlPlan(e *event.SQLPlan) {
	if _, known := a.sql.execs[e.ExecutionID]; !known {
		a.ignore(e, "SQL execution", e.ExecutionID, -1)
		return
	}
	p := &a.plans
	if p.byExec == nil {
		p.byExec = map[int64]*keptPlan{}
	}
	if old := p.byExec[e.ExecutionID]; old != nil {
		if old.plan.Final && !e.Final {
			return
		}
		p.drop(e.ExecutionID)
	}
	p.clock++
	k := &keptPlan{plan: e, size: e.Size(), used: p.clock}
	p.byExec[e.ExecutionID] = k
	p.bytes += k.size
	a.boundPlans(e.ExecutionID)
}

// boundPlans forgets the plans of executions the state no longer keeps, then the least recently updated ones (never
// keep's) while over the bounds.
func (a *liveApp) boundPlans(keep int64) {
	p := &a.plans
	for id := range p.byExec {
		if a.sql.execs[id] == nil {
			p.drop(id)
		}
	}
	for len(p.byExec) > MaxPlansPerApp || (p.bytes > MaxPlanBytesPerApp && len(p.byExec) > 1) {
		oldest, at := int64(-1), int64(0)
		for id, k := range p.byExec {
			if id != keep && (oldest < 0 || k.used < at) {
				oldest, at = id, k.used
			}
		}
		p.drop(oldest)
	}
}

func (p *livePlans) drop(id int64) {
	if k := p.byExec[id]; k != nil {
		p.bytes -= k.size
		delete(p.byExec, id)
	}
}

// SQLPlan returns the latest plan of SQL execution executionID of application appID: ErrUnknownApp,
// ErrUnknownExecution or ErrNoPlan (wrapped, naming them) when there is none. It reflects every Submit that returned
// before the call. Safe for concurrent use.
func (s *Store) SQLPlan(ctx context.Context, appID string, executionID int64) (PlanView, error) {
	var v PlanView
	var found error
	err := s.do(ctx, func() {
		a := s.apps[appID]
		if a == nil {
			found = fmt.Errorf("app %q: %w", appID, ErrUnknownApp)
			return
		}
		x := a.sql.execs[executionID]
		if x == nil {
			found = fmt.Errorf("SQL execution %d of app %q: %w", executionID, appID, ErrUnknownExecution)
			return
		}
		v.Status = x.Status
		k := a.plans.byExec[executionID]
		if k == nil {
			found = fmt.Errorf("no plan of SQL execution %d of app %q has arrived yet: %w", executionID, appID, ErrNoPlan)
			return
		}
		v.Plan = k.plan
	})
	if err != nil {
		return PlanView{}, err
	}
	return v, found
}
