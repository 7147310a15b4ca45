// Package history keeps each Spark application's events on disk as a Spark event log (the JSON-lines format of
// Spark's EventLoggingListener, zstd-compressed, one file per application), so that ended applications come back
// after the monitor restarts and the files open in Spark's History Server; and it reads Spark event logs (ours, or
// one from elsewhere) back into listener events.
//
// Writing (Recorder) never waits on the live path: events are offered to a bounded queue drained by one goroutine,
// and what does not fit is dropped and counted. Reading (Replay) turns Spark's events into spark/event types.
package history

import (
	"strings"
)

// File names follow Spark's EventLogFileWriter: the sanitized app id (and "_" + attempt id), the codec's short name
// as the extension, and ".inprogress" while the application runs. Spark's History Server picks the codec from the
// extension, so a file named "local-1.zstd" is read with its zstd codec.
const (
	// Ext is the extension of the files the monitor writes (Spark's short name of its zstd codec).
	Ext = ".zstd"
	// InProgress marks the file of an application that has not ended.
	InProgress = ".inprogress"
	// tmpSuffix marks a file being written (an upload, a repaired log); never read as a log.
	tmpSuffix = ".tmp"
)

// BaseName is Spark's EventLogFileWriter.nameForAppAndAttempt: the app id (and attempt id) with ' ', ':' and '/'
// made '-', '.', '$', '{', '}', quotes made '_', lower-cased.
func BaseName(appID string, attemptID *string) string {
	base := sanitize(appID)
	if attemptID != nil && *attemptID != "" {
		base += "_" + sanitize(*attemptID)
	}
	return base
}

func sanitize(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '/':
			return '-'
		case '.', '$', '{', '}', '\'', '"':
			return '_'
		case 0, '\\':
			return '_'
		}
		return r
	}, s))
}

// isLogName reports whether a file name in the history folder is an event log (finished or in progress, ours or
// uploaded: zstd or plain), and whether it is in progress.
func isLogName(name string) (log, inProgress bool) {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasSuffix(name, tmpSuffix) {
		return false, false
	}
	base, inProgress := strings.CutSuffix(name, InProgress)
	ext := ""
	if i := strings.IndexByte(base, '.'); i >= 0 {
		ext = base[i:]
	}
	return ext == "" || ext == Ext, inProgress
}
