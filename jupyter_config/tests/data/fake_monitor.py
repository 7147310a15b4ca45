"""Stands in for the Go binary in test_packaging.py: answers every HTTP request with what jupyter-server-proxy gave it
(argv, the request path, whether the proxy-secret header matches its environment)."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

listen = next(a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--listen="))
host, port = listen.rsplit(":", 1)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(
            {
                "argv": sys.argv[1:],
                "path": self.path,
                "proxySecretOk": self.headers.get("X-Sparkmonitor-Proxy-Secret") == os.environ["SPARKMONITOR_PROXY_SECRET"],
                "ingestSecret": os.environ.get("SPARKMONITOR_SECRET"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


HTTPServer((host, int(port)), Handler).serve_forever()
