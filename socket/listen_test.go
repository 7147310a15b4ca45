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
	"testing"
)

// privateDir is a fresh folder with mode 0700 (t.TempDir's own are 0777 less the umask).
func privateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// roundTrip connects to ln's socket at path and checks that ln accepts the connection.
func roundTrip(t *testing.T, ln net.Listener, path string) {
	t.Helper()
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.Close()
		}
		accepted <- err
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	_ = c.Close()
	if err := <-accepted; err != nil {
		t.Fatalf("accept: %v", err)
	}
}

func TestUnixSocketIsMode0600AndRemovedOnClose(t *testing.T) {
	old := syscall.Umask(0) // the most permissive umask: the mode must not come from it
	defer syscall.Umask(old)
	path := filepath.Join(privateDir(t), "http.sock")

	ln, err := Listen("unix:" + path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode %v, want a socket with 0600", fi.Mode())
	}
	roundTrip(t, ln, path)

	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the socket is still there after Close (%v)", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	path := filepath.Join(privateDir(t), "http.sock")
	// What a killed monitor leaves: a socket file nobody listens on.
	dead, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	dead.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = dead.Close()
	if _, err := net.Dial("unix", path); err == nil {
		t.Fatal("the stale socket still answers")
	}

	ln, err := Listen("unix:" + path)
	if err != nil {
		t.Fatalf("a stale socket was not replaced: %v", err)
	}
	defer func() { _ = ln.Close() }()
	roundTrip(t, ln, path)
}

func TestLiveSocketIsNotReplaced(t *testing.T) {
	path := filepath.Join(privateDir(t), "http.sock")
	live, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = live.Close() }()

	if ln, err := Listen("unix:" + path); err == nil {
		_ = ln.Close()
		t.Fatal("Listen took over the socket of a running process")
	} else if !strings.Contains(err.Error(), "another process is serving on it") {
		t.Fatalf("error %q does not say why", err)
	}
	roundTrip(t, live, path) // the running process keeps its socket
}

func TestFileInTheWayIsKept(t *testing.T) {
	path := filepath.Join(privateDir(t), "http.sock")
	if err := os.WriteFile(path, []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Listen("unix:" + path)
	if err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Listen over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "notes" {
		t.Fatalf("the file was changed: %q", b)
	}
}

func TestFolderOpenToOthersIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o755, 0o711, 0o701, 0o770, os.ModeSticky | 0o777} {
		dir := t.TempDir()
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "http.sock")
		ln, err := Listen("unix:" + path)
		if err == nil {
			_ = ln.Close()
			t.Fatalf("mode %04o: Listen accepted a folder others can enter", mode)
		}
		want := fmt.Sprintf("its folder %s is open to other users (mode %04o)", dir, mode.Perm())
		if !strings.Contains(err.Error(), want) {
			t.Fatalf("mode %04o: error %q does not say %q", mode, err, want)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("mode %04o: a socket was created (%v)", mode, err)
		}
	}
}

func TestFolderOfAnotherUserIsRefused(t *testing.T) {
	dir := privateDir(t)
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Skipf("cannot give the folder to another user (needs root): %v", err)
	}
	_, err := Listen("unix:" + filepath.Join(dir, "http.sock"))
	if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
		t.Fatalf("Listen in another user's folder: %v", err)
	}
}

func TestMissingFolderAndEmptyPathAreErrors(t *testing.T) {
	missing := filepath.Join(privateDir(t), "nope", "http.sock")
	if _, err := Listen("unix:" + missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("missing folder: %v", err)
	}
	if _, err := Listen("unix:"); err == nil {
		t.Fatal("an empty path was accepted")
	}
}

func TestTCPAddressStillListens(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	if ln.Addr().Network() != "tcp" {
		t.Fatalf("network %s", ln.Addr().Network())
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
}
