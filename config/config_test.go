package config

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func parse(t *testing.T, text string) (*File, error) {
	t.Helper()
	return Parse("/etc/jupyter/sparkmonitor.yaml", []byte(text))
}

func TestEveryKeyIsReadIntoSettings(t *testing.T) {
	f, err := parse(t, "version: 1\nreadOnly: true\nlogLevel: debug\nretention:\n  maxJobsPerApp: 50\n")
	if err != nil {
		t.Fatal(err)
	}
	s := f.Settings()
	if !s.ReadOnly || s.LogLevel == nil || *s.LogLevel != slog.LevelDebug || s.MaxJobsPerApp != 50 {
		t.Fatalf("settings %+v (level %v)", s, s.LogLevel)
	}
}

func TestEmptyFileAndCommentsOnlyAreTheDefaults(t *testing.T) {
	for _, text := range []string{"", "# nothing set yet\n", "---\n"} {
		f, err := parse(t, text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got := f.Settings(); got != Defaults() {
			t.Errorf("%q: %+v, want the defaults %+v", text, got, Defaults())
		}
	}
}

func TestMissingFileIsTheDefaultsAndNotAnError(t *testing.T) {
	f, exists, err := Load(filepath.Join(t.TempDir(), "sparkmonitor.yaml"))
	if err != nil || exists || f.Settings() != Defaults() {
		t.Fatalf("missing file: %+v exists=%v err=%v", f, exists, err)
	}
	if Defaults().MaxJobsPerApp != DefaultMaxJobsPerApp || Defaults().ReadOnly || Defaults().LogLevel != nil {
		t.Fatalf("defaults %+v", Defaults())
	}
}

// problems returns the lines of a parse error, checking that it is an *Error.
func problems(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a *config.Error, got %T %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

func TestUnknownKeysAreErrorsWithTheirLines(t *testing.T) {
	_, err := parse(t, "readOnly: false\nretention:\n  maxJobs: 5\nprofile: x\n")
	got := problems(t, err)
	want := []string{
		"/etc/jupyter/sparkmonitor.yaml:3: unknown key maxJobs",
		"/etc/jupyter/sparkmonitor.yaml:4: unknown key profile",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestValidationReportsEveryProblemWithItsLine(t *testing.T) {
	_, err := parse(t, "version: 2\n\nlogLevel: loud\nretention:\n  maxJobsPerApp: 5\n")
	got := problems(t, err)
	want := []string{
		"/etc/jupyter/sparkmonitor.yaml:1: unsupported version 2 (this monitor reads version 1)",
		`/etc/jupyter/sparkmonitor.yaml:3: logLevel "loud": must be debug, info, warn or error`,
		"/etc/jupyter/sparkmonitor.yaml:5: retention.maxJobsPerApp 5: must be between 10 and 100000",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := parse(t, "retention:\n  maxJobsPerApp: 100001\n"); err == nil {
		t.Fatal("maxJobsPerApp above the bound accepted")
	}
	for _, ok := range []string{"retention:\n  maxJobsPerApp: 10\n", "retention:\n  maxJobsPerApp: 100000\n", "logLevel: WARN\n"} {
		if _, err := parse(t, ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestWrongTypesAndBrokenYAMLNameTheLine(t *testing.T) {
	cases := map[string]string{
		"readOnly: true\nretention:\n  maxJobsPerApp: lots\n": "/etc/jupyter/sparkmonitor.yaml:3: cannot unmarshal !!str `lots` into int",
		"readOnly: maybe\n":                      "/etc/jupyter/sparkmonitor.yaml:1: cannot unmarshal !!str `maybe` into bool",
		"readOnly: true\n  logLevel: [\n":        "/etc/jupyter/sparkmonitor.yaml:2: ",
		"retention: 5\n":                         "/etc/jupyter/sparkmonitor.yaml:1: cannot unmarshal !!int `5` into config.Retention",
		"readOnly: true\n---\nreadOnly: false\n": "/etc/jupyter/sparkmonitor.yaml:2: only one YAML document is allowed", // the second "---",
	}
	for text, want := range cases {
		_, err := parse(t, text)
		got := problems(t, err)
		if len(got) != 1 || !strings.HasPrefix(got[0], want) {
			t.Errorf("%q:\n got %q\nwant prefix %q", text, got, want)
		}
	}
}

func TestUnreadableFileIsAnErrorNamingThePath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	if err := os.Mkdir(dir, 0o755); err != nil { // a directory cannot be read as a file, even by root
		t.Fatal(err)
	}
	_, exists, err := Load(dir)
	if !exists || err == nil || !strings.HasPrefix(err.Error(), dir+": cannot read the file: ") {
		t.Fatalf("exists=%v err=%v", exists, err)
	}
}
