package event

// The fast path of Decode: a taskStart or taskEnd frame exactly as the listener writes it, every member in the
// listener's order and spelling, compact, with no unknown member. Such a frame needs no key lookup: each member is
// checked as one comparison of the bytes `,"key":` and its value read straight into the event by the scanner's
// readers (scanner.go), with encoding/json's meaning (a required field not null, null leaving a field as it is). Every
// other frame, a task frame of any other shape included, goes to decodeReference (encoding/json), so this path never
// decides an error and a frame means the same on either path (decode_equiv_test.go, FuzzDecodeMatchesReference).

// decodeFast decodes a trimmed frame of the listener's shape; ok is false for every other frame.
func decodeFast(line []byte) (ev Event, ok bool) { return decodeListenerShape(line) }

// taskFields points at the fields taskStart and taskEnd share.
type taskFields struct {
	h                                       *Header
	stageID, stageAttemptID, index, attempt *int
	taskID                                  *int64
	executorID, host                        *string
}

// decodeListenerShape decodes a trimmed taskStart or taskEnd frame of the listener's shape; ok is false for every
// other frame, which decodeReference then reads.
func decodeListenerShape(line []byte) (Event, bool) {
	s := scanner{b: line}
	switch {
	case s.lit(`{"type":"taskEnd"`):
		return s.listenerTaskEnd()
	case s.lit(`{"type":"taskStart"`):
		return s.listenerTaskStart()
	}
	return nil, false
}

// lit consumes w if the input continues with exactly w (no white space skipped).
func (s *scanner) lit(w string) bool {
	if len(s.b)-s.i >= len(w) && string(s.b[s.i:s.i+len(w)]) == w {
		s.i += len(w)
		return true
	}
	return false
}

// listenerTaskFields reads the members both task frames begin with, "seq" to "host", into t.
func (s *scanner) listenerTaskFields(t taskFields) bool {
	return s.lit(`,"seq":`) && s.int64(&t.h.Seq) &&
		s.lit(`,"time":`) && s.int64(&t.h.Time) &&
		s.lit(`,"stageId":`) && s.notNull() && s.int(t.stageID) &&
		s.lit(`,"stageAttemptId":`) && s.int(t.stageAttemptID) &&
		s.lit(`,"taskId":`) && s.notNull() && s.int64(t.taskID) &&
		s.lit(`,"index":`) && s.int(t.index) &&
		s.lit(`,"attempt":`) && s.int(t.attempt) &&
		s.lit(`,"executorId":`) && s.string(t.executorID) &&
		s.lit(`,"host":`) && s.string(t.host)
}

// listenerTaskStart reads the members of a taskStart after `{"type":"taskStart"`, up to the end of the frame.
func (s *scanner) listenerTaskStart() (Event, bool) {
	ev := &TaskStart{Header: Header{Type: "taskStart"}}
	ok := s.listenerTaskFields(taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt,
		&ev.TaskID, &ev.ExecutorID, &ev.Host}) &&
		s.lit(`,"speculative":`) && s.bool(&ev.Speculative) &&
		s.lit(`}`) && s.i == len(s.b)
	return ev, ok
}

// listenerTaskEnd reads the members of a taskEnd after `{"type":"taskEnd"`, up to the end of the frame.
func (s *scanner) listenerTaskEnd() (Event, bool) {
	both := &struct { // one allocation for the event and its metrics, as in taskEnd
		ev TaskEnd
		m  TaskMetrics
	}{ev: TaskEnd{Header: Header{Type: "taskEnd"}}}
	ev := &both.ev
	ok := s.listenerTaskFields(taskFields{&ev.Header, &ev.StageID, &ev.StageAttemptID, &ev.Index, &ev.Attempt,
		&ev.TaskID, &ev.ExecutorID, &ev.Host}) &&
		s.lit(`,"speculative":`) && s.skipBool() &&
		s.lit(`,"launchTime":`) && s.int64(&ev.LaunchTime) &&
		s.lit(`,"status":`) && s.notNull() && s.string(&ev.Status) &&
		s.lit(`,"reason":`) && s.stringPtr(&ev.Reason) &&
		s.lit(`,"metrics":`) && s.listenerMetrics(&ev.Metrics, &both.m) &&
		s.lit(`}`) && s.i == len(s.b)
	return ev, ok
}

// skipBool reads true or false (a taskEnd's "speculative", which TaskEnd does not keep).
func (s *scanner) skipBool() bool { return s.lit("false") || s.lit("true") }

// listenerMetrics reads a taskEnd's metrics object, its members in the listener's order, into m and points *dst at
// it; or null.
func (s *scanner) listenerMetrics(dst **TaskMetrics, m *TaskMetrics) bool {
	if s.lit("null") {
		return true
	}
	members := [...]struct {
		key string
		v   *int64
	}{
		{`{"executorRunTime":`, &m.ExecutorRunTime}, {`,"executorCpuTime":`, &m.ExecutorCPUTime},
		{`,"inputBytes":`, &m.InputBytes}, {`,"inputRecords":`, &m.InputRecords},
		{`,"outputBytes":`, &m.OutputBytes}, {`,"outputRecords":`, &m.OutputRecords},
		{`,"shuffleReadBytes":`, &m.ShuffleReadBytes}, {`,"shuffleReadRecords":`, &m.ShuffleReadRecords},
		{`,"shuffleWriteBytes":`, &m.ShuffleWriteBytes}, {`,"shuffleWriteRecords":`, &m.ShuffleWriteRecords},
		{`,"memoryBytesSpilled":`, &m.MemoryBytesSpilled}, {`,"diskBytesSpilled":`, &m.DiskBytesSpilled},
		{`,"jvmGcTime":`, &m.JVMGCTime}, {`,"resultSize":`, &m.ResultSize},
	}
	for _, member := range members {
		if !s.lit(member.key) || !s.int64(member.v) {
			return false
		}
	}
	if !s.lit(`}`) {
		return false
	}
	*dst = m
	return true
}
