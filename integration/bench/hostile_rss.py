"""Peak RSS of the real monitor binary under a hostile listener stream (docs: Reliability, retention bounds).

    python integration/bench/hostile_rss.py BINARY jobs     # 100 000 jobs that never end
    python integration/bench/hostile_rss.py BINARY stages   # 200 000 stages of no job
    python integration/bench/hostile_rss.py BINARY upload   # an uploaded event log of 100 000 jobs, then a restart

It starts BINARY with a fresh secret, its history off, sends the stream over the ingest unix socket, waits until
api/apps has applied all of it (the API drains the queue before it answers), and prints the application's retained
job count, evictedJobs, and the monitor's VmHWM (peak RSS) and VmRSS from /proc.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

COUNTS = {"jobs": 100_000, "stages": 200_000, "upload": 100_000}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def frames(kind, n, secret):
    yield {"type": "hello", "protocol": 1, "secret": secret, "appId": "hostile", "appName": "hostile",
           "startTime": 1, "connection": 1}
    for i in range(n):
        if kind == "jobs":
            yield {"type": "jobStart", "seq": i + 1, "time": 2 + i, "jobId": i,
                   "stages": [{"stageId": i, "attemptId": 0, "name": "s", "numTasks": 1}]}
        else:
            yield {"type": "stageSubmitted", "seq": i + 1, "time": 2 + i, "stageId": i, "attemptId": 0,
                   "name": "s", "numTasks": 1}


def event_log(n):
    lines = ['{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}',
             '{"Event":"SparkListenerApplicationStart","App Name":"crafted","App ID":"app-crafted","Timestamp":1,'
             '"User":"u"}']
    for i in range(n):
        lines.append('{"Event":"SparkListenerJobStart","Job ID":%d,"Submission Time":%d,"Stage Infos":[{"Stage ID":%d,'
                     '"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":1}],"Properties":{}}' % (i, 2 + i, i))
    lines.append('{"Event":"SparkListenerApplicationEnd","Timestamp":%d}' % (3 + n))
    return ("\n".join(lines) + "\n").encode()


def upload(binary, n):
    """Uploads the log to a monitor, then restarts it on the same history folder; peak RSS of each run."""
    work = tempfile.mkdtemp(prefix="hostile-rss-")
    cfg = os.path.join(work, "sparkmonitor.yaml")
    with open(cfg, "w") as f:
        f.write(f"history:\n  dir: {work}/history\n")
    out = {"kind": "upload", "events": n}
    for run in ("upload", "restart"):
        port, sock = free_port(), os.path.join(work, "ingest.sock")
        secret, proxy_secret = secrets.token_hex(16), secrets.token_hex(16)
        env = dict(os.environ, SPARKMONITOR_SECRET=secret, SPARKMONITOR_PROXY_SECRET=proxy_secret)
        mon = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--ingest", "unix:" + sock, "--config", cfg,
                                "--log-level", "warn"], env=env)
        hdr = {"X-Sparkmonitor-Proxy-Secret": proxy_secret, "X-Sparkmonitor-Csrf": "1"}
        base = f"http://127.0.0.1:{port}/sparkmonitor/"
        try:
            deadline = time.monotonic() + 600
            app = None
            while app is None:
                if time.monotonic() > deadline or mon.poll() is not None:
                    raise SystemExit(f"{run}: no application within 600 s")
                try:
                    if run == "upload":
                        req = urllib.request.Request(base + "api/eventlogs", data=event_log(n), headers=hdr,
                                                     method="POST")
                        urllib.request.urlopen(req, timeout=600).close()
                    with urllib.request.urlopen(urllib.request.Request(base + "api/apps/app-crafted", headers=hdr),
                                                timeout=60) as r:
                        app = json.load(r)["data"]
                    if app["state"] != "FINISHED":  # still being restored (the log ends with the application's end)
                        app = None
                        time.sleep(0.2)
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.2)  # not listening yet, or (restart) not restored yet
            out[run] = {"retainedJobs": len(app.get("jobs") or []), "evictedJobs": app.get("evictedJobs"),
                        "peakRssMiB": round(proc_kb(mon.pid, "VmHWM") / 1024, 1)}
        finally:
            mon.terminate()
            mon.wait(10)
    print(json.dumps(out))


def main():
    binary, kind = sys.argv[1], sys.argv[2]
    if kind == "upload":
        return upload(binary, COUNTS[kind])
    n = COUNTS[kind]
    work = tempfile.mkdtemp(prefix="hostile-rss-")
    sock, port = os.path.join(work, "ingest.sock"), free_port()
    cfg = os.path.join(work, "sparkmonitor.yaml")
    with open(cfg, "w") as f:
        f.write("history:\n  enabled: false\n")
    secret, proxy_secret = secrets.token_hex(16), secrets.token_hex(16)
    env = dict(os.environ, SPARKMONITOR_SECRET=secret, SPARKMONITOR_PROXY_SECRET=proxy_secret)
    mon = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", "--ingest", "unix:" + sock, "--config", cfg,
                            "--log-level", "warn"], env=env)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            if time.monotonic() > deadline or mon.poll() is not None:
                raise SystemExit("the monitor did not open its ingest socket")
            time.sleep(0.05)
        c = socket.socket(socket.AF_UNIX)
        c.connect(sock)
        buf = []
        for fr in frames(kind, n, secret):
            buf.append(json.dumps(fr, separators=(",", ":")))
            if len(buf) == 1000:
                c.sendall(("\n".join(buf) + "\n").encode())
                buf = []
        if buf:
            c.sendall(("\n".join(buf) + "\n").encode())
        base, hdr = f"http://127.0.0.1:{port}/sparkmonitor/", {"X-Sparkmonitor-Proxy-Secret": proxy_secret}

        def get(path):
            with urllib.request.urlopen(urllib.request.Request(base + path, headers=hdr), timeout=60) as r:
                return r.read().decode()

        # Sent is not applied: poll the metrics until every event (and the hello) is applied, with a deadline.
        deadline = time.monotonic() + 600
        while True:
            applied = [ln for ln in get("metrics").splitlines() if ln.startswith("sparkmonitor_events_ingested_total")]
            if applied and float(applied[0].split()[-1]) >= n + 1:
                break
            if time.monotonic() > deadline:
                raise SystemExit("the monitor did not apply the stream within 600 s")
            time.sleep(0.2)
        app = json.loads(get("api/apps/hostile"))["data"]
        jobs = app.get("jobs") or []
        c.close()
        print(json.dumps({"kind": kind, "events": n, "retainedJobs": len(jobs),
                          "evictedJobs": app.get("evictedJobs"), "peakRssMiB": round(proc_kb(mon.pid, "VmHWM") / 1024, 1),
                          "rssMiB": round(proc_kb(mon.pid, "VmRSS") / 1024, 1)}))
    finally:
        mon.terminate()
        mon.wait(10)


if __name__ == "__main__":
    main()
