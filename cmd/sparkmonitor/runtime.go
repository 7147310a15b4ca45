package main

import (
	"os"
	"runtime"
)

// tuneRuntime sets up the runtime for the monitor: one P unless GOMAXPROCS is set, so that the monitor never takes
// more than one core from the Spark driver and executors beside it, whatever a flood of events or of proxied
// requests asks of it. One core keeps up with its work (P3: over 1M events/s on the state's one goroutine). The
// proxy's latency does not decide it: with Go's default (2 Ps on the 2-core benchmark machine) P5's p50 was within
// the run-to-run noise of one P (bench_proxy.py --compare, 2026-12-07: 1.3 % faster with two Ps over two runs, the
// binaries swapped between paths, whose own bias was 2-5 %).
func tuneRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
