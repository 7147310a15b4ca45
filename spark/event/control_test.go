package event

import (
	"encoding/json"
	"os"
	"testing"
)

func TestHelloKillEnabledAbsentMeansTrue(t *testing.T) {
	cases := map[string]bool{
		`{"type":"hello","protocol":1,"secret":"s","appId":"a"}`:                     true,
		`{"type":"hello","protocol":1,"secret":"s","appId":"a","killEnabled":true}`:  true,
		`{"type":"hello","protocol":1,"secret":"s","appId":"a","killEnabled":false}`: false,
		`{"type":"hello","protocol":1,"secret":"s","appId":"a","killEnabled":null}`:  true,
	}
	for line, want := range cases {
		ev, err := Decode([]byte(line))
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if got := ev.(*Hello).CanKill(); got != want {
			t.Errorf("%s: CanKill() = %v, want %v", line, got, want)
		}
	}
}

func TestControlFramesCarryOnlyTheirFields(t *testing.T) {
	cases := map[string]Control{
		`{"type":"cancelJob","jobId":0,"reason":"r"}`:       CancelJob(0, "r"),
		`{"type":"cancelStage","stageId":3,"reason":"r"}`:   CancelStage(3, "r"),
		`{"type":"cancelCell","cellId":"c-1","reason":"r"}`: CancelCell("c-1", "r"),
	}
	for want, c := range cases {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != want {
			t.Errorf("marshalled %s, want %s", b, want)
		}
	}
}

func TestRecordedHelloCarriesKillEnabled(t *testing.T) {
	f, err := os.Open("testdata/cancelled_job.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	line, _, err := NewReader(f).Next()
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := ev.(*Hello); !ok || h.KillEnabled == nil || !*h.KillEnabled {
		t.Errorf("the listener's hello: %+v", ev)
	}
}
