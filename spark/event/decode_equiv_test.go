package event

// Decode's fast path (listener_shape.go) must mean exactly what decodeReference means: the same event for every frame, or an
// error from both (always decodeReference's own, since the scanner never decides one).

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func checkSameAsReference(t *testing.T, line []byte) {
	t.Helper()
	got, gotErr := Decode(line)
	want, wantErr := decodeReference(line)
	if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
		t.Fatalf("Decode(%q) error = %v, reference error = %v", line, gotErr, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%q) = %#v, reference = %#v", line, got, want)
	}
}

// recordedFrames returns every frame of the committed recordings.
func recordedFrames(t testing.TB) [][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("recordings: %v %v", paths, err)
	}
	var frames [][]byte
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.SplitSeq(raw, []byte("\n")) {
			if len(line) > 0 {
				frames = append(frames, line)
			}
		}
	}
	return frames
}

func TestDecodeMatchesReferenceOnRecordings(t *testing.T) {
	fast, tasks := 0, 0
	for _, f := range recordedFrames(t) {
		checkSameAsReference(t, f)
		if _, ok := decodeFast(bytes.TrimSpace(f)); ok {
			fast++
		}
		if bytes.HasPrefix(f, []byte(`{"type":"task`)) && !bytes.Contains(f, []byte(`\`)) {
			tasks++
		}
	}
	// Every recorded task frame without escapes (those are failed tasks' stack traces) takes the fast path, the
	// listener's shape, or the benchmark would measure the fallback.
	if fast != tasks {
		t.Errorf("fast path took %d frames, the recordings have %d task frames without escapes", fast, tasks)
	}
}

const (
	taskStartFrame = `{"type":"taskStart","seq":5,"time":1795572498461,"stageId":0,"stageAttemptId":0,"taskId":0,"index":0,` +
		`"attempt":0,"executorId":"driver","host":"192.0.2.2","speculative":false}`
	taskEndFrame = `{"type":"taskEnd","seq":9,"time":1795572498934,"stageId":0,"stageAttemptId":1,"taskId":7,"index":3,` +
		`"attempt":2,"executorId":"driver","host":"192.0.2.2","speculative":false,"launchTime":1795572498461,` +
		`"status":"SUCCESS","reason":null,"metrics":{"executorRunTime":198,"executorCpuTime":63172171,"inputBytes":0,` +
		`"inputRecords":1,"outputBytes":0,"outputRecords":0,"shuffleReadBytes":0,"shuffleReadRecords":0,` +
		`"shuffleWriteBytes":56,"shuffleWriteRecords":1,"memoryBytesSpilled":0,"diskBytesSpilled":0,"jvmGcTime":30,` +
		`"resultSize":2004}}`
)

// edgeCases are the task frames mutated towards everything the scanner must decode like encoding/json or leave to it.
func edgeCases() []string {
	r := func(frame, old, new string) string { return strings.Replace(frame, old, new, 1) }
	s, e := taskStartFrame, taskEndFrame
	cases := []string{s, e,
		// escapes and unicode in strings and keys
		r(e, `"host":"192.0.2.2"`, `"host":"a\nb\"c\\d\/e\u00e9\ud83d\ude00"`), r(s, `"driver"`, `"\u0064river"`),
		r(e, `"stageId"`, `"stage\u0049d"`), r(s, `"host":"192.0.2.2"`, `"host":"hôte 日本 😀"`),
		r(s, `"host":"192.0.2.2"`, "\"host\":\"\xff\xfe\""), r(s, `"host":"192.0.2.2"`, "\"host\":\"a\tb\""),
		r(e, `"reason":null`, `"reason":"boom\n\tat x"`), r(e, `"reason":null`, `"reason":""`),
		r(e, `"reason":null`, "\"r\xc3\xa9ason\":1"), r(s, `"seq"`, `"ſeq"`), r(s, `"stageAttemptId"`, `"stageAttemptId"`),
		// nulls
		r(s, `"stageId":0`, `"stageId":null`), r(s, `"taskId":0`, `"taskId":null`), r(e, `"SUCCESS"`, `null`),
		r(s, `"seq":5`, `"seq":null`), r(s, `"host":"192.0.2.2"`, `"host":null`), r(s, `false`, `null`),
		r(e, `"metrics":{`, `"metrics":null,"m":{`), r(e, `"executorRunTime":198`, `"executorRunTime":null`),
		r(s, `"driver"`, `nul`), r(s, `false`, `nullx`), r(s, `false`, `fals`), r(s, `false`, `true`),
		// missing and extra fields
		r(s, `"stageId":0,`, ``), r(s, `,"taskId":0`, ``), r(e, `"status":"SUCCESS",`, ``), `{"type":"taskEnd"}`,
		`{"type":"taskStart"}`, `{"type":"taskStart","stageId":1,"taskId":2}`,
		r(s, `"seq"`, `"x":1,"seq"`), r(s, `"seq"`, `"x":"y","seq"`), r(s, `"seq"`, `"x":true,"seq"`),
		r(s, `"seq"`, `"x":-1.5e+3,"seq"`), r(s, `"seq"`, `"x":-0.0E-0,"seq"`), r(s, `"seq"`, `"x":[1,{"a":2}],"seq"`),
		r(s, `"seq"`, `"x":{"a":{"b":[]}},"seq"`), r(e, `"jvmGcTime"`, `"peak":{"a":1},"jvmGcTime"`),
		r(e, `"jvmGcTime"`, `"extra":7,"jvmGcTime"`), r(s, `"seq"`, `"x":01,"seq"`), r(s, `"seq"`, `"x":1.,"seq"`),
		r(s, `"seq"`, `"x":-,"seq"`), r(s, `"seq"`, `"x":1e,"seq"`), r(s, `"seq"`, `"x":.5,"seq"`),
		r(s, `"seq"`, `"shuffle_read":1,"seq"`), r(s, `"seq"`, `"task-id":1,"seq"`), r(s, `"seq"`, `"a\":1,"seq"`),
		r(s, `"seq"`, `"seq\":1,"x":2,"seq"`), r(e, `"jvmGcTime"`, `"a\":1,"jvmGcTime"`), r(s, `"seq"`, "\"\x7f\":1,\"seq\""),
		// numbers
		r(s, `"taskId":0`, `"taskId":1e400`), r(s, `"taskId":0`, `"taskId":99999999999999999999`),
		r(s, `"taskId":0`, `"taskId":9223372036854775807`), r(s, `"taskId":0`, `"taskId":9223372036854775808`),
		r(s, `"taskId":0`, `"taskId":-9223372036854775808`), r(s, `"taskId":0`, `"taskId":123456789012345678`),
		r(s, `"taskId":0`, `"taskId":-123456789012345678`), r(s, `"taskId":0`, `"taskId":-0`),
		r(s, `"taskId":0`, `"taskId":007`), r(s, `"taskId":0`, `"taskId":-`), r(s, `"taskId":0`, `"taskId":+1`),
		r(s, `"stageId":0`, `"stageId":1.0`), r(s, `"stageId":0`, `"stageId":1e2`), r(s, `"stageId":0`, `"stageId":1.5`),
		r(s, `"stageId":0`, `"stageId":"1"`), r(e, `"inputBytes":0`, `"inputBytes":2.5`), r(s, `"index":0`, `"index":1E0`),
		// wrong types
		r(s, `"driver"`, `7`), r(s, `false`, `"false"`), r(s, `false`, `0`), r(e, `"metrics":{`, `"metrics":[],"m":{`),
		r(e, `"metrics":{`, `"metrics":1,"m":{`), r(e, `"metrics":{"executorRunTime":198,`, `"metrics":{`),
		r(e, `"reason":null`, `"reason":5`), r(e, `"SUCCESS"`, `["SUCCESS"]`),
		// duplicate and case-folded keys
		r(s, `"taskId":0`, `"taskId":0,"taskId":9`), r(s, `"seq"`, `"type":"taskEnd","seq"`), r(s, `"seq"`, `"Type":"x","seq"`),
		r(s, `"taskId":0`, `"TASKID":9`), r(s, `"taskId":0`, `"taskId":0,"TaskId":9`), r(s, `"stageId"`, `"StageId"`),
		r(e, `"jvmGcTime":30`, `"jvmGcTime":30,"jvmGcTime":31`), r(e, `"jvmGcTime"`, `"JvmGcTime"`),
		r(e, `"metrics":{`, `"metrics":{},"metrics":{`), r(e, `"reason":null`, `"reason":null,"reason":"x"`),
		// layout
		r(r(s, `{`, " {\t\r\n"), `:`, " : "), r(r(s, `,`, " ,\n"), `}`, " }"), "\u00a0" + s + "\u0085 \n", s + "x",
		s + "{}", s + ",", r(s, `"seq"`, `,"seq"`), r(s, `"type":"taskStart",`, ``) + `,"type":"taskStart"}`,
		r(s, `}`, `,}`), `{}`, `{"type":"taskStart",}`, `{"type":"taskStart"`, `{"type":"taskStart","seq"}`,
		`{"type":"taskStart","seq":}`, `{"type":"taskStart" "seq":1}`, `{"type":taskStart}`, `{"type":"task\u0053tart"}`,
		`{"type":"taskStart","stageId":1,"taskId":2,"status":"x"}`, `[` + s + `]`, `null`, `{"type":null}`,
		r(e, `"type":"taskEnd"`, `"type":"taskEnd","speculative":"maybe"`),
		// the listener's shape, with the values it can hold, and just off it (listener_shape.go)
		r(e, `"speculative":false`, `"speculative":true`), r(e, `"speculative":false`, `"speculative":null`),
		r(e, `"speculative":false`, `"speculative":0`), e[:strings.Index(e, `"metrics"`)] + `"metrics":null}`,
		e[:strings.Index(e, `"metrics"`)] + `"metrics":{}}`, r(e, `"reason":null`, `"reason":"ExecutorLostFailure"`),
		r(e, `"SUCCESS"`, `"KILLED"`), r(s, `"attempt":0`, `"attempt": 0`), r(e, `"resultSize":2004}`, `"resultSize":2004 }`),
		r(e, `"seq":9`, `"seq":-9`), r(s, `"executorId":"driver"`, `"executorId":"17"`), r(e, `,"host"`, `, "host"`),
		s[:len(s)-1] + `,"x":1}`, e[:len(e)-1] + `,"x":1}`, e[:len(e)-2] + `,"x":1}}`,
	}
	// every prefix of both frames: truncated input, cut anywhere
	for _, f := range []string{s, e} {
		for i := range len(f) {
			cases = append(cases, f[:i])
		}
	}
	return cases
}

func TestDecodeMatchesReferenceOnEdgeCases(t *testing.T) {
	for _, c := range edgeCases() {
		checkSameAsReference(t, []byte(c))
	}
}

func FuzzDecodeMatchesReference(f *testing.F) {
	for _, c := range edgeCases() {
		f.Add([]byte(c))
	}
	seen := map[string]bool{}
	for _, frame := range recordedFrames(f) {
		// one frame per type and length keeps tiny_tasks' 10 000 near-identical frames from swamping the corpus
		key := string(frame[:min(len(frame), 20)]) + string(rune(len(frame)))
		if !seen[key] {
			seen[key] = true
			f.Add(frame)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkSameAsReference(t, line) })
}
