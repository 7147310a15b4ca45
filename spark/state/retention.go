package state

import (
	"cmp"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Retention (README § Configuration, retention.*): what an application keeps, whatever its listener or event log
// sends. Every bound is enforced after each event, evicting at least 10% of the bound at a time as Spark's own
// status store does (numberToRemove), so the cost of eviction is spread over many events.
const (
	// stagesPerJob: an application keeps at most stagesPerJob × MaxJobsPerApp stage attempts (minStagesPerApp at
	// least): stages of no retained job go first, then the oldest jobs with their stages.
	stagesPerJob    = 10
	minStagesPerApp = 1000
)

// maxStages is the bound on an application's stage attempts for a bound of maxJobs jobs.
func maxStages(maxJobs int) int { return max(stagesPerJob*maxJobs, minStagesPerApp) }

// MaxStageAttempts is maxStages for what else remembers an application's stage attempts (the history writer).
func MaxStageAttempts(maxJobs int) int { return maxStages(maxJobs) }

// numberToRemove is Spark's calculateNumberToRemove: nothing while size ≤ bound, then the excess but at least 10% of
// the bound.
func numberToRemove(size, bound int) int {
	if size <= bound {
		return 0
	}
	return max(size-bound, bound/10, 1)
}

// NumberToRemove is numberToRemove for bounds kept by the same rule elsewhere (the history writer's).
func NumberToRemove(size, bound int) int { return numberToRemove(size, bound) }

// bound enforces the retention of maxJobs jobs per application: jobs (finished first, then running, oldest first),
// stage attempts, and SQL executions. It is cheap while the application is within its bounds.
func (a *liveApp) bound(maxJobs int) {
	if maxJobs <= 0 {
		return
	}
	if n := numberToRemove(len(a.jobs), maxJobs); n > 0 {
		a.removeJobs(a.evictionOrder()[:n])
	}
	a.boundStages(maxStages(maxJobs))
	a.boundSQL(maxJobs)
}

// evictionOrder lists the retained jobs in the order they are evicted: finished ones oldest first, then running
// ones oldest first (a job that never ends must not hold memory forever).
func (a *liveApp) evictionOrder() []int {
	out := make([]int, 0, len(a.order))
	for _, running := range []bool{false, true} {
		for _, id := range a.order {
			if (a.jobs[id].info.Status == wire.JobRunning) == running {
				out = append(out, id)
			}
		}
	}
	return out
}

// removeJobs forgets the jobs ids (counted in evictedJobs), the stage attempts no retained job refers to any more,
// and the SQL executions of no retained job.
func (a *liveApp) removeJobs(ids []int) {
	if len(ids) == 0 {
		return
	}
	for _, id := range ids {
		delete(a.jobs, id)
		delete(a.dirtyJobs, id)
	}
	a.evictedJobs += len(ids)
	a.order = slices.DeleteFunc(a.order, func(id int) bool { return a.jobs[id] == nil })
	gone := func(id int) bool { return a.jobs[id] == nil }
	var drop []stageKey
	for k, st := range a.stages {
		st.jobIDs = slices.DeleteFunc(st.jobIDs, gone)
		if len(st.jobIDs) == 0 {
			drop = append(drop, k)
		} else if t := a.tasks.stages[k]; t != nil {
			t.jobIDs = slices.DeleteFunc(t.jobIDs, gone)
		}
	}
	a.dropStages(drop)
	a.dropUnreferencedSQL()
	a.dirty = true
}

// dropStages forgets stage attempts with their task detail; a stage id none of whose attempts is left is
// forgotten too.
func (a *liveApp) dropStages(keys []stageKey) {
	if len(keys) == 0 {
		return
	}
	for _, k := range keys {
		a.tasks.forget(k)
		delete(a.stages, k)
	}
	left := make(map[int]bool, len(a.latest))
	for k := range a.stages {
		left[k.id] = true
	}
	for id := range a.latest {
		if !left[id] {
			delete(a.latest, id)
		}
	}
	a.evictedStages += len(keys)
}

// boundStages keeps at most maxStages stage attempts: first it drops stage attempts of no retained job (orphans: a
// listener that dropped a job start, or a stage resubmitted after its jobs were evicted), finished ones first, then
// the oldest; if the retained jobs alone list more, it evicts the oldest jobs (finished first) until enough of their
// stages are freed.
func (a *liveApp) boundStages(maxStages int) {
	n := numberToRemove(len(a.stages), maxStages)
	if n == 0 {
		return
	}
	type orphan struct {
		k       stageKey
		running int // pending or active stage attempts go last
	}
	var orphans []orphan
	refs := make(map[stageKey]int, len(a.stages))   // retained jobs per stage attempt
	byJob := make(map[int][]stageKey, len(a.order)) // stage attempts per retained job
	for k, st := range a.stages {
		for _, id := range st.jobIDs {
			if a.jobs[id] != nil {
				refs[k]++
				byJob[id] = append(byJob[id], k)
			}
		}
		if refs[k] == 0 {
			o := orphan{k: k}
			if st.info.Status == wire.StagePending || st.info.Status == wire.StageActive {
				o.running = 1
			}
			orphans = append(orphans, o)
		}
	}
	slices.SortFunc(orphans, func(x, y orphan) int {
		return cmp.Or(cmp.Compare(x.running, y.running), cmp.Compare(x.k.id, y.k.id), cmp.Compare(x.k.attempt, y.k.attempt))
	})
	drop := make([]stageKey, min(n, len(orphans)))
	for i := range drop {
		drop[i] = orphans[i].k
	}
	a.dropStages(drop)
	n -= len(drop)
	if n <= 0 {
		return
	}
	var victims []int
	for _, id := range a.evictionOrder() {
		if n <= 0 {
			break
		}
		victims = append(victims, id)
		for _, k := range byJob[id] {
			if refs[k]--; refs[k] == 0 {
				n--
			}
		}
	}
	a.removeJobs(victims)
}

// admit makes room for a new application when MaxApps are held: the ended application (FINISHED or DISCONNECTED,
// not being replayed) listed first is forgotten (applications are listed in order of arrival, past ones restored
// oldest first). A connected application is never forgotten: when every held application is connected, the new
// one is refused, its events dropped and counted (refusedAppEvents) and the refusal logged at its hello. At the
// bound, only a hello or the start of a replay adds an application; other events of an unknown one are dropped.
func (s *Store) admit(in input) bool {
	if len(s.apps) < s.opts.MaxApps {
		return true
	}
	starts := false
	switch e := in.ev.(type) {
	case *event.Hello:
		starts = true
	case *Restored:
		starts = !e.Done
	}
	if starts && s.evictApps(len(s.apps)-s.opts.MaxApps+1) {
		return true
	}
	s.refusedAppEvents++
	if starts {
		s.opts.Logger.Warn("too many applications held, all of them connected: ignoring a new one (raise "+
			"retention.maxApps)", "app", in.appID, "maxApps", s.opts.MaxApps)
	}
	return false
}

// evictApps forgets n ended applications, first listed first, and reports whether it could.
func (s *Store) evictApps(n int) bool {
	for n > 0 {
		victim := -1
		for i, id := range s.appOrder {
			if a := s.apps[id]; a.info.State != wire.AppRunning && !a.replaying {
				victim = i
				break
			}
		}
		if victim < 0 {
			return false
		}
		delete(s.apps, s.appOrder[victim])
		s.appOrder = slices.Delete(s.appOrder, victim, victim+1)
		s.evictedApps++
		n--
	}
	return true
}

// maxExecutorsAlive bounds the executors an application counts as alive (numExecutors, totalCores; removed ones are
// forgotten): beyond it a new executor is not counted (a listener or event log announcing executors it never removes).
const maxExecutorsAlive = 10_000

func (a *liveApp) addExecutor(id string, cores int) {
	if _, known := a.executors[id]; known || len(a.executors) < maxExecutorsAlive {
		a.executors[id] = cores
	}
}
