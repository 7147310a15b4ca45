"""End to end: nobody reaches the monitor without Jupyter's auth (spark/api/API.md, PROTOCOL.md "Transport").

Through the real JupyterLab and jupyter-server-proxy: a request to {base}sparkmonitor/... without Jupyter's token or
cookie (or with a wrong token, or with a forged proxy-secret header) is refused by Jupyter and never answered by the
monitor; a cross-site request with the user's cookie cannot cancel. Directly: the monitor's own HTTP socket (a unix
socket, mode 0600 in a 0700 directory: no TCP port) answers 401 with no data on every route, WebSocket upgrades
included; the ingest socket sits in the same directory with mode 0600 and refuses a listener with a wrong or missing
secret, closing the connection and changing nothing. test_isolation.py shows another OS user kept off both sockets.
"""

from __future__ import annotations

import json
import os
import socket
import stat
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from conftest import Fatal, start_jupyter, stop_jupyter, wait_until

PROXY_SECRET_HEADER = "X-Sparkmonitor-Proxy-Secret"
CSRF = "X-Sparkmonitor-Csrf"
WS_HEADERS = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}
# Every monitor route under its prefix (API.md "Endpoints"), with the method it answers.
ROUTES = [
    ("GET", ""),
    ("GET", "dashboard.js"),
    ("GET", "api/health"),
    ("GET", "api/apps"),
    ("GET", "api/apps/local-1"),
    ("GET", "api/timeline?cellId=c1"),
    ("GET", "api/ws"),
    ("POST", "api/apps/local-1/jobs/0/cancel"),
    ("POST", "api/apps/local-1/stages/0/cancel"),
    ("POST", "api/cells/c1/cancel"),
    ("POST", "api/eventlogs"),
    ("GET", "ui/local-1/"),
    ("GET", "ui/local-1/jobs/"),
    ("GET", "ui/127.0.0.1:4040/jobs/"),
    ("GET", "api/profiles"),
    ("GET", "metrics"),
]


class Answer:
    def __init__(self, status: int, headers: dict[str, str], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"{self.status} {self.headers} {self.body[:300]!r}"


def connect(address: int | Path) -> socket.socket:
    """A connection to a loopback TCP port, or to the unix socket at a path."""
    if isinstance(address, int):
        return socket.create_connection(("127.0.0.1", address), timeout=30)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect(str(address))
    except OSError:
        s.close()
        raise
    return s


def host_of(address: int | Path) -> str:
    """The Host header for a request to `address` (jupyter-server-proxy sends localhost to a unix socket)."""
    return f"127.0.0.1:{address}" if isinstance(address, int) else "localhost"


def raw(
    address: int | Path, method: str, target: str, headers: dict[str, str] | None = None, body: bytes = b""
) -> Answer:
    """Sends one HTTP/1.1 request exactly as given to a loopback port or a unix socket and reads the answer (only the
    head of a 101)."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host_of(address)}"]
    hdrs = {"Connection": "close", "Content-Length": str(len(body))} | (headers or {})
    lines += [f"{k}: {v}" for k, v in hdrs.items()]
    with connect(address) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        parsed = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            parsed[k.strip().lower()] = v.strip()
        if status != 101 and method != "HEAD":
            rest = read_body(s, parsed, rest)
    return Answer(status, parsed, rest)


def read_body(s: socket.socket, headers: dict[str, str], rest: bytes) -> bytes:
    """Reads a response body after its head (a connection upgrade request may be kept alive: no read to the end)."""
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n and (chunk := s.recv(65536)):
            rest += chunk
        return rest[:n]
    if "chunked" in headers.get("transfer-encoding", ""):
        while not rest.endswith(b"0\r\n\r\n") and (chunk := s.recv(65536)):
            rest += chunk
        return rest
    while chunk := s.recv(65536):
        rest += chunk
    return rest


def monitor_process(jupyter) -> dict[str, str]:
    """The monitor jupyter-server-proxy started: its flags (--listen, --ingest, ...) and its pid under "pid" (read from
    /proc)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) != jupyter.proc.pid or not args[0].endswith(b"/sparkmonitor"):
            continue
        flags = {"pid": pid}
        for a in args[1:]:
            k, _, v = a.decode().partition("=")
            flags[k] = v
        return flags
    raise AssertionError("no sparkmonitor process under the Jupyter server")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    jupyter = start_jupyter(tmp_path_factory.mktemp("jupyter-auth"), base_url="/base/")

    def started():
        if jupyter.proc.poll() is not None:
            raise Fatal("jupyter lab exited")
        return jupyter.status("sparkmonitor/api/apps", authenticated=True) == 200

    # jupyter-server-proxy starts the monitor on the first authenticated request.
    wait_until(started, 90, "the monitor to answer through jupyter-server-proxy")
    yield jupyter
    stop_jupyter(jupyter)


def refused_by_jupyter(a: Answer) -> bool:
    """Jupyter's own refusal (403, or a redirect to its login page), not an answer of the monitor."""
    if a.status == 302:
        return "/login" in a.headers.get("location", "")
    return a.status in (401, 403) and b"errorType" not in a.body and b'"success"' not in a.body


def test_monitor_through_jupyter_needs_jupyter_auth(server):
    base = server.base_url + "sparkmonitor/"
    forged = {PROXY_SECRET_HEADER: "0" * 64}
    for method, route in ROUTES:
        for name, headers in [
            ("no credentials", {}),
            ("wrong token", {"Authorization": "token " + "f" * 32}),
            ("forged proxy secret", forged),
            ("token in a wrong query", {}),
        ]:
            target = base + route
            if name == "token in a wrong query":
                target += ("&" if "?" in target else "?") + "token=" + "e" * 32
            extra = {CSRF: "1"} if method == "POST" else {}
            a = raw(server.port, method, target, headers | extra)
            assert refused_by_jupyter(a), (name, method, target, a)
        upgrade = raw(server.port, "GET", base + route, WS_HEADERS)
        assert upgrade.status != 101 and refused_by_jupyter(upgrade), (route, upgrade)
    # The same requests with the token reach the monitor: the refusals above are Jupyter's auth, not missing routes.
    auth = {"Authorization": f"token {server.token}"}
    assert raw(server.port, "GET", base + "api/apps", auth).status == 200
    ws = raw(server.port, "GET", base + "api/ws", auth | WS_HEADERS)
    assert ws.status == 101, ws
    cancel = raw(server.port, "POST", base + "api/cells/c1/cancel", auth | {CSRF: "1"})
    assert cancel.status == 202 and json.loads(cancel.body)["data"]["requested"] == 0, cancel


def login_cookies(server) -> tuple[str, str]:
    """Logs in as a browser does (the token in the URL once) and returns the Cookie header and the XSRF token."""
    jar = SimpleCookie()  # raw() keeps one Set-Cookie per name only: read every one here
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(
            f"GET {server.base_url}lab?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    for line in data.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n"):
        if line.lower().startswith("set-cookie:"):
            jar.load(line.split(":", 1)[1].strip())
    assert "_xsrf" in jar and any(k.startswith("username-") for k in jar), list(jar)
    return "; ".join(f"{k}={m.value}" for k, m in jar.items()), jar["_xsrf"].value


def test_cross_site_requests_with_the_users_cookie_cannot_cancel(server):
    cookie, xsrf = login_cookies(server)
    base = server.base_url + "sparkmonitor/api/cells/c1/cancel"
    origin = f"http://127.0.0.1:{server.port}"
    same_site = {"Cookie": cookie, "X-XSRFToken": xsrf, "Origin": origin, CSRF: "1"}
    # What the extension sends (cookie, Jupyter's XSRF token, the CSRF header, same origin): accepted.
    a = raw(server.port, "POST", base, same_site)
    assert a.status == 202, a
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    refused = [
        ("a cross-site form POST", {"Cookie": cookie, "Origin": "http://evil.example"} | form, b"x=1"),
        ("a same-site form POST", {"Cookie": cookie, "Origin": origin} | form, b"x=1"),
        ("no CSRF header", {k: v for k, v in same_site.items() if k != CSRF}, b""),
        ("another origin", same_site | {"Origin": "http://evil.example"}, b""),
        ("another origin, no XSRF token", {"Cookie": cookie, "Origin": "http://evil.example", CSRF: "1"}, b""),
        ("a null origin", same_site | {"Origin": "null"}, b""),
    ]
    for name, headers, body in refused:
        a = raw(server.port, "POST", base, headers, body)
        assert a.status == 403 and b'"success"' not in a.body, (name, a)
    # Opening an event log (a POST that adds an application) is refused the same way.
    for name, headers, body in refused:
        a = raw(server.port, "POST", server.base_url + "sparkmonitor/api/eventlogs", headers, body)
        assert a.status == 403 and b'"success"' not in a.body, ("event log: " + name, a)


def http_socket(flags: dict[str, str]) -> Path:
    """The monitor's HTTP socket from its --listen flag, checked to be a unix socket of mode 0600 in a directory of
    mode 0700 owned by this user."""
    listen = flags["--listen"]
    assert listen.startswith("unix:"), f"the monitor listens on {listen}, not on a unix socket"
    sock = Path(listen[len("unix:") :])
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700 and sock.parent.stat().st_uid == os.getuid(), sock
    assert stat.S_ISSOCK(sock.lstat().st_mode) and stat.S_IMODE(sock.lstat().st_mode) == 0o600, sock
    return sock


def test_monitor_socket_refuses_direct_access(server):
    sock = http_socket(monitor_process(server))
    prefix = server.base_url + "sparkmonitor/"
    targets = ["/", "*"] + [prefix + r for _, r in ROUTES] + [prefix + "ui/local-1/api/v1/applications"]
    for target in targets:
        for method in ("GET", "POST", "OPTIONS", "HEAD"):
            for headers in ({}, {PROXY_SECRET_HEADER: "wrong"}, {PROXY_SECRET_HEADER: ""}):
                a = raw(sock, method, target, headers | {CSRF: "1", "Origin": "http://localhost"})
                assert a.status == 401, (method, target, headers, a)
                if method != "HEAD":
                    assert json.loads(a.body)["errorType"] == "unauthorized", (method, target, a)
        if target != "*":
            a = raw(sock, "GET", target, WS_HEADERS)
            assert a.status == 401, (target, a)


def test_ingest_socket_is_private_and_checks_the_secret(server):
    ingest = monitor_process(server)["--ingest"]
    assert ingest.startswith("unix:"), ingest
    sock = Path(ingest[len("unix:") :])
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700 and sock.parent.stat().st_uid == os.getuid()
    assert stat.S_ISSOCK(sock.stat().st_mode) and stat.S_IMODE(sock.stat().st_mode) == 0o600
    hello = {"type": "hello", "protocol": 1, "appId": "local-intruder", "appName": "x", "connection": 1}
    for name, frame in [
        ("wrong secret", hello | {"secret": "0" * 64}),
        ("no secret", hello),
        ("empty secret", hello | {"secret": ""}),
    ]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(30)
            s.connect(str(sock))
            # The hello and an event in one write: the monitor closes right after its answer.
            s.sendall(
                (json.dumps(frame) + "\n").encode() + b'{"type":"jobStart","seq":1,"time":1,"jobId":0,"stages":[]}\n'
            )
            data = b""
            try:
                while chunk := s.recv(65536):  # until the monitor closes the connection
                    data += chunk
            except ConnectionResetError:  # closed with our bytes unread: what it wrote before is above
                pass
        reply = json.loads(data.split(b"\n")[0])
        assert reply["type"] == "error" and "secret" in reply["error"] and data.count(b"\n") == 1, (name, data)
    apps = server.get_json("sparkmonitor/api/apps")["data"]
    assert apps == [], f"a refused listener changed the monitor's state: {apps}"
