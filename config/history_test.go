package config

import (
	"strings"
	"testing"
)

func TestHistorySection(t *testing.T) {
	f, err := parse(t, "history:\n  enabled: false\n  dir: ~/spark-history\n  maxApps: 5\n  maxMegabytes: 0\n  maxAgeDays: 7\n  maxUploadMegabytes: 10\n")
	if err != nil {
		t.Fatal(err)
	}
	want := HistorySettings{Enabled: false, Dir: "~/spark-history", MaxApps: 5, MaxMegabytes: 0, MaxAgeDays: 7, MaxUpload: 10}
	if got := f.Settings().History; got != want {
		t.Fatalf("history %+v, want %+v", got, want)
	}
	if d := Defaults().History; !d.Enabled || d.Dir != "" || d.MaxApps != DefaultHistoryMaxApps || d.MaxUpload != DefaultMaxUploadMegabytes {
		t.Fatalf("defaults %+v", d)
	}
}

func TestHistoryProblemsNameTheirLine(t *testing.T) {
	_, err := parse(t, "history:\n  dir: relative/path\n  maxApps: -1\n  maxUploadMegabytes: 0\n  maxAge: 3\n")
	if err == nil || !strings.Contains(err.Error(), ":5: unknown key maxAge") {
		t.Fatalf("unknown key: %v", err)
	}
	_, err = parse(t, "history:\n  dir: relative/path\n  maxApps: -1\n  maxUploadMegabytes: 0\n")
	for _, want := range []string{":2: history.dir \"relative/path\"", ":3: history.maxApps -1", ":4: history.maxUploadMegabytes 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
}
