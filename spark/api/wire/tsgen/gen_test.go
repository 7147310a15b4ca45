package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// committed is the generated file the extension compiles against.
var committed = filepath.Join("..", "..", "..", "..", "extension-js", "src", "wire.gen.ts")

func TestCommittedTypeScriptIsWhatTheGeneratorWrites(t *testing.T) {
	got, err := generate("..")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			t.Fatalf("%s is not what spark/api/wire generates (run go generate ./spark/api/wire): line %d is\n%q\nwant\n%q",
				committed, i+1, at(w, i), at(g, i))
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// shapes are the wire types as encoding/json sees them, by their Go name.
var shapes = map[string]any{
	"App": wire.App{}, "Job": wire.Job{}, "Stage": wire.Stage{}, "StageMetrics": wire.StageMetrics{},
	"TaskTime": wire.TaskTime{}, "FailureReason": wire.FailureReason{}, "Hint": wire.Hint{},
	"SQLExecution": wire.SQLExecution{}, "StreamingQuery": wire.StreamingQuery{}, "StreamingBatch": wire.StreamingBatch{},
	"Update": wire.Update{}, "Timeline": wire.Timeline{},
	"TimelineApp": wire.TimelineApp{}, "TimelineJob": wire.TimelineJob{}, "TimelineStage": wire.TimelineStage{},
	"TaskSpan": wire.TaskSpan{}, "TimelineExecutor": wire.TimelineExecutor{}, "ActivityPoint": wire.ActivityPoint{},
	"ConfigStatus": wire.ConfigStatus{}, "HistoryStatus": wire.HistoryStatus{}, "ProfileList": wire.ProfileList{},
	"Profile": wire.Profile{},
	// plan.go
	"SQLPlan": wire.SQLPlan{}, "PlanGraph": wire.PlanGraph{}, "PlanNode": wire.PlanNode{}, "PlanEdge": wire.PlanEdge{},
	"PlanMetric": wire.PlanMetric{}, "PlanValue": wire.PlanValue{},
	// logs.go
	"CellLogs": wire.CellLogs{}, "LogLine": wire.LogLine{},
	// waits.go
	"CellWaits": wire.CellWaits{}, "Wait": wire.Wait{}, "SlowTask": wire.SlowTask{},
	// failure.go, cellline.go
	"FailureCard": wire.FailureCard{}, "CellLine": wire.CellLine{},
	// explain.go
	"Explanation": wire.Explanation{},
}

// The generator reads the source; encoding/json writes the bytes. For every struct, the keys of its zero value are
// the interface's required fields, and a key is null exactly where the TypeScript type allows it (a list is never
// null on the wire by convention, though a zero value's is).
func TestInterfacesMatchWhatEncodingJSONWrites(t *testing.T) {
	m, err := load("..")
	if err != nil {
		t.Fatal(err)
	}
	var structs []string
	for _, d := range m.decls {
		if d.isEnum {
			continue
		}
		structs = append(structs, d.name)
		v, ok := shapes[d.name]
		if !ok {
			t.Errorf("wire.%s is not in this test's shapes", d.name)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, f := range allFields(m, d) {
			raw, present := keys[f.name]
			delete(keys, f.name)
			switch {
			case present == f.optional:
				t.Errorf("%s.%s: optional %v in TypeScript, but encoding/json writes %s", d.name, f.name, f.optional, b)
			case !present:
			case strings.HasSuffix(f.ts, " | null") != (string(raw) == "null" && !strings.HasSuffix(f.ts, "[]")):
				t.Errorf("%s.%s: %s in TypeScript, but the zero value is %s", d.name, f.name, f.ts, raw)
			}
		}
		for k := range keys {
			t.Errorf("%s: encoding/json writes %q, the interface has no such field", d.name, k)
		}
	}
	for name := range shapes {
		if !slices.Contains(structs, name) {
			t.Errorf("shapes lists %s, which the generator did not find", name)
		}
	}
}

// allFields are d's fields and those it inherits.
func allFields(m *model, d *decl) []field {
	out := slices.Clone(d.fields)
	for _, base := range d.extends {
		i := slices.IndexFunc(m.decls, func(x *decl) bool { return x.name == base })
		out = append(out, allFields(m, m.decls[i])...)
	}
	return out
}

func TestGeneratorMapsEachKindOfField(t *testing.T) {
	dir := t.TempDir()
	src := `package x

import "time"

// Color is a color.
type Color = string

const (
	Red  Color = "red" // Red: the warm one.
	Blue Color = "blue"
)

// Base is embedded.
type Base struct {
	ID int64 ` + "`json:\"id\"`" + `
}

// Thing has one field of each kind.
type Thing struct {
	Base
	// Name: its name.
	Name   string            ` + "`json:\"name\"`" + `
	Note   *string           ` + "`json:\"note\"`" + `
	Tags   []string          ` + "`json:\"tags,omitempty\"`" + `
	Conf   map[string]string ` + "`json:\"conf\"`" + `
	At     *time.Time        ` + "`json:\"at\"`" + `
	Color  Color             ` + "`json:\"color\"`" + `
	Kids   []Base            ` + "`json:\"kids\"`" + `
	OK     bool              ` + "`json:\"ok\"`" + `
	Hidden int               ` + "`json:\"-\"`" + `
	secret int
}
`
	if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := generate(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := header + `
/**
 * Color is a color.
 * 'red': the warm one.
 */
export type Color = 'red' | 'blue';

/** Base is embedded. */
export interface Base {
  id: number;
}

/** Thing has one field of each kind. */
export interface Thing extends Base {
  /** Its name. */
  name: string;
  note: string | null;
  tags?: string[];
  conf: Record<string, string> | null;
  at: string | null;
  color: Color;
  kids: Base[];
  ok: boolean;
}
`
	if string(got) != want {
		t.Errorf("generated\n%s\nwant\n%s", got, want)
	}
}

func TestGeneratorRefusesWhatItCannotMap(t *testing.T) {
	for name, src := range map[string]string{
		"untagged field":      "type T struct{ A int }",
		"channel":             "type T struct{ A chan int `json:\"a\"` }",
		"json string option":  "type T struct{ A int `json:\"a,string\"` }",
		"alias without value": "type E = string",
		"defined string type": "type E string",
		"unknown type":        "type T struct{ A Other `json:\"a\"` }",
		"non-literal value":   "type E = string\nconst A E = \"a\" + \"b\"",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "x.go"), []byte("package x\n\n"+src+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := generate(dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
