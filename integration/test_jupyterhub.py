"""Many users: a real JupyterHub (PyPI jupyterhub, its proxy configurable-http-proxy from npm),
SimpleLocalProcessSpawner with one home directory per user, DummyAuthenticator with a password, loopback only, two users
(alice, bob). The single-user environment is build/venv-wheel with the `make dist` wheel installed by `pip install`
alone, as a single-user image would have it.

- Each user logs in with Chromium, opens a notebook under /user/NAME/ and runs a cell: the cell's monitor shows that
  user's Spark jobs with Spark's own counts (oracle: the driver's REST API), and its Spark UI link works under
  /user/NAME/sparkmonitor/ui/... through the Hub's proxy.
- Neither user reaches the other's monitor: alice's browser cookie and alice's API token get no monitor data from
  /user/bob/sparkmonitor/..., through the Hub's proxy or straight at bob's single-user server; bob's monitor socket
  answers 401 without jupyter-server-proxy's secret; each server has its own HTTP and ingest sockets (0600 in a 0700
  directory) and secret, and bob's ingest socket refuses alice's secret. All users are the same OS user here, so the
  file modes are checked but cannot be shown to keep another OS user out here (test_isolation.py does, with a second
  OS user; docs/security.md).
- The monitor's own traffic does not keep a server active: requests to the monitor do not advance the server's
  last_activity in the Hub, and jupyterhub-idle-culler culls the server while they go on.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import stat
import subprocess
import types
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    ARTIFACTS,
    NOTEBOOK_READY,
    Fatal,
    free_port,
    monitor,
    save_screenshot,
    shown_job,
    spark_jobs,
    wait_until,
    write_notebook,
)
from test_auth import WS_HEADERS, http_socket, monitor_process, raw
from test_cell_monitor import MONITORS
from test_wheel import REPO, WHEEL_VENV, cached_venv, fresh_install, the_wheel

CHP = REPO / "integration" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
USERS = {"alice": 3, "bob": 5}  # each user's job runs this many tasks
PASSWORD = "spark-monitor-test"
ADMIN_SCOPES = ["admin:users", "admin:servers", "admin:server_state", "tokens", "list:users", "read:users:activity"]

CONFIG = """
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.JupyterHub.pid_file = "{tmp}/jupyterhub.pid"
c.JupyterHub.last_activity_interval = 5
c.ConfigurableHTTPProxy.command = ["{chp}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = "{proxy_token}"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "{password}"
c.Authenticator.allowed_users = {users}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = ["{venv}/bin/jupyterhub-singleuser"]
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"] + (["--allow-root"] if {root} else [])
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.environment = {{"PATH": "{path}", "JUPYTERHUB_ACTIVITY_INTERVAL": "5", "SPARK_LOCAL_IP": "127.0.0.1"}}
c.JupyterHub.services = [{{"name": "tester", "api_token": "{admin_token}"}}]
c.JupyterHub.load_roles = [{{"name": "tester", "scopes": {scopes}, "services": ["tester"]}}]
"""


class Hub:
    def __init__(self, tmp: Path, port: int, proxy_api_port: int, proxy_token: str, admin_token: str, proc, log):
        self.tmp, self.port, self.proxy_api_port = tmp, port, proxy_api_port
        self.proxy_token, self.admin_token, self.proc, self.log = proxy_token, admin_token, proc, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, body: dict | None = None):
        req = urllib.request.Request(
            f"{self.url}/hub/api/{path}",
            data=None if body is None else json.dumps(body).encode(),
            method=method,
            headers={"Authorization": f"token {self.admin_token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw_body = resp.read()
        return json.loads(raw_body) if raw_body else None

    def server(self, name: str) -> dict | None:
        """The user's default server in the Hub's REST API (with its state), or None when it is not running."""
        return self.api("GET", f"users/{name}")["servers"].get("")

    def single_user_target(self, name: str) -> str:
        """Where the Hub's proxy sends /user/NAME/: the single-user server's own address."""
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.proxy_api_port}/api/routes",
            headers={"Authorization": f"token {self.proxy_token}"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())[f"/user/{name}"]["target"]


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    """GET without following redirects; returns the status and the body."""
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def last_activity(hub: Hub, name: str) -> datetime | None:
    server = hub.server(name)
    if server is None or not server.get("last_activity"):
        return None
    return datetime.fromisoformat(server["last_activity"].replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    venv = cached_venv(WHEEL_VENV)
    if not CHP.exists():
        pytest.fail(f"{CHP} is missing: run `make test-envs`")
    fresh_install(venv, the_wheel(), ["sparkmonitor-go", "jupyter-server-proxy"])
    tmp = tmp_path_factory.mktemp("hub")
    port, proxy_api_port = free_port(), free_port()
    proxy_token, admin_token = secrets.token_hex(16), secrets.token_hex(16)
    path = os.pathsep.join([str(venv / "bin"), os.environ.get("PATH", "")])
    (tmp / "jupyterhub_config.py").write_text(
        CONFIG.format(
            port=port,
            hub_port=free_port(),
            proxy_api_port=proxy_api_port,
            proxy_token=proxy_token,
            admin_token=admin_token,
            tmp=tmp,
            chp=CHP,
            password=PASSWORD,
            users=repr(set(USERS)),
            venv=venv,
            root=os.geteuid() == 0,
            path=path,
            scopes=repr(ADMIN_SCOPES),
        )
    )
    for name in USERS:
        (tmp / "home" / name).mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKMONITOR_", "SPARK_", "PYTHONSTARTUP"))}
    env["PATH"] = path
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"jupyterhub-{port}.log"
    proc = subprocess.Popen(
        [str(venv / "bin" / "jupyterhub"), "-f", str(tmp / "jupyterhub_config.py")],
        cwd=tmp,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    hub = Hub(tmp, port, proxy_api_port, proxy_token, admin_token, proc, log)

    def up():
        if proc.poll() is not None:
            raise Fatal(f"jupyterhub exited with {proc.returncode}; see {log}")
        return hub.api("GET", "users")

    try:
        wait_until(up, 120, "JupyterHub to answer its REST API")
        yield hub
    finally:
        proc.terminate()  # the Hub stops the single-user servers and its proxy
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # whatever is left in the Hub's session (its proxy)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def sessions(hub, browser):
    """Each user logged in with Chromium, a notebook cell run under /user/NAME/: {name: (context, page, kernel id)}."""
    out = {}
    for name, tasks in USERS.items():
        write_notebook(
            hub.tmp / "home" / name / "spark.ipynb",
            [
                {
                    "id": f"{name}-cell",
                    "source": (
                        "from pyspark.sql import SparkSession\n"
                        "spark = SparkSession.builder.getOrCreate()\n"
                        f"spark.sparkContext.setJobGroup('oracle-{name}', 'oracle')\n"
                        f"spark.range(0, 1000, numPartitions={tasks}).rdd.map(lambda x: x * 2).count()"
                    ),
                }
            ],
        )
        hub.api("POST", f"users/{name}/server")
        wait_until(lambda name=name: (s := hub.server(name)) and s["ready"], 240, f"{name}'s server to be ready")
    for name in USERS:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login?next=/user/{name}/lab/tree/spark.ipynb")
        page.fill("#username_input", name)
        page.fill("#password_input", PASSWORD)
        page.click("#login_submit")
        kernel_id = page.wait_for_function(NOTEBOOK_READY, arg="spark.ipynb", timeout=180_000, polling=250).json_value()
        page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        out[name] = (context, page, kernel_id)
    for _, page, _ in out.values():
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)
    yield out
    for context, _, _ in out.values():
        context.close()


def apps_of(page, hub: Hub, name: str) -> list[dict]:
    resp = page.request.get(f"{hub.url}/user/{name}/sparkmonitor/api/apps")
    assert resp.status == 200, (name, resp.status)
    return resp.json()["data"]


def test_each_user_sees_their_own_jobs_and_spark_ui(hub, sessions):
    for name, (_, page, kernel_id) in sessions.items():
        apps = wait_until(
            lambda page=page, name=name: apps_of(page, hub, name), 60, f"{name}'s monitor to list the app"
        )
        assert [a["kernelId"] for a in apps] == [kernel_id], (name, apps)
        app = apps[0]
        truth = spark_jobs(app["uiUrl"], app["appId"])
        assert {j.get("jobGroup") for j in truth} == {f"oracle-{name}"}, (name, truth)
        assert [j["numTasks"] for j in truth] == [USERS[name]], (name, truth)
        expected = {f"{name}-cell": {str(j["jobId"]): shown_job(j) for j in truth}}
        wait_until(
            lambda page=page, expected=expected: page.evaluate(MONITORS) == expected,
            120,
            f"{name}'s page to show {expected}",
        )
        save_screenshot(page, f"jupyterhub-{name}.png")

        # The job's Spark UI link, under /user/NAME/sparkmonitor/ui/, through the Hub's proxy with the user's cookie.
        link = monitor(page, f"{name}-cell").locator('a.sm-ui-link[data-kind="job"]').first
        href = link.evaluate("a => a.href")
        assert href.startswith(f"{hub.url}/user/{name}/sparkmonitor/ui/{app['appId']}/"), href
        resp = page.request.get(href)
        assert resp.status == 200 and "Details for Job" in resp.text(), (href, resp.status)


def test_users_cannot_reach_each_others_monitor(hub, sessions):
    alice_page, bob_page = sessions["alice"][1], sessions["bob"][1]
    bob_app = apps_of(bob_page, hub, "bob")[0]["appId"]
    alice_token = hub.api("POST", "users/alice/tokens", {"note": "test"})["token"]
    assert get(f"{hub.url}/user/alice/sparkmonitor/api/apps", alice_token)[0] == 200  # the token works for alice
    bob_direct = hub.single_user_target("bob")
    paths = ["api/apps", "api/health", f"ui/{bob_app}/jobs/", f"ui/{bob_app}/api/v1/applications", ""]
    for path in paths:
        # alice's browser session (cookies), following the Hub's redirects.
        resp = alice_page.request.get(f"{hub.url}/user/bob/sparkmonitor/{path}")
        assert resp.status == 403 and bob_app not in resp.text(), (path, resp.status)
        # alice's API token, through the Hub's proxy and straight at bob's single-user server.
        for base in (hub.url, bob_direct):
            status, body = get(f"{base}/user/bob/sparkmonitor/{path}", alice_token)
            assert status == 403 and bob_app.encode() not in body, (base, path, status)
    # The live WebSocket too, with alice's token, through the Hub's proxy and at bob's server.
    for port in (hub.port, int(bob_direct.rsplit(":", 1)[1])):
        answer = raw(
            port, "GET", "/user/bob/sparkmonitor/api/ws", WS_HEADERS | {"Authorization": f"token {alice_token}"}
        )
        assert answer.status == 403, (port, answer)

    # Below Jupyter: each server's monitor has its own HTTP socket, ingest socket and secret.
    monitors = {}
    for name in USERS:
        pid = hub.server(name)["state"]["pid"]
        monitors[name] = monitor_process(types.SimpleNamespace(proc=types.SimpleNamespace(pid=pid)))
    bob = monitors["bob"]
    http = {name: http_socket(m) for name, m in monitors.items()}  # 0600 in a 0700 directory
    assert http["alice"].parent != http["bob"].parent
    for path in ("/user/bob/sparkmonitor/api/apps", f"/user/bob/sparkmonitor/ui/{bob_app}/jobs/"):
        assert raw(http["bob"], "GET", path, {}).status == 401
    sockets = {name: Path(m["--ingest"].removeprefix("unix:")) for name, m in monitors.items()}
    assert sockets["alice"] != sockets["bob"] and sockets["alice"].parent != sockets["bob"].parent
    for sock in sockets.values():
        assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700 and stat.S_IMODE(sock.stat().st_mode) == 0o600
    alice_secret = monitor_secret(monitors["alice"]["--ingest"])
    assert alice_secret and alice_secret != monitor_secret(bob["--ingest"])
    reply = hello(sockets["bob"], alice_secret)
    assert reply["type"] == "error" and "secret" in reply["error"], reply
    assert [a["appId"] for a in apps_of(bob_page, hub, "bob")] == [bob_app]


def monitor_secret(ingest: str) -> str:
    """The ingest secret in the environment of the monitor process listening on `ingest` (read from /proc)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if args[0].endswith(b"/sparkmonitor") and f"--ingest={ingest}".encode() in args:
            for entry in environ:
                if entry.startswith(b"SPARKMONITOR_SECRET="):
                    return entry.split(b"=", 1)[1].decode()
    raise AssertionError(f"no monitor process with --ingest={ingest}")


def hello(sock: Path, secret: str) -> dict:
    """A listener's hello with `secret` on the ingest socket; returns the monitor's first answer."""
    frame = {
        "type": "hello",
        "protocol": 1,
        "appId": "local-intruder",
        "appName": "x",
        "connection": 1,
        "secret": secret,
    }
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(str(sock))
        s.sendall((json.dumps(frame) + "\n").encode())
        data = b""
        while b"\n" not in data and (chunk := s.recv(65536)):
            data += chunk
    return json.loads(data.split(b"\n")[0])


def test_monitor_traffic_does_not_keep_the_server_active(hub, sessions):
    """Last: alice's server is culled."""
    context, _, _ = sessions["alice"]
    context.close()  # alice leaves: no browser traffic through the Hub's proxy from now on
    token = hub.api("POST", "users/alice/tokens", {"note": "test"})["token"]
    direct = hub.single_user_target("alice") + "/user/alice/"

    # The way activity reaches the Hub works: a request to Jupyter's own API advances last_activity within seconds.
    before = datetime.now(timezone.utc)
    assert get(direct + "api/contents", token)[0] == 200
    wait_until(lambda: (t := last_activity(hub, "alice")) and t >= before, 120, "alice's activity to reach the Hub")

    # From now on only the monitor is used; the idle culler runs with a 30 s timeout.
    quiet_since = datetime.now(timezone.utc)
    culler = subprocess.Popen(
        [
            str(WHEEL_VENV / "bin" / "python"),
            "-m",
            "jupyterhub_idle_culler",
            f"--url={hub.url}/hub/api",
            "--timeout=30",
            "--cull-every=5",
        ],
        env=dict(os.environ, JUPYTERHUB_API_TOKEN=hub.admin_token),
        stdout=(ARTIFACTS / "idle-culler.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    monitor_requests = 0
    try:

        def culled():
            nonlocal monitor_requests
            if culler.poll() is not None:
                raise Fatal(f"the idle culler exited with {culler.returncode}; see idle-culler.log")
            server = hub.server("alice")
            if server is None:
                return True
            seen = server.get("last_activity")
            if seen and datetime.fromisoformat(seen.replace("Z", "+00:00")) >= quiet_since:
                raise Fatal(
                    f"the monitor's traffic advanced alice's last_activity to {seen} (quiet since {quiet_since})"
                )
            for path in ("sparkmonitor/api/apps", "sparkmonitor/api/health"):
                if get(direct + path, token)[0] == 200:
                    monitor_requests += 1
            return False

        wait_until(culled, 240, "the idle culler to stop alice's server", interval=1)
    finally:
        culler.terminate()
        culler.wait(timeout=30)
    assert monitor_requests >= 5, f"only {monitor_requests} monitor requests were answered while alice was idle"
