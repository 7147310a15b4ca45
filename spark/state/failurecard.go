package state

import (
	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/diagnose"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of a failure card.
const (
	maxCardMessage = 1 << 10
	maxCardTrace   = 16 << 10
)

// failureCard builds the card of a job that ended FAILED or CANCELLED, from its latest failed task, its failed stage
// and its error.
func (a *liveApp) failureCard(j *liveJob) *wire.FailureCard {
	var texts diagnose.Texts
	if j.info.Error != nil {
		texts.Job = *j.info.Error
	}
	card := &wire.FailureCard{Traces: []string{}}
	if st := a.failedStage(j); st != nil {
		id, attempt := st.info.StageID, st.info.AttemptID
		card.StageID, card.StageAttemptID = &id, &attempt
		if st.info.FailureReason != nil {
			texts.Stage = *st.info.FailureReason
		}
	}
	if t := j.lastFailed; t != nil && t.Reason != nil {
		texts.Task = *t.Reason
		id := t.TaskID
		card.TaskID, card.Attempts, card.ExecutorID, card.Host = &id, t.Attempt+1, t.ExecutorID, t.Host
		if card.StageID == nil {
			sid, attempt := t.StageID, t.StageAttemptID
			card.StageID, card.StageAttemptID = &sid, &attempt
		}
		card.Traces = append(card.Traces, event.Clip(texts.Task, maxCardTrace))
	}
	if texts.Job != "" {
		card.Traces = append(card.Traces, event.Clip(texts.Job, maxCardTrace))
	}
	card.Category = diagnose.Classify(texts)
	if j.info.Status == wire.JobCancelled {
		card.Category = wire.FailureCancelled
	}
	fillCard(card, texts)
	if card.Line == nil && j.info.Known() {
		// No cell frame in a traceback: the line of the cell that started the job (wire.CellLine).
		line := j.info.CellLine.CellLine
		card.Line, card.LineText = &line, j.info.CellLineText
	}
	return card
}

// fillCard sets a card's advice, exception and cell line from its category and texts.
func fillCard(card *wire.FailureCard, texts diagnose.Texts) {
	adv := diagnose.AdviceFor(card.Category)
	card.Title, card.Fix = adv.Title, adv.Fix
	source := texts.Task
	if source == "" {
		source = texts.Job
	}
	class, msg := diagnose.Exception(source)
	card.ExceptionClass, card.Message = class, event.Clip(msg, maxCardMessage)
	if line, text, ok := diagnose.CellLine(source); ok {
		card.Line, card.LineText = &line, event.Clip(text, maxCardMessage)
	}
}

// failedStage is the job's stage attempt that failed (the latest such), nil when none did.
func (a *liveApp) failedStage(j *liveJob) *liveStage {
	var found *liveStage
	for _, id := range j.stageIDs {
		st := a.stages[stageKey{id, a.latest[id]}]
		if st != nil && st.info.Status == wire.StageFailed && (found == nil || later(st, found)) {
			found = st
		}
	}
	return found
}

func later(a, b *liveStage) bool {
	return a.info.CompletionTime != nil && (b.info.CompletionTime == nil || *a.info.CompletionTime > *b.info.CompletionTime)
}
