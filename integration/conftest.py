"""Fixtures for the end-to-end tests: a real JupyterLab (with jupyter-server-proxy and our installed package), a real
PySpark driver started by the notebook's kernel, and a real headless Chromium driven by Playwright.

Everything runs on loopback with a token-protected Jupyter server, so the browser goes through Jupyter's real auth.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = os.environ.get("SPARKMONITOR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class Fatal(Exception):
    """Raised by a wait_until predicate when the condition can never hold (e.g. the process died)."""


def wait_until(predicate, timeout: float, what: str, interval: float = 0.2):
    """Polls `predicate` until it returns a truthy value or `timeout` seconds pass (then fails with `what`)."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Fatal:
            raise
        except Exception as e:  # the condition may not be observable yet
            last_error = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last_error!r})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """A running JupyterLab on loopback, with a token."""

    def __init__(self, root: Path, port: int, token: str, base_url: str, proc: subprocess.Popen, log: Path):
        self.root, self.port, self.token, self.base_url, self.proc, self.log = root, port, token, base_url, proc, log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    def get_json(self, path: str, authenticated: bool = True):
        req = urllib.request.Request(self.url + path)
        if authenticated:
            req.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read().decode())

    def post(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict | None]:
        """POSTs `{}` with the token (and `headers`); returns the status and the JSON body (None if not JSON)."""
        req = urllib.request.Request(self.url + path, data=b"{}", method="POST")
        req.add_header("Authorization", f"token {self.token}")
        req.add_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw.decode())
        except ValueError:
            return status, None

    def status(self, path: str, authenticated: bool) -> int:
        req = urllib.request.Request(self.url + path)
        if authenticated:
            req.add_header("Authorization", f"token {self.token}")
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(req, timeout=10) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def start_jupyter(
    tmp: Path, base_url: str = "/", extra_env: dict[str, str] | None = None, venv: Path | None = None
) -> JupyterServer:
    """Starts JupyterLab; `extra_env` is added to the server's environment (e.g. SPARKMONITOR_READ_ONLY=1); `venv` is
    the Python environment whose `jupyter` runs (default: the one running the tests)."""
    root = tmp / "root"
    root.mkdir()
    port = free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    for key in (
        "SPARK_CONF_DIR",
        "PYTHONSTARTUP",
        "SPARK_DIST_CLASSPATH",
        "SPARKMONITOR_INGEST",
        "SPARKMONITOR_SECRET",
    ):
        env.pop(key, None)
    venv_bin = str(venv / "bin") if venv else str(Path(sys.executable).parent)
    env.update(
        PATH=venv_bin + os.pathsep + env.get("PATH", ""),
        JUPYTER_CONFIG_DIR=str(tmp / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "jupyter-runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        XDG_STATE_HOME=str(
            tmp / "state"
        ),  # the monitor's history folder: each server its own (docs/user-guide.md § History)
        JUPYTER_PLATFORM_DIRS="1",
    )
    env.update(extra_env or {})
    # No "get notified about Jupyter news?" pop-up over the pages the tests look at (and photograph): JupyterLab reads
    # user settings from $JUPYTER_CONFIG_DIR/lab/user-settings.
    news = Path(env["JUPYTER_CONFIG_DIR"]) / "lab/user-settings/@jupyterlab/apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / f"jupyter-{port}.log"
    proc = subprocess.Popen(
        [
            str(Path(venv_bin) / "jupyter"),
            "lab",
            "--no-browser",
            "--ip=127.0.0.1",
            f"--port={port}",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.base_url={base_url}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.expose_app_in_browser=True",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--ServerApp.log_level=INFO",
        ]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=root,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = JupyterServer(root, port, token, base_url, proc, log)

    def up():
        if proc.poll() is not None:
            raise Fatal(f"jupyter lab exited with {proc.returncode}; see {log}")
        return server.get_json("api/status")

    wait_until(up, 90, "JupyterLab to answer api/status")
    return server


def stop_jupyter(server: JupyterServer):
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    server = start_jupyter(tmp_path_factory.mktemp("jupyter"))
    yield server
    stop_jupyter(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run `make bootstrap` (installs Debian's chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


PYTHON3 = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def write_notebook(path: Path, cells: list[dict], kernelspec: dict = PYTHON3):
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "id": c["id"],
                "metadata": {"tags": c.get("tags", [])},
                "outputs": [],
                "source": c["source"],
            }
            for c in cells
        ],
        "metadata": {"kernelspec": kernelspec, "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))


def monitor(page, cell_id: str):
    """The cell monitor under the cell with this id."""
    return page.locator(f'.sm-cell-monitor[data-cell-id="{cell_id}"]')


def save_screenshot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


# Returns the id of the current notebook's kernel once the notebook at `path` is open and its kernel idle.
NOTEBOOK_READY = """path => {
  const app = window.jupyterapp;
  if (!app || !app.commands.hasCommand('notebook:run-all-cells')) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.sessionContext || !w.context.isReady || w.context.path !== path) return null;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return k && k.status === 'idle' ? k.id : null;
}"""


# True once every code cell of the current notebook has run and its kernel is idle.
ALL_CELLS_DONE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const code = w.content.widgets.filter(c => c.model.type === 'code');
  const k = w.sessionContext.session.kernel;
  return code.every(c => c.model.executionCount !== null) && k.status === 'idle';
}"""


def open_and_run_all(browser, url: str, path: str, height: int = 900):
    """Opens a notebook page at `url`, waits until its kernel is idle, runs all cells; returns (page, kernel id)."""
    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url)
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg=path, timeout=120_000, polling=250).json_value()
    # Not awaited: the command's promise resolves only when every cell has run (a long cell would block the test).
    page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    return page, kernel_id


def shutdown_kernel(jupyter, kernel_id: str):
    """Shuts the kernel down through Jupyter's REST API (its Spark driver ends with it); nothing if it is gone."""
    req = urllib.request.Request(
        f"{jupyter.url}api/kernels/{kernel_id}", method="DELETE", headers={"Authorization": f"token {jupyter.token}"}
    )
    try:
        urllib.request.urlopen(req, timeout=30).close()
    except Exception:
        pass  # already gone


def spark_api(ui_url: str, app_id: str, what: str) -> list[dict]:
    with urllib.request.urlopen(f"{ui_url}/api/v1/applications/{app_id}/{what}", timeout=10) as resp:
        return json.loads(resp.read().decode())


def shown_job(j: dict) -> dict:
    """What a cell monitor's job row shows once the job has ended, from Spark's REST API job `j`."""
    return {
        "status": j["status"],
        "completed": j["numCompletedTasks"],
        "total": j["numTasks"] - j["numSkippedTasks"],
        "failed": j["numFailedTasks"],
        "running": 0,
        "stages": f"{j['numCompletedStages']}/{len(j['stageIds']) - j['numSkippedStages']}",
    }


def spark_jobs(ui_url: str, app_id: str) -> list[dict]:
    return spark_api(ui_url, app_id, "jobs")


def put_setting(jupyter, plugin: str, raw: dict):
    req = urllib.request.Request(
        f"{jupyter.url}lab/api/settings/{plugin}",
        data=json.dumps({"raw": json.dumps(raw)}).encode(),
        method="PUT",
        headers={"Authorization": f"token {jupyter.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status in (200, 204)
