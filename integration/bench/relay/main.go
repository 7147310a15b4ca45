// Command relay is P5's floor (issue 5, integration/bench/bench_proxy.py): a TCP relay that passes bytes between a
// client and one upstream without reading HTTP at all (Go's io.Copy, splice on Linux). Any proxy costs at least this
// one more loopback hop and its wake-ups; bench_proxy.py measures it next to the monitor's proxy.
//
// With -http it is instead the least a proxy that reads HTTP does: per connection to it, one connection upstream, and
// for each request, http.ReadRequest, the request line and header written on, http.ReadResponse, the body read whole,
// and the status line, header (with the body's length) and body in one write. No net/http server (no goroutine or
// background read per request), no policy, no streaming: a floor for the monitor's proxy, not a proxy to use.
//
//	relay -to 127.0.0.1:4040 [-http]
//
// It listens on 127.0.0.1, on a port of the kernel's choosing, prints "listening on HOST:PORT" and serves until killed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
)

func main() {
	to := flag.String("to", "", "upstream host:port")
	readHTTP := flag.Bool("http", false, "read HTTP: forward request by request (the floor of a proxy that parses HTTP)")
	flag.Parse()
	if *to == "" {
		fmt.Fprintln(os.Stderr, "relay: -to host:port is required")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("relay: %v", err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	pass := relay
	if *readHTTP {
		pass = func(c, u net.Conn) { relayHTTP(c, u, *to) }
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatalf("relay: %v", err)
		}
		go serve(c, *to, pass)
	}
}

// serve runs pass between c and a new connection to the upstream, and closes both when it returns.
func serve(c net.Conn, to string, pass func(c, u net.Conn)) {
	defer func() { _ = c.Close() }()
	u, err := net.Dial("tcp", to)
	if err != nil {
		log.Printf("relay: %v", err)
		return
	}
	defer func() { _ = u.Close() }()
	pass(c, u)
}

// relay copies both ways between c and u until either side closes.
func relay(c, u net.Conn) {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(u, c)
		_ = u.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(c, u)
	_ = c.(*net.TCPConn).CloseWrite()
	<-done
}

// relayHTTP forwards c's requests one at a time to u, with Host: host, until either side closes or sends what it
// cannot parse.
func relayHTTP(c, u net.Conn, host string) {
	cr, cw := bufio.NewReader(c), bufio.NewWriterSize(c, 64<<10)
	ur, uw := bufio.NewReaderSize(u, 64<<10), bufio.NewWriter(u)
	for {
		req, err := http.ReadRequest(cr)
		if err != nil {
			return
		}
		req.Header.Del("Connection")
		_, _ = fmt.Fprintf(uw, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.RequestURI, host)
		_ = req.Header.Write(uw)
		_, _ = uw.WriteString("\r\n")
		if uw.Flush() != nil {
			return
		}
		resp, err := http.ReadResponse(ur, req)
		if err != nil {
			return
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return
		}
		for _, h := range []string{"Connection", "Transfer-Encoding"} {
			resp.Header.Del(h)
		}
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = fmt.Fprintf(cw, "HTTP/1.1 %s\r\n", resp.Status)
		_ = resp.Header.Write(cw)
		_, _ = cw.WriteString("\r\n")
		_, _ = cw.Write(body)
		if cw.Flush() != nil {
			return
		}
	}
}
