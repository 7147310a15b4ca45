package event

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDecodeKnownFrames(t *testing.T) {
	ev, err := Decode([]byte(`{"type":"jobStart","seq":3,"time":5,"jobId":7,"name":"collect at <stdin>:1","cellId":"c1",` +
		`"stages":[{"stageId":1,"attemptId":0,"name":"s","numTasks":200,"parentIds":[],"completionTime":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	js, ok := ev.(*JobStart)
	if !ok {
		t.Fatalf("decoded %T, want *JobStart", ev)
	}
	if js.JobID != 7 || *js.CellID != "c1" || js.Stages[0].NumTasks != 200 || js.Seq != 3 || js.Time != 5 {
		t.Errorf("decoded %+v", js)
	}
}

func TestDecodeSQLFrames(t *testing.T) {
	ev, err := Decode([]byte(`{"type":"sqlStart","seq":4,"time":10,"executionId":3,"rootExecutionId":2,"description":"SELECT 1"}`))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := ev.(*SQLStart)
	if !ok || st.ExecutionID != 3 || st.RootExecutionID == nil || *st.RootExecutionID != 2 || st.Description != "SELECT 1" || st.Time != 10 {
		t.Errorf("decoded %T %+v", ev, ev)
	}
	ev, err = Decode([]byte(`{"type":"sqlEnd","seq":5,"time":11,"executionId":3,"error":"[DIVIDE_BY_ZERO] Division by zero"}`))
	if err != nil {
		t.Fatal(err)
	}
	if end, ok := ev.(*SQLEnd); !ok || end.ExecutionID != 3 || end.Error == nil || !strings.Contains(*end.Error, "DIVIDE_BY_ZERO") {
		t.Errorf("decoded %T %+v", ev, ev)
	}
	ev, err = Decode([]byte(`{"type":"resync","sqlExecutions":[{"executionId":7,"rootExecutionId":null,"description":"q","time":9}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if rs, ok := ev.(*Resync); !ok || len(rs.SQLExecutions) != 1 || rs.SQLExecutions[0].ExecutionID != 7 || rs.SQLExecutions[0].Time != 9 ||
		rs.SQLExecutions[0].RootExecutionID != nil {
		t.Errorf("resync decoded %+v", rs)
	}
}

func TestDecodeRejectsMalformedFramesWithAReason(t *testing.T) {
	cases := map[string]string{
		``:                                    "empty frame",
		`not json`:                            "not a JSON object",
		`[1,2]`:                               "not a JSON object",
		`{"seq":1}`:                           `no "type"`,
		`{"type":"jobStart"}`:                 `missing field "jobId"`,
		`{"type":"jobStart","jobId":"seven"}`: "jobStart frame",
		`{"type":"taskEnd","stageId":1,"taskId":2}`: `missing field "status"`,
		`{"type":"hello","appId":"a"}`:              `missing field "protocol"`,
		`{"type":"sqlStart","description":"q"}`:     `missing field "executionId"`,
		`{"type":"sqlEnd","executionId":null}`:      `missing field "executionId"`,
	}
	for in, want := range cases {
		_, err := Decode([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%q) error = %v, want it to mention %q", in, err, want)
		}
	}
}

func TestDecodeUnknownTypeIsNotAnError(t *testing.T) {
	ev, err := Decode([]byte(`{"type":"sqlExecutionStart","seq":9}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ev.(*Unknown); !ok || TypeOf(ev) != "sqlExecutionStart" {
		t.Errorf("got %T %q", ev, TypeOf(ev))
	}
}

func TestReaderBoundsFrames(t *testing.T) {
	long := `{"type":"x","pad":"` + strings.Repeat("a", MaxFrameBytes) + `"}`
	r := NewReader(strings.NewReader("{\"type\":\"appEnd\"}\n\n" + long + "\n{\"type\":\"appEnd\"}\n"))
	if line, n, err := r.Next(); err != nil || n != 1 || string(line) != `{"type":"appEnd"}` {
		t.Fatalf("first frame: %q %d %v", line, n, err)
	}
	if _, _, err := r.Next(); !errors.Is(err, ErrFrameTooLong) {
		t.Fatalf("oversized frame: err = %v, want ErrFrameTooLong", err)
	}
	r = NewReader(strings.NewReader("{\"type\":\"appEnd\"}"))
	if _, _, err := r.Next(); err != nil {
		t.Fatal("a last frame without newline is still a frame:", err)
	}
	if _, _, err := r.Next(); err != io.EOF {
		t.Fatalf("want io.EOF, got %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","protocol":1,"secret":"s","appId":"a"}`,
		`{"type":"jobStart","jobId":1,"stages":[{"stageId":0,"numTasks":2}]}`,
		`{"type":"taskEnd","stageId":0,"taskId":1,"status":"FAILED","reason":"x","metrics":{"executorRunTime":3}}`,
		`{"type":"resync","jobs":[{"jobId":1}],"stages":[{"stageId":0}],"executors":[{"executorId":"1"}]}`,
		`{"type":"sqlStart","executionId":1,"rootExecutionId":null,"description":"SELECT 1"}`,
		`{"type":"sqlEnd","executionId":1,"error":null}`,
		`{"type":`, `null`, `{"type":"jobEnd","jobId":1e400,"result":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		ev, err := Decode(line)
		if (ev == nil) == (err == nil) {
			t.Fatalf("Decode(%q) = %v, %v: exactly one of event and error must be set", line, ev, err)
		}
		if ev != nil && TypeOf(ev) == "" {
			t.Fatalf("decoded an event without type from %q", line)
		}
	})
}
