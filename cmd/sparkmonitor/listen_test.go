package main

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
)

// unixClient is an HTTP client that reaches every host through the unix socket at path.
func unixClient(path string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}
}

// privateDir is a temporary folder closed to other users, as socket.Listen wants a unix socket's folder.
func privateDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestServesOnUnixSocketAndRemovesItAtShutdown runs the monitor as jupyter-server-proxy starts it (--listen
// unix:{unix_socket}), over a stale socket a killed monitor left, and stops it as SIGTERM does.
func TestServesOnUnixSocketAndRemovesItAtShutdown(t *testing.T) {
	dir := privateDir(t)
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	sock := filepath.Join(dir, "http.sock")
	dead, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	dead.(*net.UnixListener).SetUnlinkOnClose(false)
	_ = dead.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, flags{listen: "unix:" + sock, baseURL: "/", ingest: "unix:" + filepath.Join(dir, "ingest.sock"),
			logLevel: "error"}, "ingest-secret", "proxy-secret")
	}()

	client := unixClient(sock)
	get := func(secret string) (int, error) {
		req, _ := http.NewRequest(http.MethodGet, "http://localhost/sparkmonitor/api/health", nil)
		if secret != "" {
			req.Header.Set(api.SecretHeader, secret)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		_ = resp.Body.Close()
		return resp.StatusCode, nil
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, err := get("proxy-secret")
		if err == nil && code == http.StatusOK {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the monitor stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the monitor did not answer on %s: %d %v", sock, code, err)
		}
		time.Sleep(20 * time.Millisecond) // a poll with a deadline: nothing signals that the socket is bound
	}
	fi, err := os.Lstat(sock)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v %v, want mode 0600", fi, err)
	}
	if code, err := get("wrong"); err != nil || code != http.StatusUnauthorized {
		t.Fatalf("without the proxy secret: %d %v, want 401", code, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the monitor did not stop")
	}
	for _, name := range []string{"http.sock", "ingest.sock"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s is still there after shutdown (%v)", name, err)
		}
	}
}

// TestRefusesASocketFolderOpenToOthers: the monitor does not start rather than serve where others can connect.
func TestRefusesASocketFolderOpenToOthers(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	private := privateDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, flags{listen: "unix:" + filepath.Join(dir, "http.sock"), baseURL: "/",
		ingest: "unix:" + filepath.Join(private, "ingest.sock"), logLevel: "error"}, "ingest-secret", "proxy-secret")
	if err == nil || !strings.Contains(err.Error(), "--listen: unix socket") || !strings.Contains(err.Error(), "open to other users") {
		t.Fatalf("run in a 0755 folder: %v", err)
	}
}
