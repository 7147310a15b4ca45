package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
)

// sysmonSetting keeps the Go runtime's monitor thread (sysmon) out of its deep sleep. The monitor is idle between
// the hops of each request and between the listener's batches of events; with the default, every return from idle
// wakes sysmon through a futex (the first system call after it wakes it, runtime.entersyscallWakeSysmon), which then
// polls every 20 µs and takes the P from short system calls, handing it to another thread. Measured on the benchmark
// machine (issue 5, P5; `perf stat` of the monitor during integration/bench/bench_proxy.py), this cut the monitor's
// context switches per proxied request from 12.6 to 3.2 and its CPU time per request by 43 %, and the proxy's added
// latency by about 3.5 %. A sysmon that is never in deep sleep backs off to one wake-up per 10 ms while nothing happens.
//
// The runtime offers no other switch for it than GODEBUG's schedtrace, which keeps sysmon awake as a side effect: its
// period here (the largest, 2^31-1 ms) is such that the runtime prints one "SCHED" line to stderr when the machine has
// been up that long (24.8 days), and then once per 24.8 days.
const sysmonSetting = "schedtrace=2147483647"

// tuneRuntime sets up the runtime for the monitor. It re-executes the binary (same process ID, same arguments) with
// sysmonSetting added to GODEBUG, unless GODEBUG already says something of schedtrace (GODEBUG=schedtrace=0 opts out).
func tuneRuntime() {
	if godebug, add := withSysmonSetting(os.Getenv("GODEBUG")); add {
		if exe, err := os.Executable(); err == nil {
			err = syscall.Exec(exe, os.Args, withEnv(os.Environ(), "GODEBUG", godebug))
			fmt.Fprintf(os.Stderr, "sparkmonitor: running without %s (re-executing %s: %v)\n", sysmonSetting, exe, err)
		}
	}
	// One P unless GOMAXPROCS is set: the monitor's work is one state goroutine fed by a few connections, which one
	// core keeps up with (P3: over 1M events/s). More Ps only add wake-ups across threads to every request and event
	// (P5: the proxy's added latency drops by about a third with one), and would let the monitor take more than one
	// core from the Spark job beside it.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// withSysmonSetting is GODEBUG with sysmonSetting added, and whether that is a change.
func withSysmonSetting(godebug string) (string, bool) {
	for _, kv := range strings.Split(godebug, ",") {
		if k, _, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == "schedtrace" {
			return godebug, false
		}
	}
	if strings.TrimSpace(godebug) == "" {
		return sysmonSetting, true
	}
	return godebug + "," + sysmonSetting, true
}

// withEnv is env with key set to value, once: Go reads the first of several (GODEBUG= and then GODEBUG=x is "").
func withEnv(env []string, key, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}
