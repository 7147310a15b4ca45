"""An http.client connection over a unix socket: the monitor's --listen unix:/path, which the benchmarks reach
directly. Standard library only: hostile_rss.py imports it and runs on the system python3."""

from __future__ import annotations

import http.client
import socket


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTPConnection whose connect() opens the unix socket at path; requests carry Host: localhost."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)
