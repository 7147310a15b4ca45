package history

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// Two lines of the monitor's own in its event logs, for what Spark's events cannot say. Their "Event" is a class
// name Spark does not have: Spark's History Server drops such a line with one warning ("Drop unrecognized event")
// and reads the rest of the log.
const (
	// evStageCounts carries a reconnected listener's resync counts: the task counts of its stage attempts, covering
	// the tasks that ended while the monitor was down (their events are in no log). Replayed as a resync of stages.
	evStageCounts = "io.sparkmonitor.history.StageCounts"
	// evDriverLost marks an application whose driver went away without an application end (state.DriverLost); a
	// SparkListenerApplicationEnd follows it, so the log is complete for Spark's History Server too.
	evDriverLost = "io.sparkmonitor.history.DriverLost"
)

// stageCountsLine is evStageCounts' JSON. The driver-lost mark is a sparkTimestamped.
type stageCountsLine struct {
	Event     string               `json:"Event"`
	Timestamp int64                `json:"Timestamp"`
	Stages    []stageCountsOfStage `json:"Stages"`
}

type stageCountsOfStage struct {
	StageID        int    `json:"Stage ID"`
	AttemptID      int    `json:"Stage Attempt ID"`
	Name           string `json:"Stage Name"`
	Status         string `json:"Status"`
	NumTasks       int    `json:"Number of Tasks"`
	Completed      int    `json:"Completed Tasks"`
	Failed         int    `json:"Failed Tasks"`
	Killed         int    `json:"Killed Tasks"`
	Active         int    `json:"Active Tasks"`
	CompletionTime *int64 `json:"Completion Time,omitempty"`
}

// stageCounts writes the resync's stage counts as one evStageCounts line (nothing when it has no stage).
func (e *encoder) stageCounts(x *event.Resync) {
	if len(x.Stages) == 0 {
		return
	}
	l := stageCountsLine{Event: evStageCounts, Timestamp: x.Time, Stages: make([]stageCountsOfStage, len(x.Stages))}
	for i, s := range x.Stages {
		l.Stages[i] = stageCountsOfStage{StageID: s.StageID, AttemptID: s.AttemptID, Name: s.Name, Status: s.Status,
			NumTasks: s.NumTasks, Completed: s.NumCompletedTasks, Failed: s.NumFailedTasks, Killed: s.NumKilledTasks,
			Active: s.NumActiveTasks, CompletionTime: s.CompletionTime}
	}
	e.write(&l)
}

// readStageCounts turns an evStageCounts line back into the resync it came from (its stages only: the jobs, stage
// submissions and completions it brought are lines of their own before it).
func readStageCounts(line []byte) (*event.Resync, error) {
	var l stageCountsLine
	if err := json.Unmarshal(line, &l); err != nil {
		return nil, &FormatError{Err: fmt.Errorf("malformed JSON (%s): %w", evStageCounts, err)}
	}
	r := &event.Resync{Header: hdr("resync", l.Timestamp), Stages: make([]event.ResyncStage, len(l.Stages))}
	for i, s := range l.Stages {
		if s.Completed < 0 || s.Failed < 0 || s.Killed < 0 || s.Active < 0 {
			return nil, &FormatError{Err: errors.New(evStageCounts + ": a negative task count")}
		}
		r.Stages[i] = event.ResyncStage{StageID: s.StageID, AttemptID: s.AttemptID, Name: s.Name, Status: s.Status,
			NumTasks: s.NumTasks, NumCompletedTasks: s.Completed, NumFailedTasks: s.Failed, NumKilledTasks: s.Killed,
			NumActiveTasks: s.Active, CompletionTime: s.CompletionTime}
	}
	return r, nil
}

// readMark reads one of the monitor's own lines (mine false: the line is Spark's).
func readMark(name string, line []byte) (ev event.Event, mine bool, err error) {
	switch name {
	case evStageCounts:
		r, err := readStageCounts(line)
		return r, true, err
	case evDriverLost:
		var l sparkTimestamped
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, true, &FormatError{Err: fmt.Errorf("malformed JSON (%s): %w", evDriverLost, err)}
		}
		return &state.DriverLost{Header: hdr("driverLost", l.Timestamp)}, true, nil
	}
	return nil, false, nil
}
