package event

import (
	"strconv"
	"strings"
)

// CellLineProperty is the job property the kernel hook sets to "<line>\t<source>" (PROTOCOL.md "Cell line"). The
// listener reads it into jobStart's cellLine and cellLineText; a Spark event log keeps it among the job's properties.
const CellLineProperty = "sparkmonitor.line"

// ParseCellLine reads a CellLineProperty value as the listener does (listener CellLine.parse): a line number of 1 to
// 9 digits, at least 1, a tab, then the source. ok is false for anything else.
func ParseCellLine(v string) (line int, text string, ok bool) {
	digits, text, found := strings.Cut(v, "\t")
	if !found || len(digits) < 1 || len(digits) > 9 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, "", false
	}
	line, err := strconv.Atoi(digits)
	if err != nil || line < 1 {
		return 0, "", false
	}
	return line, Clip(text, MaxShort), true
}

// FormatCellLine is the CellLineProperty value of a line and its source.
func FormatCellLine(line int, text string) string { return strconv.Itoa(line) + "\t" + text }
