"""A real Jupyter Server with the installed wheel: jupyter-server-proxy calls our entry point at start-up, shows the
launcher tile, starts the monitor lazily with the rendered command and secrets, and the kernels the server starts are
configured (Spark conf dir, startup extension, kernel id from jupyter_server's own connection file name)."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from .support import TOUCHED

DATA = Path(__file__).parent / "data"
BASE_URL = "/jh/user/ana/"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, tmp: Path, site: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        self.root = tmp / "root"
        self.root.mkdir()
        self.config_dir = tmp / "config"
        monitor = tmp / "fake-monitor"
        monitor.write_text(f"#!{sys.executable}\n" + (DATA / "fake_monitor.py").read_text())
        monitor.chmod(0o755)
        env = {k: v for k, v in os.environ.items() if k not in TOUCHED}
        env.update(
            PYTHONPATH=str(site),
            SPARKMONITOR_BINARY=str(monitor),
            JUPYTER_CONFIG_DIR=str(tmp / "config"),
            JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
            JUPYTER_PLATFORM_DIRS="1",
            IPYTHONDIR=str(tmp / "ipython"),
        )
        self.log_path = tmp / "jupyter.log"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                f"--IdentityProvider.token={self.token}",
                "--allow-root",
                f"--ServerApp.base_url={BASE_URL}",
                f"--ServerApp.root_dir={self.root}",
            ],
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while True:  # wait until the server answers (a condition with a deadline)
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyter server exited: {self.log_path.read_text()[-3000:]}")
            try:
                self.request("api/status")
                break
            except OSError as err:
                if time.monotonic() > deadline:
                    raise AssertionError(f"jupyter server did not answer: {self.log_path.read_text()[-3000:]}") from err
                try:  # the poll interval doubles as a check that the server is still alive
                    self.proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass

    def request(self, path: str, body: dict | None = None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{BASE_URL}{path}",
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def execute(self, kernel_id: str, code: str, cell_id: str) -> str:
        return asyncio.run(self._execute(kernel_id, code, cell_id))

    async def _execute(self, kernel_id: str, code: str, cell_id: str) -> str:
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.port}{BASE_URL}api/kernels/{kernel_id}/channels?token={self.token}"
        ws = await websocket_connect(url)
        msg_id = uuid.uuid4().hex
        await ws.write_message(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "msg_type": "execute_request",
                        "session": uuid.uuid4().hex,
                        "username": "test",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {"cellId": cell_id},
                    "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {}},
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        try:
            while True:
                raw = await asyncio.wait_for(ws.read_message(), timeout=60)
                if raw is None:
                    raise AssertionError("kernel websocket closed")
                msg = json.loads(raw)
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "execute_result":
                    return msg["content"]["data"]["text/plain"]
                if msg["msg_type"] == "error":
                    raise AssertionError(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        finally:
            ws.close()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def server(wheel, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyter")
    site = tmp / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
    )
    s = Server(tmp, site)
    yield s
    s.stop()


def test_launcher_tile_is_listed(server):
    info = server.request("server-proxy/servers-info")
    (entry,) = [s for s in info["server_processes"] if s["name"] == "sparkmonitor"]
    assert entry["launcher_entry"]["title"] == "Spark Monitor"
    assert entry["launcher_entry"]["path_info"] == "sparkmonitor/"
    assert entry["launcher_entry"]["category"] == "Other"
    assert entry["new_browser_tab"] is False
    icon = urllib.request.urlopen(
        urllib.request.Request(
            f"http://127.0.0.1:{server.port}{BASE_URL}server-proxy/icon/sparkmonitor",
            headers={"Authorization": f"token {server.token}"},
        ),
        timeout=30,
    ).read()
    assert b"<svg" in icon


def test_monitor_starts_on_first_request_with_rendered_command_and_secret_header(server):
    seen = server.request("sparkmonitor/api/ping?x=1")

    listen, base_url, ingest, config = seen["argv"]
    # jsp reached the monitor on the unix socket it was told to use, beside the ingest socket in the 0700 workdir.
    assert listen.startswith("--listen=unix:") and listen.endswith("/http.sock")
    assert base_url == f"--base-url={BASE_URL}"
    assert ingest.startswith("--ingest=unix:") and ingest.endswith("/ingest.sock")
    assert Path(listen[len("--listen=unix:") :]).parent == Path(ingest[len("--ingest=unix:") :]).parent
    assert config == f"--config={server.config_dir / 'sparkmonitor.yaml'}"  # Jupyter's config dir
    assert seen["path"] == f"{BASE_URL}sparkmonitor/api/ping?x=1"  # absolute_url: the full path is forwarded
    assert seen["proxySecretOk"] is True
    assert len(seen["ingestSecret"]) == 64


def test_kernels_started_by_the_server_are_configured(server):
    session = server.request(
        "api/sessions", {"path": "work/analysis.ipynb", "type": "notebook", "kernel": {"name": "python3"}}
    )
    kernel_id = session["kernel"]["id"]
    monitor = server.request("sparkmonitor/")

    value = server.execute(
        kernel_id,
        "import os, json\n"
        "json.dumps({'kernelId': os.environ['SPARKMONITOR_KERNEL_ID'], 'secret': os.environ['SPARKMONITOR_SECRET'],\n"
        " 'confDir': os.path.basename(os.environ['SPARK_CONF_DIR']), 'ingest': os.environ['SPARKMONITOR_INGEST'],\n"
        " 'extension': 'sparkmonitor_go.kernel' in get_ipython().extension_manager.loaded,\n"
        " 'proxySecret': os.environ.get('SPARKMONITOR_PROXY_SECRET')})",
        cell_id="c1",
    )
    assert json.loads(ast.literal_eval(value)) == {
        "kernelId": kernel_id,
        "secret": monitor["ingestSecret"],
        "confDir": "conf",
        "ingest": monitor["argv"][2][len("--ingest=") :],
        "extension": True,
        "proxySecret": None,  # only the monitor process may hold it
    }
    log = server.log_path.read_text()
    assert "sparkmonitor: kernels started from now on report Spark applications to unix:" in log
