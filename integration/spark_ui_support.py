"""Helpers of test_spark_ui.py: notebook kernels started through Jupyter's REST API (so they inherit what our
jupyter-server-proxy entry point configured), and a crawler of the proxied Spark UI."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from conftest import NoRedirect, wait_until


class Kernel:
    """A kernel of a notebook session of the Jupyter server, driven with jupyter_client over its connection file."""

    def __init__(self, jupyter, name: str):
        from jupyter_client import BlockingKernelClient

        self.jupyter = jupyter
        (jupyter.root / name).write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
        session = request(jupyter, "api/sessions", {"path": name, "type": "notebook", "kernel": {"name": "python3"}})
        self.session_id, self.id = session["id"], session["kernel"]["id"]
        conn = Path(jupyter.root).parent / "jupyter-runtime" / f"kernel-{self.id}.json"
        wait_until(conn.exists, 60, f"the connection file of kernel {self.id}")
        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(conn))
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 300) -> str:
        """Runs code; returns its stdout; fails with the traceback if it raised."""
        out, errors = [], []

        def hook(msg):
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                out.append(c["text"])
            elif t == "error":
                errors.append("\n".join(c["traceback"]))

        reply = self.client.execute_interactive(code, timeout=timeout, output_hook=hook)
        assert reply["content"]["status"] == "ok", f"cell failed: {errors}"
        return "".join(out)

    def close(self):
        self.client.stop_channels()
        try:
            request(self.jupyter, f"api/sessions/{self.session_id}", method="DELETE")
        except Exception:
            pass


def request(jupyter, path: str, body=None, method: str | None = None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(jupyter.url + path, data=data, method=method or ("POST" if data else "GET"))
    req.add_header("Authorization", f"token {jupyter.token}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(jupyter, url: str, method: str = "GET", headers: dict | None = None) -> Response:
    """One request with the Jupyter token, redirects not followed."""
    req = urllib.request.Request(url, method=method)
    req.add_header("Authorization", f"token {jupyter.token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as resp:
            return Response(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


def monitor_app(jupyter, kernel_id: str, running: bool = True) -> dict:
    """Waits until the monitor lists a (running) application of the kernel; returns it."""

    def find():
        apps = jupyter.get_json("sparkmonitor/api/apps")["data"]
        mine = [a for a in apps if a["kernelId"] == kernel_id and (a["state"] == "RUNNING") == running]
        return mine[-1] if mine else None

    return wait_until(
        find, 120, f"the monitor to list a {'running' if running else 'stopped'} app of kernel {kernel_id}"
    )


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links_of(html: str) -> list[str]:
    p = _Links()
    p.feed(html)
    return p.links


# Query parameters of Spark's sortable, paged tables: following each combination adds nothing but pages.
_TABLE_PARAM = re.compile(r"\.(sort|desc|pageSize|page|prevPageSize)$")


@dataclass
class CrawlResult:
    visited: dict = field(default_factory=dict)  # url -> status
    broken: list = field(default_factory=list)  # (url, status, referrer)
    escaped: list = field(default_factory=list)  # (link, referrer): same origin but outside the prefix
    external: set = field(default_factory=set)  # links to other origins


def crawl(jupyter, start: str, prefix: str, extra: list[str], limit: int = 600, deadline_s: float = 240) -> CrawlResult:
    """Follows every same-origin href/src (and redirect) from `start`, plus the `extra` URLs; records what failed."""
    origin = urllib.parse.urlsplit(jupyter.url)._replace(path="", query="", fragment="").geturl()
    res = CrawlResult()
    queue = [(start, "start")] + [(u, "extra") for u in extra]
    seen_keys = set()
    deadline = time.monotonic() + deadline_s
    while queue:
        assert time.monotonic() < deadline, f"crawl did not finish in {deadline_s}s ({len(res.visited)} visited)"
        url, referrer = queue.pop(0)
        parts = urllib.parse.urlsplit(url)
        query = [
            (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not _TABLE_PARAM.search(k)
        ]
        key = (parts.path, tuple(sorted(query)))
        if key in seen_keys:
            continue
        seen_keys.add(key)
        assert len(res.visited) < limit, f"more than {limit} pages: {list(res.visited)[-20:]}"
        resp = fetch(jupyter, url)
        res.visited[url] = resp.status
        if resp.status >= 400:
            res.broken.append((url, resp.status, referrer, resp.text[:300]))
            continue
        found = []
        if resp.status in (301, 302, 303, 307, 308):
            found.append(resp.headers.get("Location", ""))
        elif "html" in resp.headers.get("Content-Type", ""):
            found = links_of(resp.text)
        for link in found:
            if not link or link.startswith(("#", "javascript:", "mailto:", "data:")):
                continue
            absolute = urllib.parse.urljoin(url, link)
            target = urllib.parse.urlsplit(absolute)
            if f"{target.scheme}://{target.netloc}" != origin:
                res.external.add(absolute)
                continue
            if not (target.path + "/").startswith(prefix):
                res.escaped.append((link, url))
                continue
            queue.append((urllib.parse.urldefrag(absolute)[0], url))
    return res
