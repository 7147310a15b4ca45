package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/config"
)

// The config file's profiles reach api/profiles and the metrics, valid and invalid.
func TestProfilesReachTheAPIAndTheMetrics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	text := "profiles:\n  small:\n    master: local[2]\n  bad:\n    executor:\n      cores: 0\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	w := config.Open(config.Options{Path: path})
	list := profileList(w)()
	if list.Config == nil || *list.Config != path || len(list.Profiles) != 2 {
		t.Fatalf("%+v", list)
	}
	small, bad := list.Profiles[0], list.Profiles[1]
	if !small.Valid || small.Conf["spark.master"] != "local[2]" || small.Problems != nil {
		t.Errorf("small: %+v", small)
	}
	if bad.Valid || bad.Conf != nil || len(bad.Problems) != 1 || bad.Problems[0] != path+":6: profile bad: executor.cores 0: must be at least 1" {
		t.Errorf("bad: %+v", bad)
	}
	m := metricsConfig(w)()
	if !m.Good || m.LoadedAt.IsZero() || m.ValidProfiles != 1 || m.InvalidProfiles != 1 {
		t.Errorf("metrics: %+v", m)
	}
}
