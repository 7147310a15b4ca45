package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api"
)

// processWait bounds each wait on the monitor's process: a guard against a hang, not a measure of time.
const processWait = 60 * time.Second

var servingAddr = regexp.MustCompile(`msg="sparkmonitor serving" http=(\S+)`)

// The monitor started with a FIFO as its config file (issue 21: it blocked for ever in open): it starts, serves
// api/health with the file's error naming its path, and stops on SIGTERM. The binary is this package's main, run as
// jupyter-server-proxy runs it (TestMain).
func TestMonitorWithAFifoConfigStartsReportsAndStopsOnSIGTERM(t *testing.T) {
	dir := privateDir(t)
	fifo := filepath.Join(dir, "sparkmonitor.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "--listen=127.0.0.1:0",
		"--ingest=unix:"+filepath.Join(dir, "ingest.sock"), "--config="+fifo)
	cmd.Env = append(os.Environ(), "SPARKMONITOR_TEST_MAIN=1", "HOME="+dir, "XDG_STATE_HOME="+dir,
		"SPARKMONITOR_SECRET=ingest-secret", "SPARKMONITOR_PROXY_SECRET=proxy-secret")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	addr := make(chan string, 1)
	var logged strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logged.WriteString(sc.Text() + "\n")
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		exited <- cmd.Wait() // after stderr is drained, as Wait requires
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() }) // after a failure; an error once it has exited
	var a string
	select {
	case a = <-addr:
	case err := <-exited:
		t.Fatalf("the monitor exited before serving: %v", err)
	case <-time.After(processWait):
		t.Fatal("the monitor did not start serving (blocked on its config file?)")
	}

	req, _ := http.NewRequest(http.MethodGet, "http://"+a+"/sparkmonitor/api/health", nil)
	req.Header.Set(api.SecretHeader, "proxy-secret")
	resp, err := (&http.Client{Timeout: processWait}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var health struct {
		Data struct {
			OK     bool `json:"ok"`
			Config struct {
				Path  string  `json:"path"`
				Error *string `json:"error"`
			} `json:"config"`
		} `json:"data"`
	}
	err = json.NewDecoder(resp.Body).Decode(&health)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	c := health.Data.Config
	if !health.Data.OK || c.Path != fifo || c.Error == nil ||
		*c.Error != fifo+": cannot read the file: it is a named pipe (FIFO): not a regular file" {
		t.Errorf("api/health: %+v (config error %v)", health.Data, c.Error)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), processWait)
	defer cancel()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logged.String())
		}
	case <-ctx.Done():
		t.Fatal("the monitor did not exit on SIGTERM")
	}
}
