"""P6 (issue 21): the monitor's idle cost. A benchmark, not a test: `make test` never runs it.

    .venv/bin/python integration/bench/bench_idle.py [--window 60] [--settle 10]

What it starts: a real JupyterLab (with jupyter-server-proxy and our installed package); the first request through
jupyter-server-proxy starts our Go binary (build/sparkmonitor, through bench_proxy's wrapper, which notes its process
id). Then, in this process, a real PySpark driver (local[2]) with our plugin reporting to that binary.

What it measures, from /proc (nothing is sent to the monitor while it is measured):
  - wake-ups per second: the voluntary and involuntary context switches of all the monitor's threads
    (/proc/PID/task/*/status), summed, over a window; a thread that sleeps and is woken once counts one;
  - its resident memory (VmRSS of /proc/PID/status), sampled every second, and its peak (VmHWM).
Three windows: idle before any Spark application (the monitor started, no browser page open), during a job (from the
job's start to its end), and idle again after the application stopped. The target (issue 21): at most 1 wake-up/s
and at most 30 MB of RSS while no Spark application runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bench_proxy import BINARY, JAR, start_monitor, start_spark  # noqa: E402
from conftest import stop_jupyter, wait_until  # noqa: E402
from results import Result, Row  # noqa: E402

WAKEUPS_TARGET = 1.0  # per second, idle
RSS_TARGET_MB = 30.0  # idle
# The job of the "during a job" window: 2 000 tasks of 50 ms on local[2], about a minute.
JOB_TASKS, JOB_TASK_S = 2000, 0.05


def context_switches(pid: int) -> int:
    """Voluntary + involuntary context switches of every thread of pid, so far."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                    total += int(line.split()[1])
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return total


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def watch(pid: int, until) -> dict:
    """Samples pid once a second until until() is true (checked every second); returns the window's figures."""
    t0, cs0 = time.monotonic(), context_switches(pid)
    rss, per_second = [], []
    last = cs0
    while True:
        time.sleep(1)
        cs = context_switches(pid)
        per_second.append(cs - last)
        last = cs
        rss.append(status_kb(pid, "VmRSS") / 1024)
        if until():
            break
    elapsed = time.monotonic() - t0
    return {
        "seconds": round(elapsed, 1),
        "wakeups": last - cs0,
        "wakeups_per_s": round((last - cs0) / elapsed, 2),
        "max_wakeups_in_a_second": max(per_second),
        "rss_mb_last": round(rss[-1], 1),
        "rss_mb_max": round(max(rss), 1),
        "threads": len(list(Path(f"/proc/{pid}/task").iterdir())),
        "per_second": per_second,
    }


def for_seconds(n: float):
    end = time.monotonic() + n
    return lambda: time.monotonic() >= end


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--window", type=float, default=60, help="seconds of each idle window (default 60)")
    ap.add_argument("--settle", type=float, default=10, help="seconds before each idle window (default 10)")
    ap.add_argument("--binary", type=Path, default=BINARY, help="the monitor binary (default build/sparkmonitor)")
    ap.add_argument("--no-write", action="store_true", help="print the figures without writing build/bench/P6.json")
    args = ap.parse_args()
    for f in (args.binary, JAR):
        if not f.exists():
            sys.exit(f"{f} is missing: run `make install-dev` first")

    jupyter, started, flags = start_monitor(Path(tempfile.mkdtemp(prefix="bench-idle-")), args.binary)
    spark = None
    try:
        pid = started["pid"]
        print(f"monitor pid {pid}, started with {started['argv']}", flush=True)

        time.sleep(args.settle)  # a benchmark's settling time, not a synchronisation: the window measures what follows
        idle = watch(pid, for_seconds(args.window))
        print("idle, no application:", {k: v for k, v in idle.items() if k != "per_second"}, flush=True)

        spark = start_spark(flags["ingest"], started["secret"], workload="", name="bench-idle")
        sc = spark.sparkContext
        done = threading.Event()

        def job():
            try:
                sc.parallelize(range(JOB_TASKS), JOB_TASKS).map(lambda x: time.sleep(JOB_TASK_S) or x).count()
            finally:
                done.set()

        threading.Thread(target=job, daemon=True).start()
        busy = watch(pid, done.is_set)
        print("during the job:", {k: v for k, v in busy.items() if k != "per_second"}, flush=True)
        app = sc.applicationId
        spark.stop()
        spark = None

        def ended():
            apps = jupyter.get_json("sparkmonitor/api/apps")["data"]
            return any(a["appId"] == app and a["state"] != "RUNNING" for a in apps)

        wait_until(ended, 60, f"the monitor to show {app} ended")
        time.sleep(args.settle)
        after = watch(pid, for_seconds(args.window))
        print("idle, after the application:", {k: v for k, v in after.items() if k != "per_second"}, flush=True)
        peak_mb = status_kb(pid, "VmHWM") / 1024
    finally:
        if spark is not None:
            spark.stop()
        stop_jupyter(jupyter)

    rows = [
        Row(
            "idle, no Spark application: wake-ups/s (context switches of all threads)",
            f"{idle['wakeups_per_s']:.2f}/s",
            f"≤ {WAKEUPS_TARGET:g}/s",
            idle["wakeups_per_s"] <= WAKEUPS_TARGET,
        ),
        Row(
            "idle, no Spark application: RSS",
            f"{idle['rss_mb_max']:.1f} MB",
            f"≤ {RSS_TARGET_MB:g} MB",
            idle["rss_mb_max"] <= RSS_TARGET_MB,
        ),
        Row(
            f"during a job ({JOB_TASKS} tasks, {busy['seconds']:.0f} s): wake-ups/s / max RSS",
            f"{busy['wakeups_per_s']:.1f}/s / {busy['rss_mb_max']:.1f} MB",
        ),
        Row(
            "idle after the application ended: wake-ups/s",
            f"{after['wakeups_per_s']:.2f}/s",
            f"≤ {WAKEUPS_TARGET:g}/s",
            after["wakeups_per_s"] <= WAKEUPS_TARGET,
        ),
        Row(
            "idle after the application ended: RSS",
            f"{after['rss_mb_max']:.1f} MB",
            f"≤ {RSS_TARGET_MB:g} MB",
            after["rss_mb_max"] <= RSS_TARGET_MB,
        ),
        Row("peak RSS over the run (VmHWM)", f"{peak_mb:.1f} MB"),
    ]
    for r in rows:
        print(f"{r.measure}: {r.value} {r.target} {'' if r.met is None else ('met' if r.met else 'NOT met')}")
    if args.no_write:
        return
    Result(
        id="P6",
        title="idle cost of the monitor: wake-ups and memory",
        rows=rows,
        command=".venv/bin/python integration/bench/bench_idle.py",
        notes=(
            f"The monitor as JupyterLab starts it (jupyter-server-proxy), no browser page open. Wake-ups = voluntary + "
            f"involuntary context switches summed over /proc/PID/task/*/status, read once a second by this script; "
            f"RSS = VmRSS of /proc/PID/status, sampled once a second (the row gives the window's largest). Windows: "
            f"{args.window:g} s idle {args.settle:g} s after the monitor started, before any Spark application; a job "
            f"of {JOB_TASKS} tasks of {JOB_TASK_S * 1000:.0f} ms on a real PySpark driver (local[2]) with our plugin, "
            f"from its start to its end; {args.window:g} s idle {args.settle:g} s after the application stopped."
        ),
        raw={"idle": idle, "job": busy, "after": after, "peak_rss_mb": round(peak_mb, 1)},
    ).write()
    print("wrote build/bench/P6.json")


if __name__ == "__main__":
    main()
