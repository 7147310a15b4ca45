package state

import (
	"strings"
	"unicode"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
)

// Bounds of a job's failure summary.
const (
	maxFailureKinds   = 20
	maxFailureSummary = 300
	maxFailureDetail  = 8 << 10
)

// addFailure counts a failed task under its summarised reason; beyond maxFailureKinds distinct reasons, the rest are
// counted under "other reasons".
func addFailure(list []wire.FailureReason, reason string) []wire.FailureReason {
	summary := summarizeFailure(reason)
	for i := range list {
		if list[i].Reason == summary {
			list[i].Count++
			return list
		}
	}
	if len(list) >= maxFailureKinds {
		summary, reason = "other reasons", ""
		for i := range list {
			if list[i].Reason == summary {
				list[i].Count++
				return list
			}
		}
	}
	return append(list, wire.FailureReason{Reason: summary, Count: 1, Detail: event.Clip(reason, maxFailureDetail)})
}

// summarizeFailure picks the line a user recognises: the Python exception at the end of a Python traceback, else the
// first line.
func summarizeFailure(reason string) string {
	lines := strings.Split(reason, "\n")
	summary := ""
	if strings.Contains(reason, "Traceback (most recent call last)") {
		for _, l := range lines {
			if strings.HasPrefix(l, "\tat ") {
				break
			}
			if isExceptionLine(l) {
				summary = l
			}
		}
	}
	if summary == "" {
		for _, l := range lines {
			if t := strings.TrimSpace(l); t != "" {
				summary = t
				break
			}
		}
	}
	return event.Clip(strings.TrimSpace(summary), maxFailureSummary)
}

// isExceptionLine reports whether l looks like "ValueError: message" (an unindented dotted identifier, then ": ").
func isExceptionLine(l string) bool {
	name, _, ok := strings.Cut(l, ": ")
	if !ok || name == "" || strings.HasPrefix(name, "org.") || strings.HasPrefix(name, "java.") {
		return false
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '.' {
			return false
		}
	}
	return unicode.IsUpper(rune(name[strings.LastIndex(name, ".")+1]))
}
