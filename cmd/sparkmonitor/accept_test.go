package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
)

// openFilesLimit is the child monitor's limit of open files: a few dozen beyond what it opens at start.
const openFilesLimit = 64

// limitOpenFiles sets the process's soft and hard limit of open files to n (a number), when n is set.
func limitOpenFiles(n string) {
	if n == "" {
		return
	}
	v, err := strconv.ParseUint(n, 10, 64)
	if err == nil {
		err = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: v, Max: v})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "SPARKMONITOR_TEST_NOFILE:", err)
		os.Exit(2)
	}
}

// The monitor out of file descriptors (connections to its HTTP port held open until its accepts fail with EMFILE)
// keeps running: once they close, it serves HTTP and takes a listener's connection that came meanwhile.
func TestMonitorSurvivesRunningOutOfFileDescriptors(t *testing.T) {
	dir := privateDir(t)
	sock := filepath.Join(dir, "ingest.sock")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$", "--",
		"--listen", "127.0.0.1:0", "--ingest", "unix:"+sock, "--log-level", "info")
	cmd.Env = append(os.Environ(), "SPARKMONITOR_TEST_MAIN=1", "GODEBUG=schedtrace=0", "XDG_STATE_HOME="+dir,
		"SPARKMONITOR_TEST_NOFILE="+strconv.Itoa(openFilesLimit), "SPARKMONITOR_SECRET=s", "SPARKMONITOR_PROXY_SECRET=p",
		"SPARKMONITOR_CONFIG=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{}) // closed when the monitor has exited, with exitErr
	var exitErr error
	lines := make(chan string, 1000)
	go func() {
		s := bufio.NewScanner(stderr)
		for s.Scan() {
			select {
			case lines <- s.Text():
			default: // the test reads what it waits for; the rest may go
			}
		}
		exitErr = cmd.Wait()
		close(exited)
	}()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	// waitLog returns the first log line matching re, failing if the monitor exits first. While more is set it calls
	// it between lines, until it returns false.
	waitLog := func(re *regexp.Regexp, more func() bool) []string {
		t.Helper()
		for {
			var l string
			if more != nil && more() {
				select {
				case l = <-lines:
				case <-exited:
					t.Fatalf("the monitor exited (%v) while the test waited for %q", exitErr, re)
				default:
					continue
				}
			} else {
				more = nil
				select {
				case l = <-lines:
				case <-exited:
					t.Fatalf("the monitor exited (%v) while the test waited for %q", exitErr, re)
				case <-ctx.Done():
					t.Fatalf("no log line %q", re)
				}
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
	}
	addr := waitLog(regexp.MustCompile(`sparkmonitor serving" http=(\S+)`), nil)[1]
	waitLog(regexp.MustCompile(`ingest listening`), nil)

	// Connections to the HTTP port until an accept fails for want of file descriptors.
	var held []net.Conn
	defer func() {
		for _, c := range held {
			_ = c.Close()
		}
	}()
	dialOne := func() bool {
		if len(held) >= 4*openFilesLimit {
			return false
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		return true
	}
	waitLog(regexp.MustCompile(`accept failed; retrying.* listener=http .*too many open files`), dialOne)

	// A listener connects meanwhile: its accept fails too (it used to end the monitor).
	in, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close() }()
	if _, err := io.WriteString(in, `{"type":"hello","protocol":1,"secret":"s","appId":"app-fd","appName":"n","connection":1}`+"\n"); err != nil {
		t.Fatal(err)
	}
	waitLog(regexp.MustCompile(`accept failed; retrying.* listener=ingest .*too many open files`), nil)

	for _, c := range held {
		_ = c.Close()
	}
	held = nil
	_ = in.SetReadDeadline(time.Now().Add(20 * time.Second))
	if reply, err := bufio.NewReader(in).ReadString('\n'); err != nil || !strings.Contains(reply, `"welcome"`) {
		t.Fatalf("the listener's connection after the file descriptors came back: %q %v", reply, err)
	}
	// HTTP serves again, and shows the listener's application (the store takes it just after the welcome).
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/sparkmonitor/api/apps/app-fd", nil)
		req.Header.Set(api.SecretHeader, "p")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal("HTTP after the file descriptors came back:", err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			break
		}
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("api/apps/app-fd after the file descriptors came back: %d %s", resp.StatusCode, body)
		}
	}
}
