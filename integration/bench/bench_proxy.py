"""P5 (issue 5): Spark UI page latency through the monitor's proxy against the Spark UI itself. A benchmark, not a test:
`make test` never runs it, and it asserts nothing about timings.

    .venv/bin/python integration/bench/bench_proxy.py [--rounds 200] [--warmup 3]

What it starts: a real JupyterLab (with jupyter-server-proxy and our installed package), which starts our Go binary
lazily; the binary is build/sparkmonitor (or --binary), reached through a small wrapper (SPARKMONITOR_BINARY) that notes
the port, ingest address and secrets jupyter-server-proxy gave it. Then a real PySpark driver (local[2]) in this
process, with our plugin reporting to that same binary, runs 20 jobs (SQL, shuffles, RDDs) so that the UI pages have
content.

What it measures, for each page of PAGES, the wall time of one GET, from sending the request to the last byte of the
body, on six paths:
  a  direct:  http://127.0.0.1:4040/...                                  (the Spark UI itself)
  b  proxy:   http://127.0.0.1:{go port}/sparkmonitor/ui/{app}/...       (our Go binary; secret header)
  c  jupyter: http://127.0.0.1:{jupyter port}/sparkmonitor/ui/{app}/...  (JupyterLab + jupyter-server-proxy + b; token)
  r  relay:   http://127.0.0.1:{relay port}/...                          (a TCP relay to a, integration/bench/relay)
  x  direct with the header: as a, with the X-Forwarded-Context our proxy adds (Spark's own cost of serving under a
     prefix: every link of a page is built from that header)
  h  HTTP relay: http://127.0.0.1:{port}/...                             (integration/bench/relay -http, to a)
The relay passes bytes without reading HTTP (Go's io.Copy, splice), with the monitor's runtime settings, and its
client sends the X-Forwarded-Context header that our proxy adds, as x's does: r/a is the cost of one more loopback
hop, its wake-ups and that header on this machine, the floor under the b/a of any proxy that serves Spark's pages
under a prefix, and x/a the header's share of it. The HTTP relay (h, same header) is the least a proxy that reads
HTTP does: each request and response parsed (Go's http.ReadRequest/ReadResponse) and passed on, the response in one
write, without net/http's server and without any policy: h/a is the floor of a proxy that reads HTTP.
Each path has one persistent HTTP/1.1 keep-alive connection (http.client.HTTPConnection), opened before warm-up, so
connection set-up is not measured (a connection the server closed is reopened before the request is timed again).
The client sends a browser's Accept-Encoding (gzip) and reads the body as it arrives (not decompressed).

Requests are interleaved: for each round and page, every path one after the other, in the orders of a balanced Latin
square (balanced_orders), so drift and the machine's other load fall on all of them alike, and each path comes at each
place and right after each other path equally often: a request right after c (the JupyterLab path) took 3-6 % longer
than one after a or b, and a rotation (abc, bca, cab) put a after c twice as often as b. The figure held to the target
(p50 ratio b/a ≤ 1.10) is the median, over all rounds and pages, of the paired per-request ratios b/a (same round,
same page). The targets (issue 21): that p50 ratio b/a ≤ 1.20, and the p99 of b's requests over all rounds and pages
≤ 1.5 × the p99 of a's (the slow requests users notice). c/a, r/a, x/a and h/a are informative (tornado's overhead is
jupyter-server-proxy's, not ours). Path b is the monitor's --listen: host:port, or a unix socket (unix:/path).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(HERE.parent)]

from conftest import start_jupyter, stop_jupyter, wait_until  # noqa: E402
from results import Result, Row, median, percentile  # noqa: E402
from unixhttp import UnixHTTPConnection  # noqa: E402

BINARY = REPO / "build" / "sparkmonitor"
JAR = REPO / "build" / "sparkmonitor-listener.jar"
PLUGIN = "io.sparkmonitor.listener.MonitorPlugin"
SECRET_HEADER = "X-Sparkmonitor-Proxy-Secret"
P50_TARGET = 1.20  # p50 ratio b/a (median of paired per-request ratios)
P99_TARGET = 1.5  # p99 of b over p99 of a, all rounds and pages pooled
BROWSER_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": "sparkmonitor-bench",
}
KINDS = ("a", "b", "c", "r", "x", "h")
VERSUS_DIRECT = KINDS[1:]  # the paths whose time is compared with a's
KIND_NAMES = {
    "a": "direct (Spark UI)",
    "b": "Go proxy",
    "c": "JupyterLab + jupyter-server-proxy + Go proxy",
    "r": "TCP relay, no HTTP, with X-Forwarded-Context (the floor)",
    "x": "direct with X-Forwarded-Context",
    "h": "HTTP relay, minimal, with X-Forwarded-Context",
    "d": "Go proxy of --compare",
}
RELAY = REPO / "build" / "bench" / "relay"
# The monitor binary's own runtime settings (cmd/sparkmonitor/runtime.go), so the relay is its fair floor.
MONITOR_RUNTIME_ENV = {"GOMAXPROCS": "1"}


def pages(app: str, job: int, stage: int) -> list[tuple[str, str]]:
    """(name, path on the Spark UI) of the measured pages."""
    api = f"/api/v1/applications/{app}"
    return [
        ("jobs", "/jobs/"),
        ("stages", "/stages/"),
        ("executors", "/executors/"),
        ("SQL", "/SQL/"),
        ("environment", "/environment/"),
        ("job page", f"/jobs/job/?id={job}"),
        ("stage page", f"/stages/stage/?id={stage}&attempt=0"),
        ("SQL query page", "/SQL/execution/?id=1"),
        ("REST jobs", f"{api}/jobs"),
        ("REST executors", f"{api}/executors"),
        ("static css", "/static/bootstrap.min.css"),
    ]


def write_wrapper(tmp: Path, binary: Path) -> tuple[Path, Path]:
    """A stand-in for the monitor binary that notes how jupyter-server-proxy started it (and its process id, which the
    binary keeps), then runs build/sparkmonitor."""
    record = tmp / "started.json"
    wrapper = tmp / "sparkmonitor-wrapper"
    wrapper.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, os, sys
            rec = {{"argv": sys.argv[1:], "secret": os.environ.get("SPARKMONITOR_SECRET", ""),
                    "proxySecret": os.environ.get("SPARKMONITOR_PROXY_SECRET", ""), "pid": os.getpid()}}
            with open({str(record) + ".tmp"!r}, "w") as f:
                json.dump(rec, f)
            os.replace({str(record) + ".tmp"!r}, {str(record)!r})
            os.execv({str(binary)!r}, [{str(binary)!r}] + sys.argv[1:])
            """
        )
    )
    wrapper.chmod(0o755)
    return wrapper, record


def start_monitor(tmp: Path, binary: Path) -> tuple:
    """Starts JupyterLab with `binary` as the monitor, and makes the first request through jupyter-server-proxy, which
    starts it. Returns (the JupyterServer, what the wrapper noted of the monitor's start, its --flags)."""
    wrapper, record = write_wrapper(tmp, binary.resolve())
    jupyter = start_jupyter(tmp, extra_env={"SPARKMONITOR_BINARY": str(wrapper)})
    try:
        wait_until(lambda: jupyter.get_json("sparkmonitor/api/apps") is not None, 60, "the monitor to start")
        started = json.loads(record.read_text())
    except BaseException:
        stop_jupyter(jupyter)
        raise
    flags = dict(a.lstrip("-").split("=", 1) for a in started["argv"] if "=" in a)
    return jupyter, started, flags


def monitor_base(listen: str) -> tuple[str, str | None]:
    """The base URL of the monitor's proxy for its --listen (host:port, or unix:/path, then also the socket's path)."""
    if listen.startswith("unix:"):
        return "http://localhost/sparkmonitor/ui/", listen.removeprefix("unix:")
    return f"http://{listen}/sparkmonitor/ui/", None


class Client:
    """One persistent keep-alive connection to one origin (over the unix socket `unix` when given)."""

    def __init__(self, base: str, headers: dict[str, str], unix: str | None = None):
        u = urllib.parse.urlsplit(base)
        self.host, self.port, self.prefix = u.hostname, u.port, u.path.rstrip("/")
        self.headers = {**BROWSER_HEADERS, **headers}
        if unix:
            self.conn = UnixHTTPConnection(unix, timeout=60)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.conn.connect()
        self.reconnects = 0

    def get(self, path: str) -> tuple[float, int, int]:
        """GETs prefix+path; returns (seconds, status, body bytes). Connection set-up is never inside the timing."""
        for attempt in range(3):
            if self.conn.sock is None:
                self.conn.connect()
                self.reconnects += 1
            try:
                t0 = time.perf_counter()
                self.conn.request("GET", self.prefix + path, headers=self.headers)
                resp = self.conn.getresponse()
                body = resp.read()
                dt = time.perf_counter() - t0
                if resp.will_close:
                    self.conn.close()
                return dt, resp.status, len(body)
            except (http.client.RemoteDisconnected, ConnectionError, http.client.BadStatusLine):
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.conn.close()


WORKLOAD = """
from pyspark.sql import functions as F
for i in range(8):
    spark.range(0, 200_000, numPartitions=4).selectExpr(f'sum(id * {i})').collect()
for i in range(6):
    n = 20_000 * (i + 1)
    spark.sql(f'SELECT id % 7 AS k, count(*) AS n, sum(id) AS s FROM range({n}) GROUP BY id % 7').collect()
df = spark.range(0, 50_000, numPartitions=4).withColumn('k', F.col('id') % 13)
df.join(spark.range(0, 13).withColumnRenamed('id', 'k'), 'k').groupBy('k').count().collect()
for i in range(4):
    sc.parallelize(range(20_000), 4).map(lambda x: (x % 10, x)).reduceByKey(lambda a, b: a + b).collect()
"""


def start_spark(ingest: str, secret: str, workload: str = WORKLOAD, name: str = "bench-proxy"):
    """A PySpark driver (local[2]) in this process, reporting to the monitor at ingest, after running workload."""
    os.environ["SPARKMONITOR_INGEST"] = ingest
    os.environ["SPARKMONITOR_SECRET"] = secret
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName(name)
        .config("spark.plugins", PLUGIN)
        .config("spark.driver.extraClassPath", str(JAR))
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    exec(workload, {"spark": spark, "sc": spark.sparkContext})
    return spark


def summarize(samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(median(ms), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
    }


ROUNDS = 200  # the default: 30-round runs of the same build varied by ±0.03 in the overall ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=ROUNDS)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument(
        "--identity",
        action="store_true",
        help="send no Accept-Encoding (a script's client, not a browser's); implies --no-write",
    )
    ap.add_argument("--binary", type=Path, default=BINARY, help="the monitor binary (default build/sparkmonitor)")
    ap.add_argument(
        "--compare",
        type=Path,
        metavar="BINARY",
        help="also measure (path d) another monitor binary, e.g. the one before a change, started here and "
        "told of the application by a hello of our own; implies --no-write",
    )
    ap.add_argument("--no-write", action="store_true", help="print the figures without writing build/bench/P5.json")
    args = ap.parse_args()
    if args.identity:
        del BROWSER_HEADERS["Accept-Encoding"]
        args.no_write = True
    if args.compare:
        args.no_write = True
    kinds = KINDS + (("d",) if args.compare else ())
    for f in (args.binary, JAR):
        if not f.exists():
            sys.exit(f"{f} is missing: run `make install-dev` first")

    tmp = Path(tempfile.mkdtemp(prefix="bench-proxy-"))
    jupyter, started, flags = start_monitor(tmp, args.binary)
    spark = None
    clients: dict[str, Client] = {}
    other = None
    relays: list[subprocess.Popen] = []
    try:
        go_base, go_socket = monitor_base(flags["listen"])

        spark = start_spark(flags["ingest"], started["secret"])
        sc = spark.sparkContext
        app = sc.applicationId
        direct = sc.uiWebUrl.rstrip("/")

        def registered():
            apps = jupyter.get_json("sparkmonitor/api/apps")["data"]
            return any(a["appId"] == app and a["state"] == "RUNNING" for a in apps)

        wait_until(registered, 60, f"the monitor to list {app}")
        jobs = json.loads(http_get(f"{direct}/api/v1/applications/{app}/jobs"))
        stages = json.loads(http_get(f"{direct}/api/v1/applications/{app}/stages"))
        job = max(jobs, key=lambda j: j["numTasks"])["jobId"]
        stage = max(stages, key=lambda s: s["numTasks"])["stageId"]
        page_list = pages(app, job, stage)
        if args.compare:
            other = start_other(args.compare, tmp, app, direct)
        build_relay()
        upstream = urllib.parse.urlsplit(direct).netloc
        relay_addr = start_relay(upstream, relays)
        http_relay_addr = start_relay(upstream, relays, "-http")

        # The header as our proxy sends it: its own path to the application's UI.
        forwarded = {"X-Forwarded-Context": urllib.parse.urlsplit(go_base).path + urllib.parse.quote(app)}
        clients = {
            "a": Client(direct + "/", {}),
            "b": Client(go_base + urllib.parse.quote(app) + "/", {SECRET_HEADER: started["proxySecret"]}, go_socket),
            "c": Client(
                f"{jupyter.url}sparkmonitor/ui/{urllib.parse.quote(app)}/", {"Authorization": f"token {jupyter.token}"}
            ),
            "r": Client(f"http://{relay_addr}/", forwarded),
            "x": Client(direct + "/", forwarded),
            "h": Client(f"http://{http_relay_addr}/", forwarded),
        }
        if other:
            clients["d"] = Client(other["base"] + urllib.parse.quote(app) + "/", {SECRET_HEADER: other["proxySecret"]})
        sizes: dict[str, dict[str, int]] = {}
        for name, path in page_list:
            for k in kinds:
                _, status, n = clients[k].get(path)
                if status != 200:
                    raise SystemExit(f"{name} ({path}) answered {status} on path {k}")
                sizes.setdefault(name, {})[k] = n
        for _ in range(args.warmup):
            for _name, path in page_list:
                for k in kinds:
                    clients[k].get(path)

        samples: dict[str, dict[str, list[float]]] = {name: {k: [] for k in kinds} for name, _ in page_list}
        orders = balanced_orders(kinds)
        t_start = time.monotonic()
        for r in range(args.rounds):
            for i, (name, path) in enumerate(page_list):
                for k in orders[(r + i) % len(orders)]:
                    dt, status, _ = clients[k].get(path)
                    assert status == 200, (name, k, status)
                    samples[name][k].append(dt)
        elapsed = time.monotonic() - t_start
        reconnects = {k: c.reconnects for k, c in clients.items()}
    finally:
        for c in clients.values():
            c.close()
        if other:
            other["proc"].terminate()
            other["proc"].wait()
            other["ingest"].close()
        for relay in relays:
            relay.terminate()
            relay.wait()
        if spark is not None:
            spark.stop()
        stop_jupyter(jupyter)

    report(args, page_list, samples, sizes, elapsed, reconnects)
    if args.compare:
        names = [n for n, _ in page_list]
        for k, base in (("d", "a"), ("d", "b")):
            ratios = [samples[n][k][i] / samples[n][base][i] for n in names for i in range(args.rounds)]
            print(f"p50 ratio {k}/{base} (median of paired): {median(ratios):.3f}")
        print(
            "per page d/b:",
            {n: round(median([d / b for b, d in zip(samples[n]["b"], samples[n]["d"])]), 3) for n in names},
        )


def balanced_orders(kinds: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The orders of a balanced Latin square (Williams design) of `kinds`: over them all, each kind comes at each place,
    and right after each other kind, the same number of times (len(kinds) orders, twice as many for an odd number).
    All permutations would be balanced too, but there are more of them (5040 for seven paths) than requests in a run."""
    n = len(kinds)
    first, low, high = [0], 1, n - 1
    while len(first) < n:
        first.append(low)
        low += 1
        if len(first) < n:
            first.append(high)
            high -= 1
    rows = [[(j + i) % n for j in first] for i in range(n)]
    if n % 2:
        rows += [row[::-1] for row in rows]
    return [tuple(kinds[j] for j in row) for row in rows]


def build_relay():
    """Builds integration/bench/relay into RELAY."""
    RELAY.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["go", "build", "-trimpath", "-o", str(RELAY), "./integration/bench/relay"],
        cwd=REPO,
        check=True,
        env={**os.environ, "CGO_ENABLED": "0"},
    )


def start_relay(upstream: str, started: list[subprocess.Popen], *flags: str) -> str:
    """Starts the built relay to `upstream` (host:port) with `flags`, adds it to `started` (to stop it later) and
    returns its address."""
    proc = subprocess.Popen(
        [str(RELAY), "-to", upstream, *flags],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **MONITOR_RUNTIME_ENV},
    )
    line = proc.stdout.readline()  # "listening on HOST:PORT", or "" if it failed (its error is on stderr)
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"the relay did not start: {line!r}")
    started.append(proc)
    return line.split()[-1]


def start_other(binary: Path, tmp: Path, app: str, ui: str) -> dict:
    """Starts a second monitor binary and registers the application with it, as its listener would (hello)."""
    import secrets
    import socket
    import subprocess

    from conftest import free_port

    port, ingest = free_port(), tmp / "other.sock"
    secret, proxy_secret = secrets.token_hex(16), secrets.token_hex(16)
    proc = subprocess.Popen(
        [str(binary), f"--listen=127.0.0.1:{port}", "--base-url=/", f"--ingest=unix:{ingest}"],
        env={**os.environ, "SPARKMONITOR_SECRET": secret, "SPARKMONITOR_PROXY_SECRET": proxy_secret},
    )
    wait_until(ingest.exists, 30, "the --compare binary's ingest socket")
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(ingest))
    hello = {
        "type": "hello",
        "protocol": 1,
        "secret": secret,
        "appId": app,
        "attemptId": None,
        "appName": "bench",
        "sparkVersion": "4.1.1",
        "scalaVersion": "2.13",
        "sparkUser": "bench",
        "master": "local[2]",
        "uiUrl": ui,
        "kernelId": "",
        "notebookPath": "",
        "pid": os.getpid(),
        "startTime": int(time.time() * 1000),
        "connection": 1,
        "killEnabled": True,
    }
    sock.sendall((json.dumps(hello) + "\n").encode())
    answer = sock.recv(4096)
    assert b"welcome" in answer, answer
    base = f"http://127.0.0.1:{port}/sparkmonitor/ui/"

    def up():
        c = Client(base + urllib.parse.quote(app) + "/", {SECRET_HEADER: proxy_secret})
        try:
            return c.get("/executors/")[1] == 200
        finally:
            c.close()

    wait_until(up, 30, "the --compare binary to proxy the application")
    return {"proc": proc, "ingest": sock, "base": base, "proxySecret": proxy_secret}


def http_get(url: str) -> bytes:
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("GET", u.path + ("?" + u.query if u.query else ""))
        return c.getresponse().read()
    finally:
        c.close()


def report(args, page_list, samples, sizes, elapsed, reconnects):
    names = [n for n, _ in page_list]
    pooled = {k: [s for n in names for s in samples[n][k]] for k in KINDS}
    paired = {
        k: [samples[n][k][i] / samples[n]["a"][i] for n in names for i in range(args.rounds)] for k in VERSUS_DIRECT
    }
    overall = {k: median(paired[k]) for k in VERSUS_DIRECT}
    p99 = {k: percentile(pooled[k], 99) / percentile(pooled["a"], 99) for k in VERSUS_DIRECT}
    per_page = {}
    for n in names:
        a50 = median(samples[n]["a"])
        per_page[n] = {
            **{k: summarize(samples[n][k]) for k in KINDS},
            "bytes": sizes[n],
            **{f"ratio_of_p50_{k}_a": round(median(samples[n][k]) / a50, 3) for k in VERSUS_DIRECT},
            **{
                f"median_paired_ratio_{k}_a": round(median([x / a for a, x in zip(samples[n]["a"], samples[n][k])]), 3)
                for k in VERSUS_DIRECT
            },
        }

    print(
        f"\n{args.rounds} rounds x {len(names)} pages x {len(samples[names[0]])} paths in {elapsed:.1f} s; "
        f"reconnects {reconnects}"
    )
    print(
        f"{'page':16}"
        + "".join(f"{k + ' p50':>8}" for k in KINDS)
        + "".join(f"{k + '/a':>6}" for k in VERSUS_DIRECT)
        + "   (ms; ratio = median of paired)"
    )
    for n in names:
        p = per_page[n]
        print(
            f"{n:16}"
            + "".join(f"{p[k]['p50_ms']:8.2f}" for k in KINDS)
            + "".join(f"{p[f'median_paired_ratio_{k}_a']:6.2f}" for k in VERSUS_DIRECT)
        )
    for k in KINDS:
        s = summarize(pooled[k])
        print(f"{KIND_NAMES[k]:48} p50 {s['p50_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms  p99 {s['p99_ms']:7.2f} ms")
    print(f"p50 ratio b/a (median of paired per-request ratios): {overall['b']:.3f}  (target ≤ {P50_TARGET})")
    print(f"p99 ratio b/a (p99 of b / p99 of a, pooled): {p99['b']:.3f}  (target ≤ {P99_TARGET})")
    print(f"p99 ratio c/a (same): {p99['c']:.3f}")
    print(f"p50 ratio c/a (same): {overall['c']:.3f}")
    print(f"p50 ratio r/a (same; the floor of any proxy): {overall['r']:.3f}")
    print(f"p50 ratio x/a (same; Spark's cost of X-Forwarded-Context): {overall['x']:.3f}")
    print(f"p50 ratio h/a (same; the floor of a proxy that reads HTTP): {overall['h']:.3f}")
    if args.no_write:
        return

    rows = []
    for k in KINDS:
        s = summarize(pooled[k])
        rows.append(
            Row(
                f"{KIND_NAMES[k]}: p50 / p95 / p99 over all pages",
                f"{s['p50_ms']:.2f} / {s['p95_ms']:.2f} / {s['p99_ms']:.2f} ms",
            )
        )
    rows.append(
        Row(
            "p50 ratio Go proxy / direct (median of paired per-request ratios)",
            f"{overall['b']:.3f}×",
            f"≤ {P50_TARGET}×",
            overall["b"] <= P50_TARGET,
        )
    )
    rows.append(
        Row(
            "p99 ratio Go proxy / direct (p99 of each path's requests, all pages pooled)",
            f"{p99['b']:.3f}×",
            f"≤ {P99_TARGET}×",
            p99["b"] <= P99_TARGET,
        )
    )
    rows.append(
        Row(
            "p50 ratio JupyterLab path / direct (informative: tornado is jupyter-server-proxy's)",
            f"{overall['c']:.3f}×",
        )
    )
    rows.append(
        Row(
            "p50 ratio TCP relay / direct (informative: one more loopback hop and X-Forwarded-Context, no HTTP "
            "work; the floor of any proxy)",
            f"{overall['r']:.3f}×",
        )
    )
    rows.append(
        Row(
            "p50 ratio direct with X-Forwarded-Context / direct (informative: Spark's own cost of serving "
            "its pages under a prefix)",
            f"{overall['x']:.3f}×",
        )
    )
    rows.append(
        Row(
            "p50 ratio HTTP relay / direct (informative: each request and response parsed and passed on, "
            "the response in one write, no net/http server, no policy; the floor of a proxy that reads HTTP)",
            f"{overall['h']:.3f}×",
        )
    )
    worst = max(names, key=lambda n: per_page[n]["median_paired_ratio_b_a"])
    rows.append(Row(f"worst page b/a ({worst})", f"{per_page[worst]['median_paired_ratio_b_a']:.3f}×"))
    Result(
        id="P5",
        title="Spark UI page latency through the monitor's proxy vs direct",
        rows=rows,
        command=".venv/bin/python integration/bench/bench_proxy.py"
        + (f" --rounds {args.rounds}" if args.rounds != ROUNDS else ""),
        notes=(
            f"{args.rounds} rounds × {len(names)} pages ({', '.join(names)}), "
            "a real PySpark 4 driver (local[2], 20 jobs). "
            "One GET = request sent → last body byte, on one persistent keep-alive connection per path (connection "
            "set-up not measured), browser Accept-Encoding: gzip. Paths interleaved request by request, cycling "
            "through the orders of a balanced Latin square, after warm-up. "
            "Path r is a TCP relay to a that reads no HTTP "
            "(integration/bench/relay, Go io.Copy, the monitor's runtime settings), its requests with the "
            "X-Forwarded-Context header our proxy adds; path x is a with that header; path h is the relay with -http "
            "(the least a proxy that reads HTTP does), its requests with that header too. "
            "Overall ratio = median over all (round, page) pairs "
            "of b/a measured back to back; per-page figures and the ratio of medians in raw. "
            "p50/p95/p99 per path pool all "
            "pages; the p99 ratio is b's pooled p99 over a's. "
            "2-core machine shared with other work: absolute figures are noisy, the paired ratios much less."
        ),
        raw={
            "per_page": per_page,
            "ratio_of_pooled_p50": {k: round(median(pooled[k]) / median(pooled["a"]), 3) for k in VERSUS_DIRECT},
            "ratio_of_pooled_p99": {k: round(v, 3) for k, v in p99.items()},
            "reconnects": reconnects,
            "elapsed_s": round(elapsed, 1),
            "samples_ms": {n: {k: [round(s * 1000, 3) for s in samples[n][k]] for k in KINDS} for n in names},
        },
    ).write()
    print("wrote build/bench/P5.json")


if __name__ == "__main__":
    main()
