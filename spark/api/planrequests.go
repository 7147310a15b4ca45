package api

import (
	"log/slog"
	"sync"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Plan requests (API.md "SQL plan"): while someone views a SQL execution's plan (each GET of it counts for
// PlanViewWindow), the monitor asks the application's listener for a fresh one (control frame sqlPlan) at most once
// per PlanRequestInterval; nobody viewing, nothing is asked and no timer runs.

// Timing and bound of the plan requests.
const (
	PlanViewWindow      = 5 * time.Second
	PlanRequestInterval = time.Second
	// MaxViewedPlans bounds the executions viewed at once (all apps); a view past it asks nothing.
	MaxViewedPlans = 256
)

type planKey struct {
	app string
	id  int64
}

type viewedPlan struct {
	until, sent time.Time // viewed until; last request sent (zero: none yet)
}

// planRequests sends the sqlPlan requests of the viewed executions. Safe for concurrent use.
type planRequests struct {
	ctl Controller
	log *slog.Logger
	// now and afterFunc are time.Now and time.AfterFunc (tests replace them).
	now       func() time.Time
	afterFunc func(time.Duration, func())

	mu     sync.Mutex
	viewed map[planKey]*viewedPlan
	armed  bool // a tick is scheduled
}

func newPlanRequests(ctl Controller, log *slog.Logger) *planRequests {
	return &planRequests{ctl: ctl, log: log, now: time.Now, viewed: map[planKey]*viewedPlan{},
		afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) }}
}

// view records that someone views the plan of execution id of app: it asks for it now unless it did less than
// PlanRequestInterval ago, and keeps asking once per interval until PlanViewWindow after the last view.
func (p *planRequests) view(app string, id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	k := planKey{app, id}
	v := p.viewed[k]
	if v == nil {
		if len(p.viewed) >= MaxViewedPlans {
			p.log.Debug("too many SQL plans viewed at once; not asking for this one", "app", app, "executionId", id)
			return
		}
		v = &viewedPlan{}
		p.viewed[k] = v
	}
	v.until = now.Add(PlanViewWindow)
	p.ask(k, v, now)
	if !p.armed {
		p.armed = true
		p.afterFunc(PlanRequestInterval, p.tick)
	}
}

// ask sends k's request when its last one is at least PlanRequestInterval old. p.mu is held.
func (p *planRequests) ask(k planKey, v *viewedPlan, now time.Time) {
	if !v.sent.IsZero() && now.Sub(v.sent) < PlanRequestInterval {
		return
	}
	v.sent = now
	if err := p.ctl.Send(k.app, event.SQLPlanRequest(k.id)); err != nil {
		p.log.Debug("asking for a SQL plan", "app", k.app, "executionId", k.id, "err", err)
	}
}

// tick asks for the plans still viewed, forgets the others, and schedules the next tick while any is viewed.
func (p *planRequests) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for k, v := range p.viewed {
		if now.After(v.until) {
			delete(p.viewed, k)
			continue
		}
		p.ask(k, v, now)
	}
	p.armed = len(p.viewed) > 0
	if p.armed {
		p.afterFunc(PlanRequestInterval, p.tick)
	}
}

// stop forgets k (its plan is final: there is nothing more to ask).
func (p *planRequests) stop(app string, id int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.viewed, planKey{app, id})
}
