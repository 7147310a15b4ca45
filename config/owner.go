package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// othersCanChange returns why another local user could change the file at path, or "" (also when it does not exist:
// reading it says so). Its profiles become Spark settings of the user's sessions (spark.driver.extraJavaOptions runs
// code in the user's driver), so a file another user owns or may write is not read: the monitor keeps the defaults or
// its last good configuration, as for a broken file. A file of root's is fine (/etc/jupyter). A group-writable file is
// accepted, as with a umask of 002 and a group of one's own.
func othersCanChange(path string) string {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || err != nil {
		return ""
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return fmt.Sprintf(" the file belongs to another user (uid %d), who could change your Spark settings through it; "+
			"the monitor does not read it (the file must be yours or root's)", st.Uid)
	}
	if perm := fi.Mode().Perm(); perm&0o002 != 0 {
		return fmt.Sprintf(" the file is writable by every user (mode %04o), who could change your Spark settings "+
			"through it; the monitor does not read it (chmod o-w %s)", perm, path)
	}
	return ""
}
