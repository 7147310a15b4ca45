package state

import (
	"cmp"
	"slices"
	"sort"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of the executor-usage series (API.md "Bounds").
const (
	maxActivityPoints = 2000
	maxExecutorLanes  = 1000
)

// activity is an application's step series of running tasks and cores, recorded on change.
type activity struct {
	points  []wire.ActivityPoint
	running int // tasks started and not ended
	cores   int
}

func (s *activity) taskStarted(t int64) {
	s.running++
	s.record(t)
}

func (s *activity) taskEnded(t int64) {
	s.running = max(s.running-1, 0)
	s.record(t)
}

// record appends the current value at time t (never before the last point). Spark frees a task's core before its
// taskEnd is posted, so the next task on that core may start first: activeTasks is capped at the known cores.
func (s *activity) record(t int64) {
	p := wire.ActivityPoint{Time: t, ActiveTasks: s.running, Cores: s.cores}
	if s.cores > 0 {
		p.ActiveTasks = min(p.ActiveTasks, s.cores)
	}
	if n := len(s.points); n > 0 {
		last := &s.points[n-1]
		p.Time = max(p.Time, last.Time)
		switch {
		case last.ActiveTasks == p.ActiveTasks && last.Cores == p.Cores:
			return
		case last.Time == p.Time: // coalesce changes within one millisecond
			if n > 1 && s.points[n-2].ActiveTasks == p.ActiveTasks && s.points[n-2].Cores == p.Cores {
				s.points = s.points[:n-1]
			} else {
				*last = p
			}
			return
		}
	}
	if len(s.points) >= maxActivityPoints {
		s.points = append(mergePeaks(s.points[:len(s.points)/2], 2), s.points[len(s.points)/2:]...)
	}
	s.points = append(s.points, p)
}

// mergePeaks merges every group of n consecutive points into one at the group's first time, keeping the group's
// peak. It reuses ps's array.
func mergePeaks(ps []wire.ActivityPoint, n int) []wire.ActivityPoint {
	out := ps[:0]
	for i := 0; i < len(ps); i += n {
		g := ps[i]
		for _, p := range ps[i+1 : min(i+n, len(ps))] {
			g.ActiveTasks, g.Cores = max(g.ActiveTasks, p.ActiveTasks), max(g.Cores, p.Cores)
		}
		out = append(out, g)
	}
	return out
}

// window returns a copy of the series over [from, to] (to nil: open), starting with the value in effect at from,
// merged down to at most maxPoints points (keeping peaks).
func (s *activity) window(from int64, to *int64, maxPoints int) []wire.ActivityPoint {
	out := []wire.ActivityPoint{}
	i := sort.Search(len(s.points), func(i int) bool { return s.points[i].Time > from })
	if i > 0 {
		p := s.points[i-1]
		p.Time = from
		out = append(out, p)
	}
	for ; i < len(s.points) && (to == nil || s.points[i].Time <= *to); i++ {
		out = append(out, s.points[i])
	}
	if len(out) > maxPoints {
		out = mergePeaks(out, (len(out)+maxPoints-1)/maxPoints)
	}
	return out
}

// lane is an executor as stored (times 0: unknown or not removed).
type lane struct {
	id, host, removedReason string
	cores                   int
	added, removed          int64
	isRemoved               bool
}

func (l lane) out() wire.TimelineExecutor {
	e := wire.TimelineExecutor{ExecutorID: l.id, Host: l.host, Cores: l.cores}
	if l.added > 0 {
		added := l.added
		e.AddedTime = &added
	}
	if l.isRemoved {
		removed, reason := l.removed, l.removedReason
		e.RemovedTime, e.RemovedReason = &removed, &reason
	}
	return e
}

// laneAdded records an executor (t 0: time unknown, as after a resync) and the cores it brings.
func (a *liveApp) laneAdded(e *event.ExecutorAdded) {
	i := slices.IndexFunc(a.lanes, func(l lane) bool { return l.id == e.ExecutorID && !l.isRemoved })
	if i < 0 {
		a.lanes = append(a.lanes, lane{id: e.ExecutorID, host: e.Host, cores: e.Cores, added: e.Time})
		a.evictLanes()
	} else {
		a.lanes[i].host, a.lanes[i].cores = e.Host, e.Cores
	}
	a.coresChanged(e.Time)
}

func (a *liveApp) laneRemoved(e *event.ExecutorRemoved) {
	if i := slices.IndexFunc(a.lanes, func(l lane) bool { return l.id == e.ExecutorID && !l.isRemoved }); i >= 0 {
		a.lanes[i].isRemoved, a.lanes[i].removed, a.lanes[i].removedReason = true, e.Time, e.Reason
	}
	a.coresChanged(e.Time)
}

func (a *liveApp) coresChanged(t int64) {
	a.activity.cores = a.header().TotalCores
	if t > 0 {
		a.activity.record(t)
	}
}

// evictLanes keeps at most maxExecutorLanes, dropping at least 10% at a time: removed executors first (removed
// earliest first), then the earliest added.
func (a *liveApp) evictLanes() {
	n := len(a.lanes) - maxExecutorLanes
	if n <= 0 {
		return
	}
	n = max(n, maxExecutorLanes/10)
	order := make([]int, len(a.lanes))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		lx, ly := a.lanes[x], a.lanes[y]
		if lx.isRemoved != ly.isRemoved {
			return cmp.Compare(boolRank(ly.isRemoved), boolRank(lx.isRemoved))
		}
		if lx.isRemoved {
			return cmp.Compare(lx.removed, ly.removed)
		}
		return 0
	})
	drop := map[int]bool{}
	for _, i := range order[:n] {
		drop[i] = true
	}
	kept := a.lanes[:0]
	for i, l := range a.lanes {
		if !drop[i] {
			kept = append(kept, l)
		}
	}
	a.lanes = kept
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lanesIn returns copies of the executors alive at some time in [from, to] (to nil: open).
func (a *liveApp) lanesIn(from int64, to *int64) []wire.TimelineExecutor {
	out := []wire.TimelineExecutor{}
	for _, l := range a.lanes {
		if (l.isRemoved && l.removed < from) || (to != nil && l.added > *to) {
			continue
		}
		out = append(out, l.out())
	}
	return out
}
