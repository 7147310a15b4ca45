"""Stands in for the Go binary in test_jupyter_server.py: listens on the unix socket of its --listen=unix:PATH, as the
monitor does, and answers every HTTP request with what jupyter-server-proxy gave it (argv, the request path, whether
the proxy-secret header matches its environment)."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler
from socketserver import UnixStreamServer

listen = next(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--listen="))
if not listen.startswith("unix:"):
    sys.exit(f"fake monitor: --listen={listen} is not unix:PATH")
path = listen[len("unix:") :]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(
            {
                "argv": sys.argv[1:],
                "path": self.path,
                "proxySecretOk": self.headers.get("X-Sparkmonitor-Proxy-Secret")
                == os.environ["SPARKMONITOR_PROXY_SECRET"],
                "ingestSecret": os.environ.get("SPARKMONITOR_SECRET"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def address_string(self):  # a unix socket's peer has no address
        return "unix"

    def log_message(self, *args):
        pass


UnixStreamServer(path, Handler).serve_forever()
