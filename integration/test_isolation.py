"""End to end, with a second OS user: no other local user can reach the monitor (issue 21; docs Security).

A real JupyterLab with the product runs as this user (root in CI) with its folders in a directory others may enter
(mode 0755, as a home directory made with umask 022 is), so that only the product's own modes stand between the
monitor and the other user. A notebook's PySpark driver (a real JVM) reports to the monitor, so the ingest socket is
in use and the history folder holds the application's event log. Then a second user, created here with `useradd`
(kept for later runs), runs as itself under `setpriv --reuid --regid --clear-groups` and tries:

- to connect to the monitor's HTTP socket and to its ingest socket: refused by the kernel (EACCES), so it never gets
  to the proxy secret or the ingest secret, which are the second lock (test_auth.py);
- to list the history folder and read the application's event log;
- to read the secrets: the environment of the monitor, of the kernel and of the Spark driver JVM (/proc/PID/environ),
  the generated Spark conf dir, and any world-readable command line (/proc/*/cmdline) holding either secret;
- to plant the monitor's config file: SPARKMONITOR_CONFIG names a file in a shared sticky directory (mode 1777, as
  /tmp) that the user has not made yet; the other user makes it first, with a profile that would put a Java agent
  into the user's Spark driver. The monitor does not read it (api/health and api/profiles say why, no profile);
- and the monitor process owns no listening TCP socket at all (/proc/net/tcp{,6} against the process's socket
  inodes, and `ss -ltnp`).

The other user's failures are checked to be permission refusals, and the same script shows it can do what any user
can (read the monitor's command line, connect to Jupyter's own port, list the 0755 folder above the history folder),
so a broken set-up cannot pass as isolation. The history folder is made by hand beforehand with mode 0755, as a user
or another tool may have: the monitor closes it at start.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from test_auth import http_socket, monitor_process

INTRUDER = "sm-intruder"
# What the other user plants as the config file: a profile whose settings would run its code in the user's driver.
PLANTED = (
    "profiles:\n"
    "  fast:\n"
    "    description: Faster shuffles\n"
    "    conf:\n"
    "      spark.driver.extraJavaOptions: -javaagent:/tmp/agent.jar\n"
)
SYSTEM_PYTHON = "/usr/bin/python3"  # the other user cannot run the test's venv Python in a private checkout

# Runs as the other user: tries each access in its argument and prints what happened, one JSON object.
ATTEMPTS = r"""
import errno, json, os, socket, sys
plan = json.load(sys.stdin)
out = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups()}

def attempt(fn):
    try:
        return "ok: " + repr(fn())[:200]
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def connect_unix(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return s.recv(200)

def connect_tcp(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10):
        return "connected"

def read(path):
    with open(path, "rb") as f:
        return len(f.read())

out["unix"] = {p: attempt(lambda p=p: connect_unix(p)) for p in plan["unix"]}
out["tcp"] = {str(p): attempt(lambda p=p: connect_tcp(p)) for p in plan["tcp"]}
out["list"] = {p: attempt(lambda p=p: os.listdir(p)) for p in plan["list"]}
out["read"] = {p: attempt(lambda p=p: read(p)) for p in plan["read"]}

def create(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w") as f:
        return f.write(text)

out["create"] = {p: attempt(lambda p=p, t=t: create(p, t)) for p, t in plan["create"].items()}
leaks = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmdline = f.read()
    except OSError:
        continue
    leaks += [pid for secret in plan["secrets"] if secret.encode() in cmdline]
out["secretsInCmdlines"] = leaks
print(json.dumps(out))
"""


def intruder() -> pwd.struct_passwd:
    """The second local user, created if missing (idempotent: a concurrent or earlier run may have made it)."""
    try:
        return pwd.getpwnam(INTRUDER)
    except KeyError:
        pass
    r = subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", INTRUDER],
        capture_output=True,
        text=True,
    )
    if r.returncode not in (0, 9):  # 9: the user exists (made meanwhile)
        raise AssertionError(f"useradd {INTRUDER}: {r.returncode} {r.stderr}")
    return pwd.getpwnam(INTRUDER)


def as_intruder(plan: dict) -> dict:
    """Runs ATTEMPTS as the second user with no supplementary groups and an empty environment."""
    user = intruder()
    r = subprocess.run(
        [
            "setpriv",
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--clear-groups",
            SYSTEM_PYTHON,
            "-c",
            ATTEMPTS,
        ],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        timeout=120,
    )
    assert r.returncode == 0, f"the other user's script failed: {r.returncode} {r.stderr}"
    out = json.loads(r.stdout)
    assert out["uid"] == user.pw_uid and out["gid"] == user.pw_gid and out["uid"] != os.getuid(), out
    assert out["groups"] in ([], [user.pw_gid]), out
    return out


def environ_of(pid: int) -> dict[str, str]:
    env = {}
    for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
        k, sep, v = entry.decode(errors="replace").partition("=")
        if sep:
            env[k] = v
    return env


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def with_env(pids: list[int], key: str, value: str) -> list[int]:
    found = []
    for pid in pids:
        try:
            if environ_of(pid).get(key) == value:
                found.append(pid)
        except OSError:
            continue
    return found


def listening_tcp_inodes() -> set[str]:
    """The inodes of every listening TCP socket of the host (state 0A in /proc/net/tcp and tcp6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


@pytest.fixture(scope="module")
def world(browser):
    """JupyterLab with a running Spark application reporting to its monitor; yields what the other user will try."""
    base = Path(tempfile.mkdtemp(prefix="sm-isolation-"))
    old_umask = os.umask(0o022)
    base.chmod(0o755)  # others may enter, as they may enter a home directory made with umask 022
    # XDG_STATE_HOME (~/.local/state), with a history folder made by hand, open to others: the monitor closes it.
    (base / "state" / "sparkmonitor" / "history").mkdir(mode=0o755, parents=True)
    shared = base / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # a directory every user may write in, as /tmp
    jupyter = start_jupyter(base, extra_env={"SPARKMONITOR_CONFIG": str(shared / "sparkmonitor.yaml")})
    try:
        write_notebook(
            jupyter.root / "iso.ipynb",
            [
                {
                    "id": "iso-1",
                    "source": (
                        "from pyspark.sql import SparkSession\n"
                        "spark = SparkSession.builder.master('local[1]').getOrCreate()\n"
                        "spark.range(0, 1000, numPartitions=2).count()"
                    ),
                }
            ],
        )
        page, kernel_id = open_and_run_all(
            browser, f"{jupyter.url}lab/tree/iso.ipynb?token={jupyter.token}", "iso.ipynb"
        )
        try:
            page.wait_for_function(ALL_CELLS_DONE, timeout=240_000, polling=500)
            apps = wait_until(lambda: jupyter.get_json("sparkmonitor/api/apps")["data"], 120, "the application")
            flags = monitor_process(jupyter)
            yield {
                "jupyter": jupyter,
                "base": base,
                "flags": flags,
                "app": apps[0],
                "kernel_id": kernel_id,
                "config": shared / "sparkmonitor.yaml",
            }
        except Exception:
            save_screenshot(page, "isolation-failure.png")
            raise
        finally:
            shutdown_kernel(jupyter, kernel_id)
            page.close()
    finally:
        os.umask(old_umask)
        stop_jupyter(jupyter)
        shutil.rmtree(base, ignore_errors=True)


def test_another_user_cannot_reach_the_monitor_its_history_or_its_secrets(world):
    jupyter, flags, app = world["jupyter"], world["flags"], world["app"]
    monitor_pid = int(flags["pid"])
    http = http_socket(flags)  # a unix socket, 0600, in a 0700 directory of this user
    ingest = Path(flags["--ingest"].removeprefix("unix:"))
    assert ingest.parent == http.parent and stat.S_IMODE(ingest.lstat().st_mode) == 0o600

    # The history folder the monitor made, and the running application's event log in it.
    history = Path(jupyter.get_json("sparkmonitor/api/health")["data"]["history"]["dir"])
    assert history.is_relative_to(world["base"]), history
    logs = wait_until(lambda: [p for p in history.iterdir() if app["appId"] in p.name], 60, "the application's log")
    assert history == world["base"] / "state" / "sparkmonitor" / "history"
    assert stat.S_IMODE(history.stat().st_mode) == 0o700 and stat.S_IMODE(history.parent.stat().st_mode) == 0o755
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in history.iterdir())

    # The secrets, where they live: the monitor's environment (both), the kernel's and the driver JVM's (ingest).
    monitor_env = environ_of(monitor_pid)
    ingest_secret, proxy_secret = monitor_env["SPARKMONITOR_SECRET"], monitor_env["SPARKMONITOR_PROXY_SECRET"]
    below_jupyter = descendants(jupyter.proc.pid)
    holders = with_env(below_jupyter, "SPARKMONITOR_SECRET", ingest_secret)
    kernel = [p for p in holders if p != monitor_pid and b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes()]
    driver = [p for p in holders if b"org.apache.spark.deploy.SparkSubmit" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert kernel and driver, f"no kernel or Spark driver holding the secret among {holders}"
    conf_dir = Path(environ_of(kernel[0])["SPARK_CONF_DIR"])
    assert conf_dir.parent == http.parent

    plan = {
        "unix": [str(http), str(ingest)],
        "tcp": [jupyter.port],  # the control: any user can connect to Jupyter's own port
        "list": [str(history), str(http.parent), str(history.parent)],
        "read": [str(p) for p in logs]
        + [f"/proc/{p}/environ" for p in [monitor_pid, *kernel, *driver]]
        + [str(conf_dir / "spark-defaults.conf"), f"/proc/{monitor_pid}/cmdline"],
        "secrets": [ingest_secret, proxy_secret],
        "create": {str(world["config"]): PLANTED},
    }
    out = as_intruder(plan)

    assert out["unix"] == {str(http): "EACCES", str(ingest): "EACCES"}, out
    assert out["tcp"] == {str(jupyter.port): "ok: 'connected'"}, out
    assert out["list"] == {str(history): "EACCES", str(http.parent): "EACCES", str(history.parent): "ok: ['history']"}
    readable = {p: r for p, r in out["read"].items() if r != "EACCES"}
    assert list(readable) == [f"/proc/{monitor_pid}/cmdline"] and readable[f"/proc/{monitor_pid}/cmdline"].startswith(
        "ok: "
    ), out["read"]
    assert out["secretsInCmdlines"] == [], out

    # The planted config file is the other user's, and the monitor does not read it.
    assert out["create"] == {str(world["config"]): f"ok: {len(PLANTED)}"}, out
    assert world["config"].stat().st_uid == intruder().pw_uid

    def refused():
        health = jupyter.get_json("sparkmonitor/api/health")["data"]["config"]
        return health if health["error"] else None

    config = wait_until(refused, 60, "the monitor to refuse the planted config file")
    assert config["path"] == str(world["config"]) and config["exists"] is True, config
    assert f"belongs to another user (uid {intruder().pw_uid})" in config["error"], config
    profiles = jupyter.get_json("sparkmonitor/api/profiles")["data"]
    assert profiles["profiles"] == [] and "belongs to another user" in profiles["configError"], profiles

    # No TCP port of the monitor: no listening TCP socket of the host is one of the monitor process's sockets.
    assert not listening_tcp_inodes() & socket_inodes(monitor_pid)
    ss = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    assert f"pid={monitor_pid}," not in ss, ss
    assert f"pid={jupyter.proc.pid}," in ss  # ss does show the owners of listening sockets: Jupyter's own port
