package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sparkmonitor/sparkmonitor-go/spark/event"
	"github.com/sparkmonitor/sparkmonitor-go/spark/state"
)

// handshakeOutcome is what the monitor must answer to a connection whose stream is first: "welcome" only for a hello
// (the first non-empty frame, at most MaxHelloBytes) with the right secret and protocol, else "error". It reads the
// frame with the same Reader and Decode as the server.
func handshakeOutcome(first []byte) string {
	r := event.NewReader(bytes.NewReader(first))
	r.Limit(MaxHelloBytes)
	line, _, err := r.Next()
	if err != nil {
		return "error"
	}
	ev, err := event.Decode(line)
	if err != nil {
		return "error"
	}
	if h, ok := ev.(*event.Hello); ok && h.Secret == secret && h.Protocol == event.ProtocolVersion {
		return "welcome"
	}
	return "error"
}

// exchange sends first on a new connection, closes its writing half, and returns all the monitor wrote until it
// closed the connection. A monitor that keeps the connection open past the deadline fails the test.
func exchange(t *testing.T, sock string, first []byte) []byte {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	_, _ = c.Write(first) // the monitor may close before reading everything (an oversized frame)
	_ = c.(*net.UnixConn).CloseWrite()
	out, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the monitor kept the connection open; it wrote %q", out)
	}
	// Any other error (a reset: the monitor closed with our bytes unread) still follows what it wrote.
	return out
}

// checkHandshake asserts the monitor's answer to first: one welcome frame, or exactly one error frame with a reason
// and the connection closed, counted as rejected and with no application created.
func checkHandshake(t *testing.T, srv *Server, sock string, first []byte, snapshot func() int) {
	t.Helper()
	rejected, apps := srv.Rejected(), snapshot()
	out := exchange(t, sock, first)
	want := handshakeOutcome(first)
	line, rest, _ := bytes.Cut(out, []byte("\n"))
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("first frame %q: the monitor answered %q, not a JSON frame", first, out)
	}
	if m["type"] != want {
		t.Fatalf("first frame %q: answer %v, want %s", first, m, want)
	}
	if want == "welcome" {
		return
	}
	if reason, _ := m["error"].(string); reason == "" || len(m) != 2 || len(rest) != 0 {
		t.Fatalf("first frame %q: answer %q, want one error frame with a reason", first, out)
	}
	if got := srv.Rejected(); got != rejected+1 {
		t.Fatalf("first frame %q: rejected went from %d to %d", first, rejected, got)
	}
	if got := snapshot(); got != apps {
		t.Fatalf("first frame %q: a refused connection changed the applications (%d → %d)", first, apps, got)
	}
}

// waitGoroutines waits (with a deadline) until at most n goroutines run: every refused connection's goroutines end.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
}

// appCount returns a function counting the store's applications.
func appCount(t testing.TB, store *state.Store) func() int {
	return func() int {
		apps, err := store.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(apps)
	}
}

// goroutineSlack is how many goroutines beyond the baseline the test runner itself may add (a subtest's own).
const goroutineSlack = 10

// Arbitrary bytes as the start of a listener connection: the monitor answers one frame, welcome only for a hello with
// the right secret and protocol, otherwise one error frame with a reason, then closes the connection; a refused
// connection creates no application and leaves no goroutine behind; nothing panics.
func FuzzIngestHandshake(f *testing.F) {
	srv, store, sock := start(f)
	apps := appCount(f, store)
	base := runtime.NumGoroutine()
	f.Fuzz(func(t *testing.T, first []byte) {
		checkHandshake(t, srv, sock, first, apps)
		waitGoroutines(t, base+goroutineSlack)
	})
}

func TestHandshakeRefusalsSayWhy(t *testing.T) {
	srv, store, sock := start(t)
	apps := appCount(t, store)
	hello := func(members string) string {
		return `{"type":"hello","appId":"app-h","appName":"n","connection":1` + members + "}\n"
	}
	for _, c := range []struct{ name, first, reason string }{
		{"nothing", "", "reading hello: EOF"},
		{"blank lines only", "\n\r\n\n", "reading hello: EOF"},
		{"no secret", hello(`,"protocol":1`), "wrong secret"},
		{"empty secret", hello(`,"protocol":1,"secret":""`), "wrong secret"},
		{"wrong secret", hello(`,"protocol":1,"secret":"s3cre"`), "wrong secret"},
		{"secret with a suffix", hello(`,"protocol":1,"secret":"s3crett"`), "wrong secret"},
		{"secret not a string", hello(`,"protocol":1,"secret":1`), "malformed hello"},
		{"future protocol", hello(`,"protocol":2,"secret":"` + secret + `"`), "unsupported protocol version 2"},
		{"no protocol", hello(`,"secret":"` + secret + `"`), `missing field "protocol"`},
		{"event first", `{"type":"taskStart","seq":1,"time":1,"stageId":0,"stageAttemptId":0,"taskId":1,"index":0,"attempt":0,"executorId":"1","host":"h","speculative":false}` + "\n" + hello(`,"protocol":1,"secret":"`+secret+`"`), "first frame must be hello"},
		{"unknown type first", `{"type":"hullo"}` + "\n", "first frame must be hello"},
		{"not JSON", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "malformed hello"},
		{"truncated hello", `{"type":"hello","protocol":1,"secret":"` + secret, "malformed hello"},
		{"binary", "\x00\xff\xfe\x01", "malformed hello"},
		{"oversized hello", `{"type":"hello","protocol":1,"secret":"` + secret + `","pad":"` +
			strings.Repeat("a", event.MaxFrameBytes) + `"}` + "\n", "hello longer than 32768 bytes"},
		{"hello over MaxHelloBytes", `{"type":"hello","protocol":1,"secret":"` + secret + `","pad":"` +
			strings.Repeat("a", MaxHelloBytes) + `"}` + "\n", "hello longer than 32768 bytes: line 1: frame exceeds the size limit (32768 bytes)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			checkHandshake(t, srv, sock, []byte(c.first), apps)
			out := exchange(t, sock, []byte(c.first))
			var m map[string]any
			line, _, _ := bytes.Cut(out, []byte("\n"))
			if err := json.Unmarshal(line, &m); err != nil || !strings.Contains(m["error"].(string), c.reason) {
				t.Errorf("answer %q, want a reason with %q", out, c.reason)
			}
		})
	}
	if n := apps(); n != 0 {
		t.Fatalf("refused connections created %d applications", n)
	}
	good := []byte(hello(`,"protocol":1,"secret":"` + secret + `"`))
	// A hello of MaxHelloBytes (a long application name) is still welcome.
	long := hello(`,"protocol":1,"secret":"` + secret + `","pad":""`)
	long = strings.Replace(long, `"pad":""`, `"pad":"`+strings.Repeat("a", MaxHelloBytes-len(long))+`"`, 1)
	for _, first := range [][]byte{good, []byte(long)} {
		if handshakeOutcome(first) != "welcome" {
			t.Fatalf("%.80q... must be welcome", first)
		}
		checkHandshake(t, srv, sock, first, apps)
	}
}

// The ingest socket is the Jupyter user's only: mode 0600 (in the 0700 directory jupyter_config creates).
func TestIngestSocketIsOwnerOnly(t *testing.T) {
	_, _, sock := start(t)
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, want a socket with 0600", sock, fi.Mode())
	}
}
