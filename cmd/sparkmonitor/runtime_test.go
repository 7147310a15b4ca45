package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run this package's main as the binary would be run: with SPARKMONITOR_TEST_MAIN set, the test
// binary is sparkmonitor, with the arguments that follow "--" (and SPARKMONITOR_TEST_NOFILE, when set, as its limit
// of open files: accept_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("SPARKMONITOR_TEST_MAIN") == "1" {
		limitOpenFiles(os.Getenv("SPARKMONITOR_TEST_NOFILE"))
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{os.Args[0]}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The binary re-executes itself once with sysmonSetting in GODEBUG, whatever GODEBUG it was given, and runs as asked.
func TestBinaryRunsOnceWithSysmonSetting(t *testing.T) {
	for _, godebug := range []string{"", "gctrace=0", "schedtrace=0"} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "--", "--version")
		cmd.Env = append(os.Environ(), "SPARKMONITOR_TEST_MAIN=1", "GODEBUG="+godebug)
		out, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			t.Fatalf("GODEBUG=%q: the binary did not exit within 30 s (re-executing itself in a loop?): %s", godebug, out)
		}
		if err != nil || strings.TrimSpace(string(out)) != version {
			t.Fatalf("GODEBUG=%q: %v, output %q; want the version once", godebug, err, out)
		}
	}
}

func TestSysmonSettingJoinsGODEBUG(t *testing.T) {
	for _, c := range []struct {
		in, want string
		add      bool
	}{
		{"", sysmonSetting, true},
		{" ", sysmonSetting, true},
		{"gctrace=1", "gctrace=1," + sysmonSetting, true},
		{"schedtrace=0", "schedtrace=0", false}, // the user's word: sysmon sleeps as Go's default has it
		{"gctrace=1,schedtrace=1000", "gctrace=1,schedtrace=1000", false},
		{"gctrace=1, schedtrace=5", "gctrace=1, schedtrace=5", false},
		{"myschedtrace=1", "myschedtrace=1," + sysmonSetting, true},
	} {
		got, add := withSysmonSetting(c.in)
		if got != c.want || add != c.add {
			t.Errorf("withSysmonSetting(%q) = %q, %v; want %q, %v", c.in, got, add, c.want, c.add)
		}
	}
}

func TestWithEnvSetsTheKeyOnce(t *testing.T) {
	got := withEnv([]string{"GODEBUG=", "PATH=/bin", "GODEBUG=x=1", "GODEBUGX=2"}, "GODEBUG", sysmonSetting)
	want := []string{"PATH=/bin", "GODEBUGX=2", "GODEBUG=" + sysmonSetting}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("withEnv = %q, want %q", got, want)
	}
}
