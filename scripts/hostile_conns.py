#!/usr/bin/env python3
"""Peak RSS of a sparkmonitor binary under hostile connections (issue 21), for docs § Reliability.

    python3 scripts/hostile_conns.py BINARY idle [N]    # N idle keep-alive HTTP connections (default 20000)
    python3 scripts/hostile_conns.py BINARY hellos [N]  # N connections each sending 1 MiB of a hello, no end (1000)

Starts BINARY (the machine's own limit of open files), opens the connections from client processes of at most 9000
each (each has that limit too), holds them for HOLD seconds after all is sent, and prints
one line of JSON: the monitor's VmHWM and VmRSS (MiB, /proc/PID/status), its open files, how many connections it
answered or closed, whether it is still running, and whether a listener that connects then is welcome.
"""
import json
import multiprocessing
import os
import resource
import select
import selectors
import socket
import subprocess
import sys
import tempfile
import time

HOLD = 3.0
REASONS = {}  # why connections ended, by exception (EOF: the monitor closed them)
SECRET, PROXY_SECRET = "s", "p"


def start(binary, tmp):
    env = dict(os.environ, SPARKMONITOR_SECRET=SECRET, SPARKMONITOR_PROXY_SECRET=PROXY_SECRET, XDG_STATE_HOME=tmp,
               SPARKMONITOR_CONFIG="")
    sock = os.path.join(tmp, "ingest.sock")
    p = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--ingest", "unix:" + sock], env=env,
                         stderr=subprocess.PIPE, text=True)
    addr = None
    for line in p.stderr:
        if 'msg="sparkmonitor serving"' in line:
            addr = line.split(" http=")[1].split()[0]
        if 'msg="ingest listening"' in line:
            break
    os.set_blocking(p.stderr.fileno(), False)
    host, port = addr.rsplit(":", 1)
    return p, (host, int(port)), sock


def status(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    out[k + "_MiB"] = round(int(v.split()[0]) / 1024, 1)
        out["open_files"] = len(os.listdir(f"/proc/{pid}/fd"))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def pump(socks, payload_of, deadline):
    """Sends each socket's payload (non-blocking) and reads what comes back, until all is sent and HOLD has passed,
    or the deadline. Returns (answered, closed): sockets that got bytes back, sockets the monitor closed."""
    sel = selectors.DefaultSelector()
    sent = {s: 0 for s in socks}
    answered, closed = set(), set()
    for s in socks:
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    all_sent_at = None
    while time.time() < deadline:
        if all_sent_at is None and all(sent[s] >= len(payload_of(s)) or s in closed for s in socks):
            all_sent_at = time.time()
        if all_sent_at is not None and time.time() - all_sent_at > HOLD:
            break
        for key, ev in sel.select(timeout=0.2):
            s = key.fileobj
            if ev & selectors.EVENT_READ:
                try:
                    b = s.recv(65536)
                except OSError as e:
                    REASONS[type(e).__name__] = REASONS.get(type(e).__name__, 0) + 1
                    b = b""
                if b:
                    answered.add(s)
                else:
                    if not REASONS or s not in closed:
                        REASONS["EOF"] = REASONS.get("EOF", 0) + 1
                    closed.add(s)
                    sel.unregister(s)
                    continue
            if ev & selectors.EVENT_WRITE:
                p = payload_of(s)
                if sent[s] < len(p):
                    try:
                        sent[s] += s.send(p[sent[s]:sent[s] + 262144])
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError as e:
                        REASONS[type(e).__name__] = REASONS.get(type(e).__name__, 0) + 1
                        closed.add(s)
                        sel.unregister(s)
                        continue
                if sent[s] >= len(p):
                    sel.modify(s, selectors.EVENT_READ)
    return answered, closed


def listener_welcome(sock, within=20.0):
    """Whether a good hello gets a welcome within the time (a refusal "try again later" is retried)."""
    end = time.time() + within
    while time.time() < end:
        try:
            c = socket.socket(socket.AF_UNIX)
            c.settimeout(max(0.1, end - time.time()))
            c.connect(sock)
            c.sendall(json.dumps({"type": "hello", "protocol": 1, "secret": SECRET, "appId": "app-probe",
                                  "appName": "probe", "connection": 1}).encode() + b"\n")
            reply = c.makefile("rb").readline()
            c.close()
            if b"welcome" in reply:
                return "welcome"
            if b"try again later" not in reply:
                return reply.decode(errors="replace").strip() or "closed"
        except OSError as e:
            return f"{type(e).__name__}: {e}"
    return "no welcome within %ds" % within


def worker(mode, addr, sock, n, pipe):
    """Opens n connections, sends their payload, reports (answered, closed), and holds them until told to close."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks, early = [], set()
    if mode == "idle":
        req = (f"GET /sparkmonitor/api/health HTTP/1.1\r\nHost: x\r\nX-Sparkmonitor-Proxy-Secret: {PROXY_SECRET}"
               "\r\n\r\n").encode()
        # In batches of 500, each given up to 2 s to connect, so that the monitor's accepts keep up as they can.
        for i in range(0, n, 500):
            batch = []
            for _ in range(min(500, n - i)):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(addr)
                batch.append(s)
            # Each sends its request as soon as it is connected (the monitor waits 10 s at most for it).
            poll, end, by_fd = select.poll(), time.time() + 2, {s.fileno(): s for s in batch}
            for s in batch:
                poll.register(s, select.POLLOUT)
            while by_fd and time.time() < end:
                for fd, _ in poll.poll(100):
                    poll.unregister(fd)
                    s = by_fd.pop(fd)
                    try:
                        s.send(req)
                        early.add(s)
                    except OSError:
                        pass
            socks += batch
        payload = req
    else:
        payload = b'{"type":"hello","protocol":1,"secret":"' + SECRET.encode() + b'","pad":"'
        payload += b"a" * ((1 << 20) - len(payload))
        for _ in range(n):
            s = socket.socket(socket.AF_UNIX)
            s.connect(sock)
            s.setblocking(False)
            socks.append(s)
    answered, closed = pump(socks, lambda s: b"" if s in early else payload, time.time() + 60)
    connected = sum(1 for s in socks if s not in closed and s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
    pipe.send((len(answered), len(closed), connected, REASONS))
    pipe.recv()
    for s in socks:
        s.close()


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else (20000 if mode == "idle" else 1000)
    per = 9000  # connections per client process: each has the machine's limit of open files too
    with tempfile.TemporaryDirectory() as tmp:
        p, addr, sock = start(binary, tmp)
        try:
            ctx = multiprocessing.get_context("fork")
            workers = []
            for i in range(0, n, per):
                a, b = ctx.Pipe()
                w = ctx.Process(target=worker, args=(mode, addr, sock, min(per, n - i), b))
                w.start()
                workers.append((w, a))
            answered = closed = connected = 0
            reasons = {}
            for _, a in workers:
                x, y, z, r = a.recv()
                answered, closed, connected = answered + x, closed + y, connected + z
                for k, v in r.items():
                    reasons[k] = reasons.get(k, 0) + v
            result = {"binary": os.path.basename(binary), "mode": mode, "connections": n, "open_at_end": connected,
                      "answered": answered, "ended": closed, "ended_by": reasons,
                      **status(p.pid)}
            result["running"] = p.poll() is None
            result["listener_then"] = listener_welcome(sock) if result["running"] else "monitor exited"
            for w, a in workers:
                a.send("close")
                w.join(30)
            try:  # a monitor that is ending (a fatal accept error) has 6 s to say so
                p.wait(6)
            except subprocess.TimeoutExpired:
                pass
            result["running_after"] = p.poll() is None
            if p.poll() is not None:
                err = p.stderr.read() or ""
                result["exit"] = [line for line in err.splitlines() if "sparkmonitor:" in line][-1:]
            print(json.dumps(result))
        finally:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                print(json.dumps({"binary": os.path.basename(binary), "sigterm": "still running after 10 s; killed"}))
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
