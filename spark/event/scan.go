package event

import "bytes"

// The fast path of Decode: one pass over a taskStart or taskEnd frame that fills the event directly. It handles only
// the plain shape the listener sends: "type" first, keys and strings without escapes, valid UTF-8, integers without
// fraction or exponent that fit, each known key once and spelled exactly, unknown members with scalar values, required
// fields present and not null. Anything else makes it give up (ok == false) and Decode falls back to
// decodeReference, so the scanner never decides an error and a frame means the same on either path.

// The fields encoding/json would match (case-insensitively) for each frame type; an unknown key that folds to one of
// them makes the scanner give up.
var (
	taskStartFields = []string{"type", "seq", "time", "stageId", "stageAttemptId", "taskId", "index", "attempt",
		"executorId", "host", "speculative"}
	taskEndFields = []string{"type", "seq", "time", "stageId", "stageAttemptId", "taskId", "index", "attempt",
		"executorId", "host", "launchTime", "status", "reason", "metrics"}
	metricsFields = []string{"executorRunTime", "executorCpuTime", "inputBytes", "inputRecords", "outputBytes",
		"outputRecords", "shuffleReadBytes", "shuffleReadRecords", "shuffleWriteBytes", "shuffleWriteRecords",
		"memoryBytesSpilled", "diskBytesSpilled", "jvmGcTime", "resultSize"}
)

// decodeFast decodes a trimmed frame the scanner handles; ok is false for every other frame.
func decodeFast(line []byte) (ev Event, ok bool) {
	s := scanner{b: line}
	if !s.byte('{') {
		return nil, false
	}
	key, _, ok := s.nextKey(true)
	if !ok || string(key) != "type" {
		return nil, false
	}
	typ, ok := s.str()
	if !ok {
		return nil, false
	}
	switch string(typ) {
	case "taskStart":
		ev, ok = s.taskStart()
	case "taskEnd":
		ev, ok = s.taskEnd()
	default:
		return nil, false
	}
	s.ws()
	if !ok || s.i != len(s.b) {
		return nil, false
	}
	return ev, true
}

// taskFields points at the fields taskStart and taskEnd share.
type taskFields struct {
	h                                       *Header
	stageID, stageAttemptID, index, attempt *int
	taskID                                  *int64
	executorID, host                        *string
}

// The bits of a task frame's seen mask: the shared fields, then each frame's own from taskOwn on.
const (
	taskStageID = 3
	taskTaskID  = 5
	taskOwn     = 10
)

// taskMember reads the value of a member both task frames have; known is false for any other key.
func (s *scanner) taskMember(key []byte, t taskFields, seen *uint32) (known, ok bool) {
	switch string(key) {
	case "type":
		return true, false // a second "type"
	case "seq":
		ok = once(seen, 1) && s.int64(&t.h.Seq)
	case "time":
		ok = once(seen, 2) && s.int64(&t.h.Time)
	case "stageId":
		ok = once(seen, taskStageID) && s.notNull() && s.int(t.stageID)
	case "stageAttemptId":
		ok = once(seen, 4) && s.int(t.stageAttemptID)
	case "taskId":
		ok = once(seen, taskTaskID) && s.notNull() && s.int64(t.taskID)
	case "index":
		ok = once(seen, 6) && s.int(t.index)
	case "attempt":
		ok = once(seen, 7) && s.int(t.attempt)
	case "executorId":
		ok = once(seen, 8) && s.string(t.executorID)
	case "host":
		ok = once(seen, 9) && s.string(t.host)
	default:
		return false, false
	}
	return true, ok
}

func (s *scanner) taskStart() (Event, bool) {
	ev := &TaskStart{Header: Header{Type: "taskStart"}}
	t := taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt, &ev.TaskID, &ev.ExecutorID,
		&ev.Host}
	seen := uint32(1) // bit 0: type
	for {
		key, end, ok := s.nextKey(false)
		if !ok {
			return nil, false
		}
		if end {
			break
		}
		known, ok := s.taskMember(key, t, &seen)
		switch {
		case known:
		case string(key) == "speculative":
			ok = once(&seen, taskOwn) && s.bool(&ev.Speculative)
		default:
			ok = s.skipUnknown(key, taskStartFields)
		}
		if !ok {
			return nil, false
		}
	}
	const required = 1<<taskStageID | 1<<taskTaskID
	return ev, seen&required == required
}

func (s *scanner) taskEnd() (Event, bool) {
	// one allocation for the event and its metrics, which nearly every taskEnd carries
	both := &struct {
		ev TaskEnd
		m  TaskMetrics
	}{ev: TaskEnd{Header: Header{Type: "taskEnd"}}}
	ev := &both.ev
	t := taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt, &ev.TaskID, &ev.ExecutorID,
		&ev.Host}
	seen := uint32(1) // bit 0: type
	for {
		key, end, ok := s.nextKey(false)
		if !ok {
			return nil, false
		}
		if end {
			break
		}
		known, ok := s.taskMember(key, t, &seen)
		if !known {
			switch string(key) {
			case "launchTime":
				ok = once(&seen, taskOwn) && s.int64(&ev.LaunchTime)
			case "status":
				ok = once(&seen, taskOwn+1) && s.notNull() && s.string(&ev.Status)
			case "reason":
				ok = once(&seen, taskOwn+2) && s.stringPtr(&ev.Reason)
			case "metrics":
				ok = once(&seen, taskOwn+3) && s.metrics(&ev.Metrics, &both.m)
			default:
				ok = s.skipUnknown(key, taskEndFields)
			}
		}
		if !ok {
			return nil, false
		}
	}
	const required = 1<<taskStageID | 1<<taskTaskID | 1<<(taskOwn+1) // stageId, taskId, status
	return ev, seen&required == required
}

// metrics reads a TaskEnd's metrics object into m and points *dst at it, or reads null.
func (s *scanner) metrics(dst **TaskMetrics, m *TaskMetrics) bool {
	if s.null() {
		return true
	}
	if !s.byte('{') {
		return false
	}
	var seen uint32
	for first := true; ; first = false {
		key, end, ok := s.nextKey(first)
		if !ok {
			return false
		}
		if end {
			break
		}
		var v *int64
		switch string(key) {
		case "executorRunTime":
			ok, v = once(&seen, 0), &m.ExecutorRunTime
		case "executorCpuTime":
			ok, v = once(&seen, 1), &m.ExecutorCPUTime
		case "inputBytes":
			ok, v = once(&seen, 2), &m.InputBytes
		case "inputRecords":
			ok, v = once(&seen, 3), &m.InputRecords
		case "outputBytes":
			ok, v = once(&seen, 4), &m.OutputBytes
		case "outputRecords":
			ok, v = once(&seen, 5), &m.OutputRecords
		case "shuffleReadBytes":
			ok, v = once(&seen, 6), &m.ShuffleReadBytes
		case "shuffleReadRecords":
			ok, v = once(&seen, 7), &m.ShuffleReadRecords
		case "shuffleWriteBytes":
			ok, v = once(&seen, 8), &m.ShuffleWriteBytes
		case "shuffleWriteRecords":
			ok, v = once(&seen, 9), &m.ShuffleWriteRecords
		case "memoryBytesSpilled":
			ok, v = once(&seen, 10), &m.MemoryBytesSpilled
		case "diskBytesSpilled":
			ok, v = once(&seen, 11), &m.DiskBytesSpilled
		case "jvmGcTime":
			ok, v = once(&seen, 12), &m.JVMGCTime
		case "resultSize":
			ok, v = once(&seen, 13), &m.ResultSize
		default:
			ok = s.skipUnknown(key, metricsFields)
		}
		if !ok || v != nil && !s.int64(v) {
			return false
		}
	}
	*dst = m
	return true
}

// once marks a field as seen; false if it was already (a duplicate key: encoding/json's last-wins is left to it).
func once(seen *uint32, bit uint) bool {
	if *seen&(1<<bit) != 0 {
		return false
	}
	*seen |= 1 << bit
	return true
}

// skipUnknown skips the scalar value of a key (as nextKey read it) the event does not have. A key with an escape,
// a control character or non-ASCII bytes, one encoding/json could still match to a field (other case), or an object
// or array value makes the scanner give up.
func (s *scanner) skipUnknown(key []byte, fields []string) bool {
	for _, c := range key {
		if !plainByte[c] || c == '_' || c == '-' { // json/v2's folding also ignores '_' and '-'
			return false
		}
	}
	for _, f := range fields {
		if bytes.EqualFold(key, []byte(f)) {
			return false
		}
	}
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}
