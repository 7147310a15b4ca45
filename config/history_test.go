package config

import (
	"strings"
	"testing"
	"time"
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

func TestHistoryFolder(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cases := []struct {
		dir  string
		env  map[string]string
		want string
	}{
		{"", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/sparkmonitor/history"},
		{"", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "/state"}, "/state/sparkmonitor/history"},
		{"", map[string]string{"HOME": "/home/u", "XDG_STATE_HOME": "relative"}, "/home/u/.local/state/sparkmonitor/history"},
		{"~/h", map[string]string{"HOME": "/home/u"}, "/home/u/h"},
		{"/srv/h", nil, "/srv/h"},
	}
	for _, c := range cases {
		got, err := HistorySettings{Dir: c.dir}.Folder(env(c.env))
		if err != nil || got != c.want {
			t.Errorf("%q %v: %q %v, want %q", c.dir, c.env, got, err, c.want)
		}
	}
	if _, err := (HistorySettings{}).Folder(env(nil)); err == nil {
		t.Error("no HOME and no XDG_STATE_HOME: no error")
	}
}

// The history's bounds in the units their users want: the retention's bytes and age, the upload's bytes.
func TestHistoryBoundsInTheirUnits(t *testing.T) {
	h := HistorySettings{MaxMegabytes: 3, MaxAgeDays: 2, MaxUpload: 5}
	if h.MaxBytes() != 3<<20 || h.MaxAge() != 48*time.Hour || h.MaxUploadBytes() != 5<<20 {
		t.Fatalf("%d bytes, %v, upload %d bytes", h.MaxBytes(), h.MaxAge(), h.MaxUploadBytes())
	}
	if d := Defaults().History; d.MaxBytes() != 2048<<20 || d.MaxAge() != 30*24*time.Hour {
		t.Fatalf("defaults: %d bytes, %v", d.MaxBytes(), d.MaxAge())
	}
}
