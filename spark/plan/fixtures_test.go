package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// fixtureDir holds the plans the extension's unit tests draw (extension-js/src/__tests__/fixtures): Build's output on
// the real recordings of testdata/, so the extension is tested on what the monitor serves, not on hand-written JSON.
const fixtureDir = "../../extension-js/src/__tests__/fixtures"

// TestExtensionFixturesAreCurrent fails when a fixture differs from what Build makes of its recording now;
// SPARKMONITOR_UPDATE_FIXTURES=1 writes them again.
func TestExtensionFixturesAreCurrent(t *testing.T) {
	for _, rec := range []string{"sort_merge_join", "broadcast_join"} {
		r := load(t, rec+".json")
		running := r.Running[len(r.Running)/2]
		for suffix, e := range map[string]Execution{"final": r.Final[0], "running": running[0]} {
			g, err := Build(e)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.MarshalIndent(g, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			path := filepath.Join(fixtureDir, "plan-"+rec+"-"+suffix+".json")
			if os.Getenv("SPARKMONITOR_UPDATE_FIXTURES") == "1" {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (write the fixtures with SPARKMONITOR_UPDATE_FIXTURES=1)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is not Build's output on testdata/%s.json now: write it again with "+
					"SPARKMONITOR_UPDATE_FIXTURES=1 go test ./spark/plan -run TestExtensionFixtures", path, rec)
			}
		}
	}
}
