package event

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClipCutsOnACharacterBoundaryWithAnEllipsis(t *testing.T) {
	for _, tc := range []struct {
		name, s string
		max     int
	}{
		{"ascii", strings.Repeat("a", 100), 10},
		{"two-byte", strings.Repeat("é", 100), 10},
		{"three-byte", strings.Repeat("€", 100), 11},
		{"four-byte", strings.Repeat("😀", 100), 12},
		{"mixed", "x" + strings.Repeat("😀é", 100), 64},
	} {
		got := Clip(tc.s, tc.max)
		if len(got) > tc.max || !strings.HasSuffix(got, Ellipsis) || !utf8.ValidString(got) ||
			!strings.HasPrefix(tc.s, strings.TrimSuffix(got, Ellipsis)) {
			t.Errorf("%s: Clip(%d) = %q (%d bytes)", tc.name, tc.max, got, len(got))
		}
		if again := Clip(got, tc.max); again != got {
			t.Errorf("%s: Clip is not idempotent: %q then %q", tc.name, got, again)
		}
	}
	if got := Clip("short", 10); got != "short" {
		t.Errorf("Clip(short) = %q", got)
	}
	if got := Clip(strings.Repeat("a", 10), 10); got != strings.Repeat("a", 10) {
		t.Errorf("a text of exactly the bound is cut: %q", got)
	}
}

// huge fills every string reachable from v (fields, pointers, slices) with a text of 1 MB of two-byte characters
// and one ASCII byte, so that no bound falls on a character boundary by chance.
func huge(v reflect.Value) {
	big := "x" + strings.Repeat("é", 1<<19)
	switch v.Kind() {
	case reflect.String:
		v.SetString(big)
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		huge(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			huge(v.Field(i))
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		}
		for i := range v.Len() {
			huge(v.Index(i))
		}
	}
}

// strs calls f with the path and value of every string reachable from v.
func strs(path string, v reflect.Value, f func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		f(path, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			strs(path, v.Elem(), f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			strs(path+"."+v.Type().Field(i).Name, v.Field(i), f)
		}
	case reflect.Slice:
		for i := range v.Len() {
			strs(path+"[]", v.Index(i), f)
		}
	}
}

// Every string of every frame type is cut by Bound: a field added to a frame without a bound fails here.
func TestBoundCutsEveryTextOfEveryFrame(t *testing.T) {
	types := []string{"hello", "appStart", "appEnd", "jobStart", "jobEnd", "stageSubmitted", "stageCompleted",
		"taskStart", "taskEnd", "sqlStart", "sqlEnd", "executorAdded", "executorRemoved", "stats", "resync",
		"streamStart", "streamProgress", "streamEnd"}
	for _, typ := range types {
		ev, _ := newEvent(typ)
		huge(reflect.ValueOf(ev))
		Bound(ev)
		n := 0
		strs(typ, reflect.ValueOf(ev), func(path, s string) {
			n++
			if len(s) > MaxReason || !strings.HasSuffix(s, Ellipsis) || !utf8.ValidString(s) {
				t.Errorf("%s: %d bytes, ends %q", path, len(s), s[max(0, len(s)-8):])
			}
		})
		if n == 0 {
			t.Errorf("%s: no string found", typ)
		}
	}
}

func TestBoundKeepsEachKindOfTextToItsBound(t *testing.T) {
	big := strings.Repeat("a", 1<<20)
	js := &JobStart{Name: big, Description: &big, CellID: &big, NotebookPath: big,
		Stages: []StageInfo{{Name: big}}}
	Bound(js)
	for _, c := range []struct {
		what string
		got  string
		max  int
	}{
		{"name", js.Name, MaxShort}, {"description", *js.Description, MaxDescription}, {"cell id", *js.CellID, MaxShort},
		{"notebook path", js.NotebookPath, MaxPath}, {"stage name", js.Stages[0].Name, MaxShort},
	} {
		if len(c.got) != c.max-len(Ellipsis)+len(Ellipsis) || !strings.HasSuffix(c.got, Ellipsis) {
			t.Errorf("%s: %d bytes, want %d ending in …", c.what, len(c.got), c.max)
		}
	}
	te := &TaskEnd{Reason: &big}
	Bound(te)
	if len(*te.Reason) != MaxReason {
		t.Errorf("task reason: %d bytes, want %d", len(*te.Reason), MaxReason)
	}
	short := "collect at <stdin>:3"
	js = &JobStart{Name: short}
	Bound(js)
	if js.Name != short {
		t.Errorf("a short name changed: %q", js.Name)
	}
}
