package ingest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// answer reads the monitor's first frame on c (a deadline of 10 s) and returns its type and error.
func answer(t *testing.T, c net.Conn) (typ, reason string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		t.Fatalf("no answer from the monitor: %v (got %q)", err, line)
	}
	var m struct{ Type, Error string }
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatalf("answer %q: %v", line, err)
	}
	return m.Type, m.Error
}

// dialRaw opens a connection to sock, closed at the end of the test.
func dialRaw(t *testing.T, sock string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// welcomeWithin dials and sends a good hello until it is welcome (a refusal over a cap is retried, as the listener
// does), with a deadline; it returns the welcome connection.
func welcomeWithin(t *testing.T, sock, app string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c := dialRaw(t, sock)
		if _, err := c.Write([]byte(helloLine(app, secret, 1) + "\n")); err != nil {
			t.Fatal(err)
		}
		typ, reason := answer(t, c)
		if typ == "welcome" {
			return c
		}
		_ = c.Close()
		if !strings.Contains(reason, "try again later") || time.Now().After(deadline) {
			t.Fatalf("a good hello got %s %q", typ, reason)
		}
		runtime.Gosched()
	}
}

// At most MaxHandshakes connections wait for their hello: the next one is refused at once with the reason, counted;
// once they are gone a listener connects.
func TestHandshakesWaitingForTheirHelloAreCapped(t *testing.T) {
	srv, _, sock := start(t)
	var waiting []net.Conn
	for range MaxHandshakes {
		c := dialRaw(t, sock)
		if _, err := c.Write([]byte(`{"type":"hello","appId":"half`)); err != nil {
			t.Fatal(err)
		}
		waiting = append(waiting, c)
	}
	// Accept is in order: the monitor took the earlier ones when it answers this one.
	typ, reason := answer(t, dialRaw(t, sock))
	if typ != "error" || !strings.Contains(reason, fmt.Sprintf("too many connections waiting for their hello (%d)", MaxHandshakes)) {
		t.Fatalf("connection %d: answer %s %q, want the handshake cap", MaxHandshakes+1, typ, reason)
	}
	if srv.Rejected() != 1 {
		t.Fatalf("rejected = %d, want 1", srv.Rejected())
	}
	for _, c := range waiting {
		_ = c.Close()
	}
	welcomeWithin(t, sock, "app-after")
}

// At most MaxConns listener connections are open: the next one is refused at once with the reason; when one closes,
// a listener connects again.
func TestListenerConnectionsAreCapped(t *testing.T) {
	srv, _, sock := start(t)
	var open []net.Conn
	for i := range MaxConns {
		open = append(open, welcomeWithin(t, sock, fmt.Sprintf("app-%d", i)))
	}
	typ, reason := answer(t, dialRaw(t, sock))
	if typ != "error" || !strings.Contains(reason, fmt.Sprintf("too many listener connections (%d)", MaxConns)) {
		t.Fatalf("connection %d: answer %s %q, want the connection cap", MaxConns+1, typ, reason)
	}
	if srv.Rejected() != 1 {
		t.Fatalf("rejected = %d, want 1", srv.Rejected())
	}
	_ = open[0].Close()
	welcomeWithin(t, sock, "app-again")
}

// Many connections each sending 1 MiB of a hello without its end: the monitor refuses every one with a reason and
// holds little memory while they stay open (before the caps, each cost about 2.5 MiB: 250 MiB for 100).
func TestHalfSentHellosHoldLittleMemory(t *testing.T) {
	const conns = 100
	_, _, sock := start(t)
	pad := []byte(`{"type":"hello","protocol":1,"secret":"` + secret + `","pad":"` + strings.Repeat("a", 1<<20-64))
	heapBefore := heapAfterGC()
	var wg sync.WaitGroup
	cs := make([]net.Conn, conns)
	for i := range cs {
		cs[i] = dialRaw(t, sock)
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			_, _ = c.Write(pad) // the monitor may close before it took everything
		}(cs[i])
	}
	wg.Wait()
	// The connections are still open on our side: whatever the monitor kept of them is still held.
	if grown := heapAfterGC() - heapBefore; grown > 16<<20 {
		t.Fatalf("%d half-sent hellos: heap grew by %d MiB, want at most 16", conns, grown>>20)
	}
	for i, c := range cs {
		typ, reason := answer(t, c)
		if typ != "error" || (!strings.Contains(reason, "hello longer than 32768 bytes") && !strings.Contains(reason, "try again later")) {
			t.Fatalf("connection %d: answer %s %q, want a refusal with a reason", i, typ, reason)
		}
	}
	welcomeWithin(t, sock, "app-after")
}

func heapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
