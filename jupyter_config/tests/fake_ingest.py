"""A stand-in for the Go monitor's ingest endpoint (spark/event/PROTOCOL.md): accepts listener connections on a unix
socket, answers the hello with welcome (or error for a wrong secret), and records every frame for the test to wait on.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time


class FakeIngest:
    def __init__(self, address: str, secret: str):
        if not address.startswith("unix:"):
            raise ValueError(f"only unix: addresses are supported here, got {address!r}")
        self.path = address[len("unix:") :]
        self.secret = secret
        self.frames: list = []  # (connection number, frame dict), in arrival order
        self.errors: list = []
        self._cond = threading.Condition()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(self.path)
        self._sock.listen(8)
        self._closed = False
        self._conns: list = []
        self._accepter = threading.Thread(target=self._accept, name="fake-ingest-accept", daemon=True)
        self._accepter.start()

    def _accept(self):
        n = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            n += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn, n), name=f"fake-ingest-{n}", daemon=True).start()

    def _serve(self, conn: socket.socket, n: int):
        try:
            reader = conn.makefile("rb")
            first = True
            for raw in reader:
                try:
                    frame = json.loads(raw)
                except ValueError as e:
                    self._record_error(f"connection {n}: not JSON: {raw[:200]!r} ({e})")
                    return
                if first:
                    first = False
                    if frame.get("type") != "hello" or frame.get("secret") != self.secret:
                        self._record_error(f"connection {n}: bad hello {frame!r}")
                        conn.sendall(b'{"type":"error","error":"bad hello"}\n')
                        return
                    conn.sendall(b'{"type":"welcome","protocol":1}\n')
                with self._cond:
                    self.frames.append((n, frame))
                    self._cond.notify_all()
        except OSError:
            pass
        finally:
            conn.close()

    def _record_error(self, message: str):
        with self._cond:
            self.errors.append(message)
            self._cond.notify_all()

    def wait_for(self, predicate, timeout: float, what: str):
        """Returns the first recorded frame for which predicate(frame) is true, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for _, frame in self.frames:
                    if predicate(frame):
                        return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [{k: v for k, v in f.items() if k != "secret"} for _, f in self.frames[-20:]]
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what}; last frames received {seen}, "
                        f"errors {self.errors}"
                    )
                self._cond.wait(remaining)

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() on Linux
        except OSError:
            pass
        self._sock.close()
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            os.unlink(self.path)
        except OSError:
            pass
