package config

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

const path = "/etc/jupyter/sparkmonitor.yaml"

func profiles(t *testing.T, text string) []Profile {
	t.Helper()
	f, err := parse(t, text)
	if err != nil {
		t.Fatalf("the file itself should be good: %v", err)
	}
	set := f.Settings().Profiles
	if set == nil {
		t.Fatal("no profiles")
	}
	return set.Profiles
}

func TestProfileTurnsEveryFieldIntoItsSparkKey(t *testing.T) {
	got := profiles(t, `profiles:
  big:
    description: Four executors for the nightly join
    master: spark://10.0.0.5:7077
    driver:
      memory: 2g
    executor:
      instances: 4
      cores: 2
      memory: 8G
    packages:
      - org.apache.spark:spark-avro_2.13:4.1.1
      - io.delta:delta-spark_2.13:4.0.0
    conf:
      spark.sql.shuffle.partitions: 64
      spark.sql.adaptive.enabled: true
      spark.app.name: nightly
`)
	if len(got) != 1 || got[0].Name != "big" || got[0].Line != 2 || !got[0].Valid() {
		t.Fatalf("%+v", got)
	}
	if got[0].Description != "Four executors for the nightly join" {
		t.Errorf("description %q", got[0].Description)
	}
	want := map[string]string{
		"spark.master":                 "spark://10.0.0.5:7077",
		"spark.driver.memory":          "2g",
		"spark.executor.instances":     "4",
		"spark.executor.cores":         "2",
		"spark.executor.memory":        "8G",
		"spark.jars.packages":          "org.apache.spark:spark-avro_2.13:4.1.1,io.delta:delta-spark_2.13:4.0.0",
		"spark.sql.shuffle.partitions": "64",
		"spark.sql.adaptive.enabled":   "true",
		"spark.app.name":               "nightly",
	}
	if !maps.Equal(got[0].Conf, want) {
		t.Errorf("conf\n got %v\nwant %v", got[0].Conf, want)
	}
}

// An invalid profile is listed with every reason and its line; the file's other profiles and settings stay in use.
func TestInvalidProfilesAreRejectedWithTheirReasonsAndTheOthersStayUsable(t *testing.T) {
	text := `readOnly: true
profiles:
  good:
    master: local[2]
  bad:
    executor:
      memory: 4gb
      cores: -2
      instances: two
      memroy: 1g
    driver: 3g
    packages: [avro]
    conf:
      spark.master: local[4]
      spark.executor.memory: 1g
      hive.metastore.uris: thrift://x
      spark.plugins.defaultList: x
      spark.sql.files: [a, b]
    colour: blue
  "bad name!":
    conf:
      spark.master: local
  conflict:
    master: local[2]
    conf:
      spark.master: local[4]
  empty:
  weird-master:
    master: localhost
    driver:
      memory: lots
`
	f, err := parse(t, text)
	if err != nil {
		t.Fatal(err)
	}
	s := f.Settings()
	if !s.ReadOnly {
		t.Fatal("the file's other settings apply")
	}
	got := s.Profiles.Profiles
	names := []string{}
	for _, p := range got {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "good,bad,bad name!,conflict,empty,weird-master" {
		t.Fatalf("profiles in file order: %v", names)
	}
	if !got[0].Valid() || got[0].Conf["spark.master"] != "local[2]" {
		t.Fatalf("good: %+v", got[0])
	}
	want := map[string][]string{
		"bad": {
			`7: profile bad: executor.memory "4gb": write 4g (a number with k, m, g or t; the JVM refuses "4gb")`,
			`8: profile bad: executor.cores -2: must be at least 1`,
			`9: profile bad: executor.instances "two": must be a whole number`,
			`10: profile bad: unknown key executor.memroy (executor has cores, instances, memory)`,
			`11: profile bad: driver must be a mapping with the keys memory`,
			`12: profile bad: package "avro": not a Maven coordinate groupId:artifactId:version`,
			`16: profile bad: conf hive.metastore.uris: Spark ignores keys that do not start with spark.`,
			`17: profile bad: conf spark.plugins.defaultList: set by the monitor (it loads the listener); a profile cannot change it`,
			`18: profile bad: conf spark.sql.files must be a single value (text, number or boolean)`,
			`19: profile bad: unknown key colour (a profile has description, master, driver, executor, packages, conf)`,
		},
		"bad name!": {`20: profile bad name!: the name must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`},
		"conflict":  {`26: profile conflict: conf spark.master conflicts with line 24, which sets it too; set it once`},
		"empty":     {`27: profile empty: is empty; give it at least one of description, master, driver, executor, packages, conf`},
		"weird-master": {
			`29: profile weird-master: master "localhost": not a Spark master URL (local, local[N], local[*], spark://host:port, yarn, k8s://...)`,
			`31: profile weird-master: driver.memory "lots": must be a number with an optional k, m, g or t, e.g. 4g or 512m`,
		},
	}
	for _, p := range got[1:] {
		if p.Valid() || p.Conf != nil {
			t.Errorf("%s: valid or has conf: %+v", p.Name, p)
			continue
		}
		var w []string
		for _, m := range want[p.Name] {
			w = append(w, path+":"+m)
		}
		if strings.Join(p.Problems, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", p.Name, strings.Join(p.Problems, "\n     "), strings.Join(w, "\n     "))
		}
	}
	if n := len(s.Profiles.Invalid()); n != 15 {
		t.Errorf("Invalid() has %d problems, want 15", n)
	}
}

func TestProfilesSectionThatIsNotAMappingBreaksTheFile(t *testing.T) {
	for text, want := range map[string]string{
		"profiles: [a, b]\n":                         path + ":1: profiles must be a mapping of profile names to profiles",
		"profiles:\n  a: {master: local}\n  a: {}\n": path + ":3: profile a is defined twice (first at line 2)",
	} {
		_, err := parse(t, text)
		got := problems(t, err)
		if len(got) != 1 || got[0] != want {
			t.Errorf("%q: got %q, want %q", text, got, want)
		}
	}
	f, err := parse(t, "profiles:\n")
	if err != nil || f.Settings().Profiles != nil {
		t.Fatalf("an empty section is no profiles: %v %+v", err, f)
	}
}

func TestMemoryStringsTheJVMTakes(t *testing.T) {
	for _, ok := range []string{"512m", "4g", "4G", "1024", "2t", "64k"} {
		if msg := checkMemory(ok); msg != "" {
			t.Errorf("%q refused: %s", ok, msg)
		}
	}
	for _, bad := range []string{"4gb", "4 GB", "4.5g", "-1g", "g", "", "4gig"} {
		if checkMemory(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestMasterURLs(t *testing.T) {
	for _, ok := range []string{"local", "local[2]", "local[*]", "local[4, 2]", "local-cluster[2, 1, 1024]", "yarn", "spark://h:7077", "k8s://https://api:6443"} {
		if !masterURL.MatchString(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"localhost", "local[two]", "spark:/h", "mesos"} {
		if masterURL.MatchString(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A profile saved into the watched file is in the Settings in use without a restart; a profile made invalid by a
// later save is listed with its reason while the file stays in use.
func TestProfilesAreHotReloaded(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sparkmonitor.yaml")
	write(t, file, "readOnly: false\n")
	x := startWatcher(t, file)
	write(t, file, "profiles:\n  small:\n    master: local[2]\n")
	s := x.waitApplied(t, "profile small", func(s Settings) bool { return s.Profiles != nil })
	if p := s.Profiles.Profiles; len(p) != 1 || p[0].Name != "small" || p[0].Conf["spark.master"] != "local[2]" {
		t.Fatalf("%+v", p)
	}
	write(t, file, "profiles:\n  small:\n    executor:\n      memory: 4gb\n")
	s = x.waitApplied(t, "profile small made invalid", func(s Settings) bool {
		return s.Profiles != nil && !s.Profiles.Profiles[0].Valid()
	})
	if st := x.w.Status(); st.Error != "" {
		t.Fatalf("an invalid profile does not break the file: %q", st.Error)
	}
	if got := s.Profiles.Invalid(); len(got) != 1 || !strings.HasPrefix(got[0], file+":4: profile small: executor.memory \"4gb\"") {
		t.Fatalf("%q", got)
	}
}

func TestProfilesAreCountedValidAndInvalid(t *testing.T) {
	f, err := parse(t, "profiles:\n  small:\n    master: local[2]\n  bad:\n    executor:\n      cores: 0\n  big:\n    master: local[8]\n")
	if err != nil {
		t.Fatal(err)
	}
	if valid, invalid := f.Settings().Profiles.Count(); valid != 2 || invalid != 1 {
		t.Fatalf("%d valid, %d invalid; want 2 and 1", valid, invalid)
	}
	var none *ProfileSet
	if valid, invalid := none.Count(); valid != 0 || invalid != 0 {
		t.Fatalf("no profiles: %d valid, %d invalid", valid, invalid)
	}
}
