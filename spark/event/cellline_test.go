package event

import (
	"strings"
	"testing"
)

func TestParseCellLineReadsWhatTheKernelHookSets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line int
		text string
		ok   bool
	}{
		{"3\tdf.groupBy(\"k\").count()", 3, `df.groupBy("k").count()`, true},
		{"12\t", 12, "", true},
		{"1\ta\tb", 1, "a\tb", true},
		{"0\tx", 0, "", false},
		{"x\ty", 0, "", false},
		{"\tno line", 0, "", false},
		{"3 no tab", 0, "", false},
		{"-3\tx", 0, "", false},
		{"1234567890\tx", 0, "", false},
		{"", 0, "", false},
	} {
		line, text, ok := ParseCellLine(tc.in)
		if line != tc.line || text != tc.text || ok != tc.ok {
			t.Errorf("ParseCellLine(%q) = %d, %q, %v; want %d, %q, %v", tc.in, line, text, ok, tc.line, tc.text, tc.ok)
		}
		if tc.ok {
			if again, _, _ := ParseCellLine(FormatCellLine(line, text)); again != line {
				t.Errorf("FormatCellLine(%d) reads back as %d", line, again)
			}
		}
	}
	_, long, ok := ParseCellLine("5\t" + strings.Repeat("x", 5000))
	if !ok || len(long) > MaxShort || !strings.HasSuffix(long, Ellipsis) {
		t.Errorf("a long source is not cut to %d bytes: %d bytes", MaxShort, len(long))
	}
}
