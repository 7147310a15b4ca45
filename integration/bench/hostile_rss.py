"""The monitor's peak RSS after each hostile input of issue 21. A benchmark, not a test: `make test` never runs it, and
it asserts nothing; it prints a Markdown table (target: at most 100 MB each).

    python3 integration/bench/hostile_rss.py [--binary build/sparkmonitor] [--only NAME ...]

Each input gets a fresh monitor: build/sparkmonitor (or --binary) started with the command and environment that
jupyter-server-proxy gets from our entry point (jupyter_config/sparkmonitor_go/proxy.py server_block, with {port},
{base_url} and {unix_socket} filled in as jsp fills them), its history in a folder of its own. The HTTP API is reached
on whatever --listen says, `unix:/path` or host:port; the listener side on the ingest unix socket, speaking the
protocol of spark/event/PROTOCOL.md. The figure is VmHWM (/proc/PID/status) once the monitor has taken in the whole
input: for the listener inputs, when it has applied a marker frame sent after them (an executor named "marker"; one
connection keeps frames in order), for the others when every byte is sent and api/health answers.

Inputs (issue 21 "Nothing a client sends can exhaust or kill the monitor" and "Memory is bounded"):
  descriptions  1 500 jobs with 1 MB descriptions, over one listener connection
  upload        a zstd Spark event log of tens of kB that expands to about a gigabyte (1 000 jobs with 1 MB
                descriptions), POSTed to api/eventlogs
  restart       the monitor started again on that history folder: it replays the upload at start
  jobs          100 000 jobs that never end
  stages        200 000 stages of no job
  idle-http     20 000 idle HTTP connections (the script raises its own file limit, not the monitor's)
  hellos        1 000 listener connections that each send 1 MiB of a hello and stop
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO / "jupyter_config")]

from sparkmonitor_go.proxy import PROXY_SECRET_HEADER, server_block  # noqa: E402
from unixhttp import UnixHTTPConnection  # noqa: E402

BINARY = REPO / "build" / "sparkmonitor"
TARGET_MB = 100
WAIT_S = 600  # a guard on each wait for the monitor: a hang, not a measure
CSRF_HEADER = "X-Sparkmonitor-Csrf"
APP = "app-hostile"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Monitor:
    """One monitor process, started as jupyter-server-proxy starts it."""

    def __init__(self, binary: Path, home: Path):
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        workdir = home / "work"  # as proxy.server() makes it: both sockets in one 0700 folder
        workdir.mkdir(mode=0o700, exist_ok=True)
        self.ingest = workdir / "ingest.sock"
        self.secret, self.proxy_secret = secrets.token_hex(16), secrets.token_hex(16)
        block = server_block(binary, workdir, self.secret, self.proxy_secret)
        fill = {
            "port": free_port(),
            "base_url": "/",
            "unix_socket": str(block.get("unix_socket", workdir / "http.sock")),
        }
        argv = [a.format(**fill) for a in block["command"]]
        env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"))
        env.update({k: v.format(**fill) for k, v in block["environment"].items()})
        self.headers = {k: v.format(**fill) for k, v in block.get("request_headers_override", {}).items()}
        self.headers.setdefault(PROXY_SECRET_HEADER, self.proxy_secret)
        listen = next(a.split("=", 1)[1] for a in argv if a.startswith("--listen="))
        self.listen = listen
        self.log = open(home / "monitor.log", "ab")
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=self.log)
        self.wait_for("api/health", lambda: self.get("api/health")[0] == 200)

    def connection(self, timeout: float = 30) -> http.client.HTTPConnection:
        if self.listen.startswith("unix:"):
            return UnixHTTPConnection(self.listen[len("unix:") :], timeout)
        host, port = self.listen.rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=timeout)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30
    ):
        c = self.connection(timeout)
        try:
            c.request(method, "/sparkmonitor/" + path, body=body, headers={**self.headers, **(headers or {})})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def get(self, path: str):
        try:
            return self.request("GET", path)
        except OSError as e:
            return 0, str(e).encode()

    def apps(self) -> list[dict]:
        status, body = self.get("api/apps")
        return json.loads(body)["data"] if status == 200 else []

    def app(self, app_id: str) -> dict | None:
        return next((a for a in self.apps() if a["appId"] == app_id), None)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_for(self, what: str, ok) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"the monitor exited ({self.proc.returncode}) while waiting for {what}")
            if ok():
                return
            time.sleep(0.2)  # a poll of the monitor's API, with a deadline
        raise TimeoutError(what)

    def hwm_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Listener:
    """A listener connection speaking PROTOCOL.md, frames written in batches."""

    def __init__(self, m: Monitor, app: str = APP):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(WAIT_S)
        self.sock.connect(str(m.ingest))
        hello = {
            "type": "hello",
            "protocol": 1,
            "secret": m.secret,
            "appId": app,
            "appName": "hostile",
            "sparkVersion": "4.1.1",
            "connection": 1,
            "startTime": 1,
        }
        self.sock.sendall(json.dumps(hello).encode() + b"\n")
        reply = self.sock.makefile("rb").readline()
        if json.loads(reply).get("type") != "welcome":
            raise RuntimeError(f"hello refused: {reply!r}")
        self.buf: list[bytes] = []
        self.size = 0
        self.seq = 0

    def frame(self, typ: str, body: str) -> None:
        self.seq += 1
        b = f'{{"type":"{typ}","seq":{self.seq},"time":{self.seq}{body}}}\n'.encode()
        self.buf.append(b)
        self.size += len(b)
        if self.size > 4 << 20:
            self.flush()

    def flush(self) -> None:
        self.sock.sendall(b"".join(self.buf))
        self.buf, self.size = [], 0

    def marker(self, m: Monitor, app: str = APP) -> None:
        """Sends an executor named "marker" last and waits until the monitor shows it: then it applied everything."""
        self.frame("executorAdded", ',"executorId":"marker","host":"h","cores":1')
        self.flush()
        m.wait_for("the marker frame", lambda: (m.app(app) or {}).get("numExecutors", 0) >= 1)

    def close(self) -> None:
        self.sock.close()


def job_start(job: int, description: str = "null", stage: int | None = None) -> str:
    s = job if stage is None else stage
    return (
        f',"jobId":{job},"name":"count at <stdin>:1","description":{description},"jobGroup":null,"jobTags":[],'
        f'"cellId":"cell","sqlExecutionId":null,"stages":[{{"stageId":{s},"attemptId":0,"name":"count",'
        f'"numTasks":1,"parentIds":[],"completionTime":null}}]'
    )


def descriptions(binary: Path, tmp: Path) -> tuple[str, float, bool]:
    m = Monitor(binary, tmp / "descriptions")
    try:
        desc = json.dumps("d" * 1_000_000)
        lis = Listener(m)
        for j in range(1500):
            lis.frame("jobStart", job_start(j, desc))
            lis.frame("jobEnd", f',"jobId":{j},"result":"SUCCEEDED","error":null')
        lis.marker(m)
        return "1 500 jobs with 1 MB descriptions (ingest)", m.hwm_mb(), m.alive()
    finally:
        m.stop()


def hostile_log(path: Path, jobs: int = 1000) -> None:
    """A Spark event log of jobs with 1 MB descriptions, zstd-compressed (by the zstd command) into path."""
    big = "d" * 1_000_000
    with subprocess.Popen(["zstd", "-q", "-19", "-f", "-o", str(path)], stdin=subprocess.PIPE) as z:
        w = z.stdin
        w.write(b'{"Event":"SparkListenerLogStart","Spark Version":"3.5.0"}\n')
        w.write(
            f'{{"Event":"SparkListenerApplicationStart","App Name":"hostile","App ID":"{APP}","Timestamp":1,'
            f'"User":"u"}}\n'.encode()
        )
        for j in range(jobs):
            w.write(
                f'{{"Event":"SparkListenerJobStart","Job ID":{j},"Submission Time":2,"Stage Infos":[{{"Stage ID":'
                f'{j},"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":1,"Parent IDs":[]}}],"Properties":'
                f'{{"spark.job.description":"{big}"}}}}\n'.encode()
            )
            w.write(
                f'{{"Event":"SparkListenerJobEnd","Job ID":{j},"Completion Time":3,"Job Result":{{"Result":'
                f'"JobSucceeded"}}}}\n'.encode()
            )
        w.write(b'{"Event":"SparkListenerApplicationEnd","Timestamp":4}\n')
        w.close()
    if z.returncode != 0:
        raise RuntimeError("zstd failed")


def upload_and_restart(binary: Path, tmp: Path) -> list[tuple[str, float, bool]]:
    log = tmp / "hostile.zst"
    hostile_log(log)
    size = log.stat().st_size
    home = tmp / "upload"
    m = Monitor(binary, home)
    rows = []
    try:
        status, body = m.request(
            "POST",
            "api/eventlogs",
            log.read_bytes(),
            {CSRF_HEADER: "1", "Content-Type": "application/octet-stream"},
            timeout=WAIT_S,
        )
        if status != 201:
            raise RuntimeError(f"upload refused: {status} {body[:300]!r}")
        rows.append(
            (f"uploaded event log of {size / 1000:.0f} kB (1 000 jobs, 1 MB descriptions)", m.hwm_mb(), m.alive())
        )
    finally:
        m.stop()
    m = Monitor(binary, home)
    try:
        m.wait_for("the replayed upload", lambda: (m.app(APP) or {}).get("state") == "FINISHED")
        rows.append(("restart that replays it", m.hwm_mb(), m.alive()))
    finally:
        m.stop()
    return rows


def never_ending_jobs(binary: Path, tmp: Path) -> tuple[str, float, bool]:
    m = Monitor(binary, tmp / "jobs")
    try:
        lis = Listener(m)
        for j in range(100_000):
            lis.frame("jobStart", job_start(j))
        lis.marker(m)
        return "100 000 never-ending jobs", m.hwm_mb(), m.alive()
    finally:
        m.stop()


def orphan_stages(binary: Path, tmp: Path) -> tuple[str, float, bool]:
    m = Monitor(binary, tmp / "stages")
    try:
        lis = Listener(m)
        for s in range(200_000):
            lis.frame("stageSubmitted", f',"stageId":{s},"attemptId":0,"name":"orphan","numTasks":1,"parentIds":[]')
        lis.marker(m)
        return "200 000 orphan stages", m.hwm_mb(), m.alive()
    finally:
        m.stop()


def raise_own_file_limit(n: int) -> int:
    """Raises this script's open-file limit towards n (root may raise the hard one; in a container it may not); the
    monitor keeps the one it started with. Returns how many files the script may open now, a few kept spare."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, n), max(hard, n)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 64


def idle_http(binary: Path, tmp: Path, count: int = 20_000) -> tuple[str, float, bool]:
    m = Monitor(binary, tmp / "idle-http")
    conns = []
    try:
        opened = 0
        for _ in range(min(count, raise_own_file_limit(count + 1000))):
            try:
                c = m.connection(timeout=10)  # a monitor out of file descriptors leaves the rest in its backlog
                c.connect()
                conns.append(c)
                opened += 1
            except OSError:
                break
        health = m.get("api/health")[0] == 200 if m.alive() else False
        # The monitor serves at most api.ServerLimits' 512 connections; the rest wait in the socket's backlog until
        # one closes (IdleTimeout 60 s), and api/health with them: that is the cap, not a failure.
        waits = "" if health else "; api/health waited behind the 512-connection cap"
        what = f"{opened:,} idle HTTP connections{waits}".replace(",", " ")
        return what, m.hwm_mb(), m.alive()
    finally:
        for c in conns:
            c.close()
        m.stop()


def half_hellos(binary: Path, tmp: Path, count: int = 1000) -> tuple[str, float, bool]:
    m = Monitor(binary, tmp / "hellos")
    socks = []
    try:
        count = min(count, raise_own_file_limit(count + 1000))
        head = b'{"type":"hello","protocol":1,"secret":"'
        chunk = head + b"a" * ((1 << 20) - len(head))  # 1 MiB, no end of line
        refused = 0
        for _ in range(count):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(30)
            try:
                s.connect(str(m.ingest))
                s.sendall(chunk)
            except OSError:
                refused += 1  # the monitor closed it (hello over its size cap, too many handshakes): bounded
            socks.append(s)
        alive = m.alive() and m.get("api/health")[0] == 200
        what = f"{count:,} connections sending 1 MiB of a hello ({refused:,} cut off by the monitor)"
        return what.replace(",", " "), m.hwm_mb(), alive
    finally:
        for s in socks:
            s.close()
        m.stop()


INPUTS = {
    "descriptions": lambda b, t: [descriptions(b, t)],
    "upload": upload_and_restart,
    "jobs": lambda b, t: [never_ending_jobs(b, t)],
    "stages": lambda b, t: [orphan_stages(b, t)],
    "idle-http": lambda b, t: [idle_http(b, t)],
    "hellos": lambda b, t: [half_hellos(b, t)],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", type=Path, default=BINARY)
    ap.add_argument("--only", nargs="*", choices=sorted(INPUTS), help="run only these inputs")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (the monitors' logs)")
    args = ap.parse_args()
    if shutil.which("zstd") is None and (not args.only or "upload" in args.only):
        sys.exit("the upload input needs the zstd command (apt-get install zstd)")
    tmp = Path(tempfile.mkdtemp(prefix="hostile-rss-"))
    print(f"| hostile input (issue 21) | peak RSS (VmHWM) | ≤ {TARGET_MB} MB | monitor alive after |")
    print("|---|---:|:---:|:---:|", flush=True)
    try:
        for name, run in INPUTS.items():
            if args.only and name not in args.only:
                continue
            try:
                rows = run(args.binary, tmp)
            except Exception as e:  # a monitor that exits or hangs is a figure too
                rows = [(f"{name}: {type(e).__name__}: {e}", float("nan"), False)]
            for what, mb, alive in rows:  # each row as soon as it is measured
                ok = "yes" if mb == mb and mb <= TARGET_MB else "no"
                print(f"| {what} | {mb:.0f} MB | {ok} | {'yes' if alive else 'no'} |", flush=True)
    finally:
        if args.keep:
            print(f"work folder: {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
