package state

import (
	"cmp"
	"context"
	"slices"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// Bounds of a timeline answer (API.md).
const (
	DefaultTimelineTasks = 5000
	MaxTimelineTasks     = 20_000
	maxTimelinePoints    = 500
)

// Timeline returns a copy of the timeline of the cell, from its jobs (Cell.Owns): at most
// maxTasks task spans per application (0 or less: none, for a view that draws only executor activity; above
// MaxTimelineTasks: clamped). It reflects every Submit that returned before the call.
func (s *Store) Timeline(ctx context.Context, cell Cell, maxTasks int) (wire.Timeline, error) {
	maxTasks = max(0, min(maxTasks, MaxTimelineTasks))
	out := wire.Timeline{CellID: cell.ID, Apps: []wire.TimelineApp{}}
	err := s.do(ctx, func() {
		for _, id := range s.appOrder {
			if ta, ok := s.apps[id].timeline(cell, maxTasks); ok {
				out.Apps = append(out.Apps, ta)
			}
		}
	})
	return out, err
}

// do runs f on the owner goroutine after the queued events were applied, and waits for it.
func (s *Store) do(ctx context.Context, f func()) error {
	done := make(chan struct{})
	select {
	case s.calls <- func() { f(); close(done) }:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.done:
		return ErrStopped
	}
	<-done
	return nil
}

func (a *liveApp) timeline(cell Cell, maxTasks int) (wire.TimelineApp, bool) {
	out := wire.TimelineApp{AppID: a.info.AppID, Jobs: []wire.TimelineJob{}, Stages: []wire.TimelineStage{}}
	var jobIDs []int
	running := false
	for _, jid := range a.order {
		j := a.jobs[jid]
		if !cell.Owns(&a.info, &j.info) {
			continue
		}
		jobIDs = append(jobIDs, jid)
		i := &j.info
		out.Jobs = append(out.Jobs, wire.TimelineJob{JobID: jid, Name: i.Name, Status: i.Status, Start: i.SubmissionTime, End: clone(i.CompletionTime)})
		if len(jobIDs) == 1 || i.SubmissionTime < out.Start {
			out.Start = i.SubmissionTime
		}
		running = running || i.CompletionTime == nil
		if i.CompletionTime != nil && (out.End == nil || *i.CompletionTime > *out.End) {
			out.End = clone(i.CompletionTime)
		}
		out.Stages = a.appendStages(out.Stages, j)
	}
	if len(jobIDs) == 0 {
		return out, false
	}
	if running {
		out.End = nil
	}
	var stages []*stageTasks
	keys := make([]stageKey, 0, len(a.tasks.stages))
	for k, t := range a.tasks.stages {
		if slices.ContainsFunc(t.jobIDs, func(id int) bool { return slices.Contains(jobIDs, id) }) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y stageKey) int { return cmp.Or(cmp.Compare(x.id, y.id), cmp.Compare(x.attempt, y.attempt)) })
	for _, k := range keys {
		t := a.tasks.stages[k]
		stages = append(stages, t)
		out.NumTasks += t.ended + t.nRunning
	}
	out.Tasks = sampleSpans(stages, maxTasks)
	out.Sampled = len(out.Tasks) < out.NumTasks
	out.Executors = a.lanesIn(out.Start, out.End)
	out.Activity = a.activity.window(out.Start, out.End, maxTimelinePoints)
	return out, true
}

// appendStages adds the attempts of j's stages not listed yet.
func (a *liveApp) appendStages(list []wire.TimelineStage, j *liveJob) []wire.TimelineStage {
	for _, id := range j.stageIDs {
		for attempt := 0; attempt <= a.latest[id]; attempt++ {
			st := a.stages[stageKey{id, attempt}]
			if st == nil || slices.ContainsFunc(list, func(s wire.TimelineStage) bool { return s.StageID == id && s.AttemptID == attempt }) {
				continue
			}
			i := &st.info
			list = append(list, wire.TimelineStage{StageID: id, AttemptID: attempt, JobID: j.info.JobID, Name: i.Name,
				Status: i.Status, Start: clone(i.SubmissionTime), End: clone(i.CompletionTime)})
		}
	}
	return list
}

// sampleSpans returns every running span (at most maxTasks), then a uniform sample of the finished tasks: each stage
// attempt contributes in proportion to its finished tasks, from the front of its (randomly ordered) reservoir.
func sampleSpans(stages []*stageTasks, maxTasks int) []wire.TaskSpan {
	out := []wire.TaskSpan{}
	for _, t := range stages {
		for _, s := range t.running {
			out = append(out, s.out())
		}
	}
	sortSpans(out)
	out = out[:min(len(out), maxTasks)]
	budget := maxTasks - len(out)
	total, held := 0, 0
	for _, t := range stages {
		total += t.ended
		held += len(t.finished)
	}
	take := make([]int, len(stages))
	for i, t := range stages {
		take[i] = len(t.finished)
		if held > budget {
			take[i] = min(len(t.finished), int(int64(budget)*int64(t.ended)/int64(max(total, 1))))
		}
		budget -= take[i]
	}
	for i, t := range stages { // rounding leftovers
		more := min(budget, len(t.finished)-take[i])
		take[i] += more
		budget -= more
	}
	finished := len(out)
	for i, t := range stages {
		for _, s := range t.finished[:take[i]] {
			out = append(out, s.out())
		}
	}
	sortSpans(out[finished:])
	return out
}

func sortSpans(spans []wire.TaskSpan) {
	slices.SortFunc(spans, func(x, y wire.TaskSpan) int {
		return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.TaskID, y.TaskID))
	})
}

func clone(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
