"""Helpers of test_connect.py and test_other_drivers.py: a JupyterLab terminal driven the way the browser drives it —
created with Jupyter's REST API (`api/terminals`) and typed into over its WebSocket (terminado's `["stdin", …]` /
`["stdout", …]` frames); its shell is a child of the Jupyter server, so it has the server's environment, with what our
jupyter-server-proxy entry point exported — and a wait for a page's cell monitors to show given jobs."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
import urllib.request
from pathlib import Path

import websocket  # websocket-client, a dependency of jupyter_server

from conftest import Fatal, save_screenshot, wait_until
from test_cell_monitor import MONITORS


class Terminal:
    def __init__(self, jupyter):
        self.jupyter = jupyter
        req = urllib.request.Request(f"{jupyter.url}api/terminals", data=b"{}", method="POST")
        req.add_header("Authorization", f"token {jupyter.token}")
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.name = json.loads(resp.read().decode())["name"]
        url = f"ws://127.0.0.1:{jupyter.port}{jupyter.base_url}terminals/websocket/{self.name}?token={jupyter.token}"
        self._ws = websocket.create_connection(url, timeout=30)
        self._ws.settimeout(None)
        self._lock = threading.Lock()
        self._output = ""
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while True:
            try:
                frame = self._ws.recv()
            except Exception:
                self._closed = True
                return
            if not frame:
                continue
            kind, *rest = json.loads(frame)
            if kind == "stdout" and rest:
                with self._lock:
                    self._output += rest[0]
            elif kind == "disconnect":
                self._closed = True
                return

    @property
    def output(self) -> str:
        with self._lock:
            return self._output

    def type(self, line: str):
        """Types a line into the terminal, as a user would, and presses Enter."""
        self._ws.send(json.dumps(["stdin", line + "\r"]))

    def activate_venv(self):
        """Puts the test's Python environment (pyspark, spark-submit) first on PATH, as a user activates theirs: the
        terminal runs a login shell, whose /etc/profile resets PATH (the rest of the environment stays)."""
        self.type(f"export PATH={Path(sys.executable).parent}:$PATH")

    def wait_for(self, pattern: str, timeout: float, what: str) -> re.Match:
        """Waits until the terminal's output matches the regular expression `pattern`; returns the match."""

        def seen():
            if self._closed:
                raise Fatal(f"the terminal closed while waiting for {what}; output:\n{self.output[-3000:]}")
            return re.search(pattern, self.output)

        try:
            return wait_until(seen, timeout, what)
        except AssertionError as e:
            raise AssertionError(f"{e}; terminal output:\n{self.output[-3000:]}") from None

    def close(self):
        try:
            self._ws.close()
        finally:
            req = urllib.request.Request(f"{self.jupyter.url}api/terminals/{self.name}", method="DELETE")
            req.add_header("Authorization", f"token {self.jupyter.token}")
            try:
                urllib.request.urlopen(req, timeout=30).close()
            except Exception:
                pass


def kill(pid: int):
    """Ends a process this test started (e.g. a JVM a terminal runs), if it is still there."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def wait_for_cells(page, expected: dict, what: str, screenshot: str):
    """Waits until the page's cell monitors show exactly `expected` ({cellId: {jobId: shown_job(…)}}), then saves a
    screenshot (also when they never do)."""

    def matches():
        shown = page.evaluate(MONITORS)
        return shown if shown == expected else None

    try:
        wait_until(matches, 60, f"{what}: {expected}")
    finally:
        save_screenshot(page, screenshot)
