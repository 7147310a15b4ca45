package history

import (
	"os"
	"path/filepath"
)

// logBase is the path, without extension, of the application's log in the history folder: BaseName's, or the name
// an earlier version of the monitor gave it (Spark's, not injective) when that in-progress log exists, holds this
// very application and the new one does not exist (so a log begun before an upgrade is continued, not doubled).
func (r *Recorder) logBase(app string, attempt *string) string {
	base := filepath.Join(r.opts.Dir, BaseName(app, attempt))
	legacy := filepath.Join(r.opts.Dir, sparkName(app, attempt))
	if legacy == base || exists(base+Ext) || exists(base+Ext+InProgress) {
		return base
	}
	f, err := os.Open(legacy + Ext + InProgress)
	if err != nil {
		return base
	}
	defer func() { _ = f.Close() }()
	in, err := Open(f, 0)
	if err != nil {
		return base
	}
	defer func() { _ = in.Close() }()
	if id, err := appIDOf(in); err == nil && id == app {
		return legacy
	}
	return base
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
