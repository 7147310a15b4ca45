package config

import (
	"strings"
	"testing"
)

func TestMaxAppsIsReadDefaultedAndBounded(t *testing.T) {
	if d := Defaults().MaxApps; d != 50 {
		t.Fatalf("default maxApps %d, want 50", d)
	}
	f, err := parse(t, "retention:\n  maxJobsPerApp: 20\n  maxApps: 7\n")
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Settings(); s.MaxApps != 7 || s.MaxJobsPerApp != 20 {
		t.Fatalf("settings %+v, want maxApps 7 and maxJobsPerApp 20", s)
	}
	_, err = parse(t, "retention:\n  maxApps: 0\nlogLevel: x\n")
	got := strings.Join(problems(t, err), "\n")
	want := "/etc/jupyter/sparkmonitor.yaml:2: retention.maxApps 0: must be between 1 and 10000"
	if !strings.Contains(got, want) {
		t.Fatalf("got\n%s\nwant a line\n%s", got, want)
	}
	if _, err := parse(t, "retention:\n  maxApps: 10001\n"); err == nil {
		t.Fatal("maxApps above the bound accepted")
	}
	for _, ok := range []string{"retention:\n  maxApps: 1\n", "retention:\n  maxApps: 10000\n"} {
		if _, err := parse(t, ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
