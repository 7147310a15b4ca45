// Package history keeps each Spark application's events on disk as a Spark event log (the JSON-lines format of
// Spark's EventLoggingListener, zstd-compressed, one file per application), so that ended applications come back
// after the monitor restarts and the files open in Spark's History Server; and it reads Spark event logs (ours, or
// one from elsewhere) back into listener events.
//
// Writing (Recorder) never waits on the live path: events are offered to a bounded queue drained by one goroutine,
// and what does not fit is dropped and counted. Reading (Replay) turns Spark's events into spark/event types.
package history

import (
	"crypto/sha256"
	"encoding/hex"
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

// BaseName is the file name (without extension) of the application's event log. It is Spark's name for it
// (sparkName) when that name is plain: the ids have no upper case and none of the characters Spark replaces, and
// the name cannot be read as another app id and attempt id pair. Otherwise Spark's name is followed by "$" and 16
// hex digits of the SHA-256 of the exact ids, so that two applications never share a file: Spark's name maps
// "App-1" and "app-1" (or "a b" and "a-b") to one name, and a case-insensitive file system does the same. Spark's
// History Server reads the app id from the file, so it opens either name.
func BaseName(appID string, attemptID *string) string {
	spark := sparkName(appID, attemptID)
	att := ""
	if attemptID != nil {
		att = *attemptID
	}
	if plainName(appID, att) {
		return spark
	}
	sum := sha256.Sum256([]byte(appID + "\x00" + att))
	return spark + "$" + hex.EncodeToString(sum[:8])
}

// plainName: Spark's name of the ids is theirs unchanged and tells them apart from every other pair's.
func plainName(app, att string) bool {
	if app == "" || sanitize(app) != app || sanitize(att) != att {
		return false
	}
	if att == "" { // "a_b" would also be app "a", attempt "b"
		return strings.Count(app, "_") != 1
	}
	return !strings.Contains(app, "_") && !strings.Contains(att, "_")
}

// sparkName is Spark's EventLogFileWriter.nameForAppAndAttempt: the app id (and attempt id) with ' ', ':' and '/'
// made '-', '.', '$', '{', '}', quotes made '_', lower-cased. Files of earlier versions of the monitor have it.
func sparkName(appID string, attemptID *string) string {
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
