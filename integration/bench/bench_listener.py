"""Benchmark P1 (issue 5): what a listener costs the user's Spark job.

The same 100 000-task PySpark job (local[2], listener_job.py) runs in fresh driver JVMs without any listener, with
ours (reporting to a running monitor binary) and with the published `sparkmonitor` package's listener (swan-cern's,
from its own venv). Runs are interleaved round by round (none, ours, swan, then rotated) so that drift in the
machine's speed falls on all three alike. Reported: the median job time per mode, its ratio to the no-listener median,
Spark's dropped-event counts and the monitor's own, and whether every task end reached the monitor.

The job runs with a 4 GB driver heap after a 20 000-task warm-up (BENCH_DRIVER_MEMORY, BENCH_WARMUP_TASKS), the
same in every mode. With Spark's default 1 GB heap and a 1 000-task warm-up, identical no-listener runs took 120 s to
181 s: the garbage collector's CPU time varied two-fold (34 s and 68 s in two runs), and the JIT compiler was still
busy during the timed job. Two things check what is left of that noise:
- a host speed probe on a thread of this process times a fixed piece of arithmetic every 250 ms while a job runs
  (its thread CPU time, so waiting for a core does not count): it shows whether the cores themselves slowed, not
  whether memory-bound work did (its data fits in the first-level cache);
- the driver JVM's CPU time by thread: Spark's listener bus queue threads (ours runs on the "appStatus" queue beside
  Spark's status listener, the published package's on the "shared" queue, whose thread exists only for such
  listeners) and our sender's threads, compared with the no-listener runs, give the listener's own cost in CPU
  seconds, and as a share of the driver JVM's CPU time, which the run-to-run spread of the job's time moves much less.

    .venv/bin/python integration/bench/bench_listener.py --swan-python PATH [--runs N]

`make bench` creates that package's venv (in the download cache) and passes its python.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
# listener_job.py's settings (from the environment, which its runs inherit), the same in every mode (see above).
from listener_job import DRAIN_DEADLINE, DRIVER_MEMORY, WARMUP_TASKS, cpu_seconds  # noqa: E402
from results import Result, Row, median  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
JOB = Path(__file__).with_name("listener_job.py")
MODES = ("none", "ours", "swan")
# Spark's listener bus queue threads (appStatus and executorManagement in every mode; "shared" where the published
# package's listener runs; ours runs on appStatus) and our sender and control threads.
LISTENER_THREADS = ("spark-listener-group-", "sparkmonitor-")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--swan-python", required=True, help="python of a venv with the PyPI sparkmonitor package")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "5")))
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the monitor binary is stopped on the way out

    swan_version = subprocess.run(
        [args.swan_python, "-c", "import importlib.metadata as m; print(m.version('sparkmonitor'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory(prefix="bench-p1-") as tmp, Monitor(Path(tmp)) as monitor:
        for r in range(args.runs):
            order = MODES[r % 3 :] + MODES[: r % 3]
            for mode in order:
                python = args.swan_python if mode == "swan" else sys.executable
                env = dict(os.environ)
                for key in (
                    "SPARK_CONF_DIR",
                    "PYTHONSTARTUP",
                    "SPARK_DIST_CLASSPATH",
                    "SPARKMONITOR_INGEST",
                    "SPARKMONITOR_SECRET",
                    "SPARK_HOME",
                ):
                    env.pop(key, None)
                if mode == "ours":
                    env.update(monitor.env())
                monitor_cpu = monitor.cpu_seconds()
                with HostSpeed() as probe:
                    out = subprocess.run(
                        [python, str(JOB), mode], env=env, capture_output=True, text=True, timeout=1800, cwd=tmp
                    )
                lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
                if out.returncode != 0 or not lines:
                    sys.stderr.write(out.stderr[-4000:])
                    raise SystemExit(f"P1: the {mode} run failed (exit {out.returncode})")
                run = json.loads(lines[-1])
                run["cpuSeconds"]["monitor"] = monitor.cpu_seconds() - monitor_cpu if mode == "ours" else 0.0
                run["probeMs"] = probe.during(*run["window"])
                runs[mode].append(run)
                if all(runs.values()):  # a figure for every mode: keep what is measured so far
                    result(runs, r + 1, swan_version).write()
                print(
                    f"P1 run {r + 1}/{args.runs} {mode}: {run['seconds']:.1f} s, monitor got "
                    f"{run['monitorTaskEnds']}/{run['sparkTaskEnds']} task ends, dropped {run['sparkDroppedEvents']}",
                    flush=True,
                )
    result(runs, args.runs, swan_version).write()


def result(runs: dict[str, list[dict]], n: int, swan_version: str) -> Result:
    med = {m: median([r["seconds"] for r in runs[m]]) for m in MODES}
    ratio = {m: med[m] / med["none"] for m in MODES}

    def spread(values: list[float]) -> str:
        return f"{min(values):.1f} – {max(values):.1f} s ({max(values) / min(values):.2f}×)"

    def dropped(m: str) -> int:
        return max(sum(r["sparkDroppedEvents"].values()) + (r["listenerDroppedEvents"] or 0) for r in runs[m])

    def drain(m: str) -> str:
        if lost(m):
            return f"more than {DRAIN_DEADLINE:g} s (it had not got them all)"
        return f"{median([r['drainSeconds'] for r in runs[m]]) * 1000:.0f} ms"

    cpu = {m: median([sum(r["cpuSeconds"].values()) for r in runs[m]]) for m in MODES}

    def threads(m: str, *groups: str) -> float:
        return median([sum(r["jvmThreadCpuSeconds"].get(g, 0.0) for g in groups) for r in runs[m]])

    def job_threads(m: str, key: str) -> float:  # task threads; 0 from runs recorded before the harness kept them
        return median([r.get(key, {}).get("task threads", 0.0) for r in runs[m]])

    def bus(m: str) -> float:
        return median(
            [sum(cpu for g, cpu in r["jvmThreadCpuSeconds"].items() if g.startswith(LISTENER_THREADS)) for r in runs[m]]
        )

    def listener_cpu(m: str) -> str:
        added = bus(m) - bus("none")
        jvm = median([r["cpuSeconds"]["driverJvm"] for r in runs[m]])
        return f"{bus(m):.1f} s; {added:+.1f} s over none, {added / jvm:.1%} of the driver JVM's {jvm:.0f} s"

    def per_round(m: str) -> str:
        rounds = min(len(runs[m]), len(runs["none"]))
        return ", ".join(f"{runs[m][i]['seconds'] / runs['none'][i]['seconds']:.2f}×" for i in range(rounds)) or "–"

    def lost(m: str) -> int:
        return max(r["sparkTaskEnds"] - (r["monitorTaskEnds"] or 0) for r in runs[m])

    rows = [
        Row("job time without a listener (median)", f"{med['none']:.1f} s"),
        Row(
            "job time with ours (median), ratio to none",
            f"{med['ours']:.1f} s, {ratio['ours']:.3f}×",
            f"≤ 1.02× and ≤ sparkmonitor {swan_version}'s",
            ratio["ours"] <= 1.02 and ratio["ours"] <= ratio["swan"],
        ),
        Row(
            f"job time with sparkmonitor {swan_version} (median), ratio to none",
            f"{med['swan']:.1f} s, {ratio['swan']:.3f}×",
        ),
        # The machine's speed drifts (no-listener runs of the same job vary by more than the target): the ratios of
        # each round's runs, taken minutes apart, show how far the medians can be trusted.
        Row("ratio to none within each round: ours", per_round("ours")),
        Row(f"ratio to none within each round: sparkmonitor {swan_version}", per_round("swan")),
        Row("job time without a listener, fastest – slowest run", spread([r["seconds"] for r in runs["none"]])),
        Row(
            "host speed probe: fixed work's CPU time, median per run (none; ours; sparkmonitor)",
            "; ".join(", ".join(f"{r['probeMs']:.2f}" for r in runs[m]) for m in MODES) + " ms",
        ),
        Row(
            "driver JVM CPU in the listener bus threads (Spark's queues and our sender), median: none",
            f"{bus('none'):.1f} s",
        ),
        Row(
            "driver JVM CPU in the listener bus threads (Spark's queues and our sender), median: ours",
            listener_cpu("ours"),
        ),
        Row(
            f"driver JVM CPU in the listener bus threads (Spark's queues), median: sparkmonitor {swan_version}",
            listener_cpu("swan"),
        ),
        Row(
            "Spark's task threads in the timed job: CPU time, of it in the kernel, median (none; ours; sparkmonitor)",
            "; ".join(
                f"{job_threads(m, 'jvmThreadCpuSecondsJob'):.1f} s, "
                f"{job_threads(m, 'jvmThreadSystemCpuSecondsJob'):.1f} s"
                for m in MODES
            ),
        ),
        Row(
            "driver JVM CPU in the garbage collector / JIT compiler, median (none; ours; sparkmonitor)",
            "; ".join(f"{threads(m, 'GC'):.1f} / {threads(m, 'JIT compiler'):.1f} s" for m in MODES),
        ),
        Row(
            "monitor binary CPU time per run (median)",
            f"{median([r['cpuSeconds'].get('monitor', 0.0) for r in runs['ours']]):.1f} s",
        ),
        Row(
            "CPU time (driver JVM + driver Python + monitor binary, median), ratio to none: ours",
            f"{cpu['ours']:.1f} s, {cpu['ours'] / cpu['none']:.3f}×",
        ),
        Row(
            f"CPU time (driver JVM + driver Python, median), ratio to none: sparkmonitor {swan_version}",
            f"{cpu['swan']:.1f} s, {cpu['swan'] / cpu['none']:.3f}×",
        ),
        Row(
            "dropped events with ours (Spark's queues + the listener's own)",
            str(dropped("ours")),
            "0",
            dropped("ours") == 0,
        ),
        Row(f"dropped events with sparkmonitor {swan_version} (Spark's queues)", str(dropped("swan"))),
        Row(
            f"task ends that had not reached the monitor {DRAIN_DEADLINE:g} s after the job: ours",
            str(lost("ours")),
            "0",
            lost("ours") == 0,
        ),
        Row(
            f"task ends that had not reached the monitor {DRAIN_DEADLINE:g} s after the job: "
            f"sparkmonitor {swan_version}",
            str(lost("swan")),
        ),
        Row("after the job, until the monitor had every task end (median): ours", drain("ours")),
        Row(
            f"after the job, until the monitor had every task end (median): sparkmonitor {swan_version}", drain("swan")
        ),
    ]
    return Result(
        id="P1",
        title="listener overhead: a 100 000-task PySpark job on local[2]",
        rows=rows,
        command="make bench (integration/bench/bench_listener.py)",
        notes=(
            f"Median of {n} runs per mode, each in a fresh driver JVM, interleaved round by round. The job is "
            f"spark.range(0, 100000, 1, 100000).count() after a {WARMUP_TASKS:,}-task warm-up, with a "
            f"{DRIVER_MEMORY} driver heap in every mode. The sparkmonitor package runs "
            "from its own venv; its kernel extension's receiving socket thread counts the messages where the "
            "kernel would forward them to the browser. The host speed probe times a fixed piece of pure-Python "
            "work (its thread CPU time) every 250 ms during each job."
        ),
        raw=runs,
    )


class HostSpeed:
    """Times a fixed piece of pure-Python arithmetic every 250 ms on a thread of this process (which only waits for the
    job meanwhile): its thread CPU time, about 2 ms, tracks how fast the cores run it now (not memory-bound work: its
    data fits in the first-level cache). The work and its period are the same in every mode."""

    PERIOD = 0.25

    def __init__(self) -> None:
        self.samples: list[tuple[float, float]] = []  # (Unix time, CPU ms)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="host-speed", daemon=True)

    def __enter__(self) -> HostSpeed:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.PERIOD):
            before = time.thread_time_ns()
            x = 1
            for _ in range(20000):
                x = (x * 1103515245 + 12345) & 0xFFFFFFFF
            self.samples.append((time.time(), (time.thread_time_ns() - before) / 1e6))

    def during(self, start: float, end: float) -> float:
        """The median CPU ms of the samples taken between start and end."""
        inside = [ms for at, ms in self.samples if start <= at <= end]
        if not inside:
            raise SystemExit("P1: the host speed probe took no sample during the job")
        return median(inside)


class Monitor:
    """The monitor binary, started as jupyter-server-proxy starts it: loopback HTTP, a unix-socket ingest."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.secret = secrets.token_hex(16)
        self.proxy_secret = secrets.token_hex(16)
        self.ingest = f"unix:{tmp / 'ingest.sock'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sparkmonitor/"
        self.proc = None

    def __enter__(self) -> Monitor:
        # Its own history folder (XDG_STATE_HOME), empty: the monitor records every run's event log, as by default,
        # but restores no earlier application at start, and adds nothing to the user's history.
        env = dict(
            os.environ,
            SPARKMONITOR_SECRET=self.secret,
            SPARKMONITOR_PROXY_SECRET=self.proxy_secret,
            XDG_STATE_HOME=str(self.tmp / "state"),
        )
        self.log = (self.tmp / "monitor.log").open("wb")
        self.proc = subprocess.Popen(
            [
                os.environ.get("BENCH_MONITOR_BIN", str(ROOT / "build" / "sparkmonitor")),
                f"--listen=127.0.0.1:{self.port}",
                "--base-url=/",
                f"--ingest={self.ingest}",
                "--log-level=warn",
            ],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                req = urllib.request.Request(
                    self.url + "api/health", headers={"X-Sparkmonitor-Proxy-Secret": self.proxy_secret}
                )
                urllib.request.urlopen(req, timeout=5).read()
                return self
            except OSError as err:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"P1: the monitor binary did not start; see {self.tmp / 'monitor.log'}") from err
                time.sleep(0.1)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.proc.pid)

    def env(self) -> dict[str, str]:
        from_main = ROOT / "build" / "sparkmonitor-listener.jar"
        return {
            "SPARKMONITOR_INGEST": self.ingest,
            "SPARKMONITOR_SECRET": self.secret,
            "BENCH_OUR_JAR": str(from_main),
            "BENCH_MONITOR_URL": self.url,
            "BENCH_PROXY_SECRET": self.proxy_secret,
        }

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
