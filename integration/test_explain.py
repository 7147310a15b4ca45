"""End to end: the failure card's optional Explain button (docs/_incoming/explain.md).

JupyterLab starts with a `sparkmonitor.yaml` whose `explain` section points at a local stub of an OpenAI-compatible
API (a Python HTTP server in this test, recording every request), its key in an environment variable of the server.
Secrets are planted where a careless monitor could pick them up: a Spark conf value of the session, an environment
variable of the server, the data rows of the failing job. A notebook's UDF raises at a known line; clicking Explain on
its card shows "Asking …", then the stub's answer as plain text (its HTML tags as text), and the stub saw exactly one
request: the bearer key, the model, the card's category, exception and line, and none of the planted secrets.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import (
    ALL_CELLS_DONE,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)

KEY = "sk-integration-PLANTED-KEY"
CONF_SECRET = "PLANTED-CONF-SECRET"
ENV_SECRET = "PLANTED-ENV-SECRET"
ROW_SECRET = "PLANTED-ROW-VALUE"
ANSWER = "Row 7 makes y zero: <b>guard</b> the division in inverse()."

CELLS = [
    {
        "id": "session",
        "source": (
            "from pyspark.sql import SparkSession, functions as F\n"
            "spark = (SparkSession.builder.master('local[2]')\n"
            f"         .config('spark.hadoop.fs.s3a.secret.key', '{CONF_SECRET}').getOrCreate())\n"
        ),
    },
    {
        "id": "udf",
        "tags": ["raises-exception"],
        "source": (
            f"df = spark.createDataFrame([(i, '{ROW_SECRET}') for i in range(20)], 'id long, s string')\n"
            "@F.udf('int')\n"
            "def inverse(x):\n"
            "    y = x - 7\n"
            "    return 100 // y\n"
            "df.select(inverse('id'), 's').collect()"
        ),
    },
]


class Stub:
    """An OpenAI-compatible chat completions endpoint that records each request and answers ANSWER."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with stub.lock:
                    stub.requests.append(
                        {"path": self.path, "auth": self.headers.get("Authorization"), "raw": raw.decode()}
                    )
                body = json.dumps(
                    {"choices": [{"index": 0, "message": {"role": "assistant", "content": ANSWER}}]}
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/v1"

    def seen(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def stub():
    s = Stub()
    yield s
    s.close()


@pytest.fixture(scope="module")
def jupyter_explain(tmp_path_factory, stub):
    tmp = tmp_path_factory.mktemp("jupyter-explain")
    config_dir = tmp / "jupyter-config"  # start_jupyter's JUPYTER_CONFIG_DIR
    config_dir.mkdir()
    (config_dir / "sparkmonitor.yaml").write_text(
        f"explain:\n  url: {stub.url}\n  model: stub-model\n  apiKeyEnv: SPARKMONITOR_TEST_LLM_KEY\n"
        "  timeoutSeconds: 20\n"
    )
    server = start_jupyter(tmp, extra_env={"SPARKMONITOR_TEST_LLM_KEY": KEY, "AWS_SECRET_ACCESS_KEY": ENV_SECRET})
    yield server
    stop_jupyter(server)


def test_explain_shows_the_stubs_answer_and_sends_no_secret(jupyter_explain, browser, stub):
    jupyter = jupyter_explain
    assert jupyter.get_json("sparkmonitor/api/health")["data"]["explain"] is True
    write_notebook(jupyter.root / "explain.ipynb", CELLS)
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/explain.ipynb?token={jupyter.token}", "explain.ipynb", 1200
    )
    try:
        page.wait_for_function(ALL_CELLS_DONE, timeout=400_000, polling=500)
        card = page.locator('.sm-cell-monitor[data-cell-id="udf"] .sm-failure-card').first
        card.wait_for(timeout=60_000)
        assert card.get_attribute("data-category") == "pythonUdf"
        button = card.locator("button.sm-fc-explain-button")
        button.wait_for(timeout=30_000)
        assert stub.seen() == [], "nothing is sent before a click"
        button.click()
        out = card.locator("pre.sm-fc-explain-text")
        wait_until(lambda: out.get_attribute("data-state") == "answer", 60, "the answer to show")
        # Plain text: the answer's tags are shown as text, not made into elements.
        assert out.text_content() == ANSWER, out.text_content()
        assert out.locator("b").count() == 0
        save_screenshot(page, "explain-answer.png")

        seen = stub.seen()
        assert len(seen) == 1, seen
        req = seen[0]
        assert req["path"] == "/v1/chat/completions" and req["auth"] == f"Bearer {KEY}", req
        body = json.loads(req["raw"])
        assert body["model"] == "stub-model" and [m["role"] for m in body["messages"]] == ["system", "user"], body
        user = body["messages"][1]["content"]
        for want in ("Category: pythonUdf\n", "Exception class: ZeroDivisionError\n", "\nCell line: 5", "\nStage: "):
            assert want in user, (want, user)
        assert "line 5, in inverse\nZeroDivisionError" in user, user  # the task's trace
        for secret in (CONF_SECRET, ENV_SECRET, ROW_SECRET, KEY, jupyter.token):
            assert secret not in req["raw"], (secret, req["raw"])
        # The key never reaches the browser or the log.
        assert KEY not in page.content()
        assert KEY not in jupyter.log.read_text(errors="replace")
    finally:
        shutdown_kernel(jupyter, kernel_id)
        page.close()
