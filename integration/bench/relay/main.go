// Command relay is P5's floor (issue 5, integration/bench/bench_proxy.py): a TCP relay that passes bytes between a
// client and one upstream without reading HTTP at all (Go's io.Copy, splice on Linux). Any proxy costs at least this
// one more loopback hop and its wake-ups; bench_proxy.py measures it next to the monitor's proxy.
//
//	relay -to 127.0.0.1:4040
//
// It listens on 127.0.0.1, on a port of the kernel's choosing, prints "listening on HOST:PORT" and serves until killed.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	to := flag.String("to", "", "upstream host:port")
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
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatalf("relay: %v", err)
		}
		go relay(c.(*net.TCPConn), *to)
	}
}

// relay copies both ways between c and a new connection to the upstream until either side closes.
func relay(c *net.TCPConn, to string) {
	defer c.Close()
	u, err := net.Dial("tcp", to)
	if err != nil {
		log.Printf("relay: %v", err)
		return
	}
	defer u.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(u, c)
		_ = u.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(c, u)
	_ = c.CloseWrite()
	<-done
}
