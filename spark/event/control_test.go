package event

import (
	"encoding/json"
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
