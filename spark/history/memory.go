package history

import (
	"cmp"
	"maps"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// memory is what an encoder remembers of its application: each stage attempt's name, task count, parents and
// submission time (Spark's stage completion repeats them, the listener's does not), which jobs the log has started
// and ended (a resync writes the others), and each job's result stage (its tasks are ResultTasks).
//
// It is bounded as the live state is (retention.maxJobsPerApp): at most maxJobs jobs and
// state.MaxStageAttempts(maxJobs) stage attempts, evicting by state.NumberToRemove (at least a tenth of the bound at
// a time): ended jobs and completed stage attempts first, then the oldest. What is forgotten costs little: a resync
// may write a forgotten job's start or a stage attempt's completion again (which changes no count), a stage attempt
// completed after it was forgotten is written without its name and submission time, and a task of a forgotten job's
// result stage is written as a ShuffleMapTask.
type memory struct {
	maxJobs, maxStages int
	seq                uint64 // orders what is remembered, oldest first
	jobs               map[int]jobRec
	stages             map[stageKey]*stageRec
	result             map[int]int // stage id → how many remembered jobs end with that stage
}

type jobRec struct {
	ended  bool
	result int // the job's result stage (its last), -1: none
	seq    uint64
}

type stageKey struct{ id, attempt int }

type stageRec struct {
	name      string
	numTasks  int
	parents   []int
	submitted int64 // 0: not submitted in this log
	done      bool
	seq       uint64
}

func newMemory(maxJobs int) memory {
	if maxJobs <= 0 {
		maxJobs = state.DefaultMaxJobsPerApp
	}
	return memory{maxJobs: maxJobs, maxStages: state.MaxStageAttempts(maxJobs), jobs: map[int]jobRec{},
		stages: map[stageKey]*stageRec{}, result: map[int]int{}}
}

// stage returns the record of a stage attempt, remembering a new one.
func (m *memory) stage(id, attempt int) *stageRec {
	k := stageKey{id, attempt}
	if r := m.stages[k]; r != nil {
		return r
	}
	m.forgetStages(state.NumberToRemove(len(m.stages)+1, m.maxStages))
	m.seq++
	r := &stageRec{seq: m.seq}
	m.stages[k] = r
	return r
}

// forgetStages forgets n stage attempts: completed ones first, then the oldest.
func (m *memory) forgetStages(n int) {
	for _, k := range toForget(m.stages, n, func(r *stageRec) (bool, uint64) { return r.done, r.seq }) {
		delete(m.stages, k)
	}
}

// jobStarted remembers that the log has the job's start, and its result stage (-1: none).
func (m *memory) jobStarted(id, resultStage int) {
	if old, ok := m.jobs[id]; ok { // a job started again (a listener's duplicate): its new stages count
		m.dropResult(old.result)
	} else {
		m.forgetJobs(state.NumberToRemove(len(m.jobs)+1, m.maxJobs))
	}
	m.seq++
	m.jobs[id] = jobRec{result: resultStage, seq: m.seq}
	if resultStage >= 0 {
		m.result[resultStage]++
	}
}

// jobEnded remembers that the log has the job's end.
func (m *memory) jobEnded(id int) {
	j, ok := m.jobs[id]
	if !ok {
		m.forgetJobs(state.NumberToRemove(len(m.jobs)+1, m.maxJobs))
		m.seq++
		j = jobRec{result: -1, seq: m.seq}
	}
	j.ended = true
	m.jobs[id] = j
}

// forgetJobs forgets n jobs: ended ones first, then the oldest.
func (m *memory) forgetJobs(n int) {
	for _, id := range toForget(m.jobs, n, func(j jobRec) (bool, uint64) { return j.ended, j.seq }) {
		m.dropResult(m.jobs[id].result)
		delete(m.jobs, id)
	}
}

// toForget returns n keys of m (all of them when it has fewer): the finished entries first, then the oldest, as
// age says of each.
func toForget[K comparable, V any](m map[K]V, n int, age func(V) (finished bool, seq uint64)) []K {
	if n <= 0 {
		return nil
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int {
		fa, sa := age(m[a])
		fb, sb := age(m[b])
		return cmp.Or(cmp.Compare(b2i(fb), b2i(fa)), cmp.Compare(sa, sb))
	})
	return keys[:min(n, len(keys))]
}

func (m *memory) dropResult(stage int) {
	if stage < 0 {
		return
	}
	if m.result[stage]--; m.result[stage] <= 0 {
		delete(m.result, stage)
	}
}

func (m *memory) jobKnown(id int) bool {
	_, ok := m.jobs[id]
	return ok
}

func (m *memory) jobEndWritten(id int) bool { return m.jobs[id].ended }

func (m *memory) isResultStage(stageID int) bool { return m.result[stageID] > 0 }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
