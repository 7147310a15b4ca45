// Package socket opens the monitor's listening sockets from an address flag: "unix:/path/to/socket", what the product
// uses for the browser's HTTP API (--listen) and for the Spark listeners (--ingest), or "host:port" (TCP), kept for
// benchmarks and development.
//
// A unix socket is the monitor's first lock against other local users: it must sit in a folder that only the
// monitor's user can enter, and is itself mode 0600, so no other user can connect to it (Linux checks write permission
// on the socket file for connect). The second lock is a secret each connection presents (the proxy secret header, the
// listener's hello).
//
// Retry wraps a listener so that a failed accept (out of file descriptors, out of memory) is retried after a backoff
// instead of ending the server that serves on it.
package socket

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// staleDialTimeout bounds the check of whether a socket file left at the path still has a process behind it.
const staleDialTimeout = time.Second

// Listen opens addr. A unix socket's folder must belong to this user and have no permission for group or others
// (0700); a socket file already at the path replaces nothing but a stale socket (one no process answers on); the new
// socket is made 0600 and is removed when the listener is closed.
func Listen(addr string) (net.Listener, error) {
	path, ok := strings.CutPrefix(addr, "unix:")
	if !ok {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return ln, nil
	}
	if path == "" {
		return nil, errors.New(`listen on unix: no socket path after "unix:"`)
	}
	if err := checkPrivateDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
	}
	if err := removeStale(path); err != nil {
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on unix socket %s: %w", path, err)
	}
	// The folder is closed to others, so the socket is unreachable between bind and this chmod.
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close() // the chmod's error is the one to report
		return nil, fmt.Errorf("unix socket %s: %w", path, err)
	}
	return ln, nil
}

// checkPrivateDir returns why dir is not a folder only this user can enter, or nil.
func checkPrivateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("its folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a folder", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("its folder %s belongs to uid %d, not to this user (uid %d); "+
			"the monitor serves only in a folder of yours with mode 0700", dir, st.Uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("its folder %s is open to other users (mode %04o); "+
			"the monitor serves only in a folder of yours with mode 0700 (chmod 700 %s)", dir, perm, dir)
	}
	return nil
}

// removeStale removes a socket file at path that no process answers on. Anything else there is left alone: a
// socket that answers (another monitor) or a file that is not a socket is an error.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("a file that is not a socket is in the way (%s); it is not replaced", fi.Mode())
	}
	if c, err := net.DialTimeout("unix", path, staleDialTimeout); err == nil {
		_ = c.Close()
		return errors.New("another process is serving on it")
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the stale socket: %w", err)
	}
	return nil
}
