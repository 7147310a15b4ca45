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

// decodeFast decodes a trimmed frame the scanner handles; ok is false for every other frame. A frame of exactly the
// listener's shape takes a shorter way still (listener_shape.go).
func decodeFast(line []byte) (ev Event, ok bool) {
	if ev, ok = decodeListenerShape(line); ok {
		return ev, true
	}
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

// taskMembers reads a task frame's members after "type": the shared ones into t, any other through own, which
// returns the member's bit in the seen mask (0 for an unknown key). It returns the seen mask.
func (s *scanner) taskMembers(t taskFields, own func(key []byte) (bit uint, ok bool)) (uint32, bool) {
	seen := uint32(1) // bit 0: type
	ok := s.members(false, func(key []byte) bool {
		if string(key) == "type" {
			return false // a second "type"
		}
		if ok, shared := s.taskMember(t, key, &seen); shared {
			return ok
		}
		bit, ok := own(key)
		return ok && (bit == 0 || once(&seen, bit))
	})
	return seen, ok
}

// taskMember reads the value of a member both task frames have into t (shared false: key is not one of them).
func (s *scanner) taskMember(t taskFields, key []byte, seen *uint32) (ok, shared bool) {
	switch string(key) {
	case "seq":
		return once(seen, 1) && s.int64(&t.h.Seq), true
	case "time":
		return once(seen, 2) && s.int64(&t.h.Time), true
	case "stageId":
		return once(seen, taskStageID) && s.requiredInt(t.stageID), true
	case "stageAttemptId":
		return once(seen, 4) && s.int(t.stageAttemptID), true
	case "taskId":
		return once(seen, taskTaskID) && s.requiredInt64(t.taskID), true
	case "index":
		return once(seen, 6) && s.int(t.index), true
	case "attempt":
		return once(seen, 7) && s.int(t.attempt), true
	case "executorId":
		return once(seen, 8) && s.string(t.executorID), true
	case "host":
		return once(seen, 9) && s.string(t.host), true
	}
	return false, false
}

func (s *scanner) taskStart() (Event, bool) {
	ev := &TaskStart{Header: Header{Type: "taskStart"}}
	seen, ok := s.taskMembers(taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt,
		&ev.TaskID, &ev.ExecutorID, &ev.Host}, func(key []byte) (uint, bool) {
		if string(key) == "speculative" {
			return taskOwn, s.bool(&ev.Speculative)
		}
		return 0, s.skipUnknown(key, taskStartFields)
	})
	const required = 1<<taskStageID | 1<<taskTaskID
	return ev, ok && seen&required == required
}

func (s *scanner) taskEnd() (Event, bool) {
	// one allocation for the event and its metrics, which nearly every taskEnd carries
	both := &struct {
		ev TaskEnd
		m  TaskMetrics
	}{ev: TaskEnd{Header: Header{Type: "taskEnd"}}}
	ev := &both.ev
	seen, ok := s.taskMembers(taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt,
		&ev.TaskID, &ev.ExecutorID, &ev.Host}, func(key []byte) (uint, bool) {
		switch string(key) {
		case "launchTime":
			return taskOwn, s.int64(&ev.LaunchTime)
		case "status":
			return taskOwn + 1, s.notNull() && s.string(&ev.Status)
		case "reason":
			return taskOwn + 2, s.stringPtr(&ev.Reason)
		case "metrics":
			return taskOwn + 3, s.metrics(&ev.Metrics, &both.m)
		}
		return 0, s.skipUnknown(key, taskEndFields)
	})
	const required = 1<<taskStageID | 1<<taskTaskID | 1<<(taskOwn+1) // stageId, taskId, status
	return ev, ok && seen&required == required
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
	ok := s.members(true, func(key []byte) bool {
		var v *int64
		var bit uint
		switch string(key) {
		case "executorRunTime":
			v, bit = &m.ExecutorRunTime, 0
		case "executorCpuTime":
			v, bit = &m.ExecutorCPUTime, 1
		case "inputBytes":
			v, bit = &m.InputBytes, 2
		case "inputRecords":
			v, bit = &m.InputRecords, 3
		case "outputBytes":
			v, bit = &m.OutputBytes, 4
		case "outputRecords":
			v, bit = &m.OutputRecords, 5
		case "shuffleReadBytes":
			v, bit = &m.ShuffleReadBytes, 6
		case "shuffleReadRecords":
			v, bit = &m.ShuffleReadRecords, 7
		case "shuffleWriteBytes":
			v, bit = &m.ShuffleWriteBytes, 8
		case "shuffleWriteRecords":
			v, bit = &m.ShuffleWriteRecords, 9
		case "memoryBytesSpilled":
			v, bit = &m.MemoryBytesSpilled, 10
		case "diskBytesSpilled":
			v, bit = &m.DiskBytesSpilled, 11
		case "jvmGcTime":
			v, bit = &m.JVMGCTime, 12
		case "resultSize":
			v, bit = &m.ResultSize, 13
		default:
			return s.skipUnknown(key, metricsFields)
		}
		return once(&seen, bit) && s.int64(v)
	})
	if !ok {
		return false
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
	switch s.b[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}
