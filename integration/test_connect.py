"""Spark Connect: notebooks whose SparkSession is a Spark Connect client get the same per-cell monitor.

A user starts a Spark Connect server from the pyspark install in a JupyterLab terminal (`spark-submit --class
org.apache.spark.sql.connect.service.SparkConnectServer`): it is an ordinary Spark driver with the server's environment,
so our plugin reports its jobs. Two notebooks — one and a copy of it, with the same cell ids — connect to it with
`SparkSession.builder.remote(…)`. The kernel hook tags each cell's operations (Spark Connect tags naming the cell and
the notebook), the server turns them into job tags, and the listener reads the cell and the notebook from those. Each
page shows under each cell exactly the jobs that cell ran in that notebook, with Spark's own counts.

Oracle: each cell also adds its own tag `oracle-<notebook>-<cell>` (removed at the cell's end); the server's REST API
lists every job with its job tags, so it says which jobs each cell of each notebook ran.
"""

from __future__ import annotations

import re

from conftest import ALL_CELLS_DONE, free_port, open_and_run_all, shown_job, spark_jobs, wait_until, write_notebook
from drivers_support import Terminal, kill, wait_for_cells

CONNECT_SERVER = "org.apache.spark.sql.connect.service.SparkConnectServer"


def cells(notebook: str, port: int) -> list[dict]:
    """The cells of a notebook (same ids in both notebooks); each tags its operations for the oracle."""

    def tagged(cell_id: str, code: str) -> str:
        tag = f"oracle-{notebook}-{cell_id}"
        return f"spark.addTag({tag!r})\n{code}\nspark.removeTag({tag!r})"

    return [
        {
            "id": "k1-connect",
            "source": (
                "from pyspark.sql import SparkSession\n"
                f"spark = SparkSession.builder.remote('sc://127.0.0.1:{port}').getOrCreate()\n"
                + tagged("k1-connect", "spark.range(0, 1000, 1, 3).selectExpr('sum(id)').collect()")
            ),
        },
        {
            "id": "k2-two-queries",
            "source": tagged(
                "k2-two-queries",
                "spark.range(0, 100_000, 1, 8).selectExpr('sum(id)').collect()\n"
                "spark.range(0, 10_000, 1, 4).selectExpr('id % 7 as k').groupBy('k').count().collect()",
            ),
        },
        {"id": "k3-no-spark", "source": "x = 41 + 1"},
        {
            "id": "k4-sql",
            "source": tagged("k4-sql", "spark.sql('SELECT sum(id) FROM range(0, 5000, 1, 5)').collect()"),
        },
    ]


def oracle_of(truth: list[dict], notebook: str) -> dict:
    """{cellId: {jobId: shown row}} of a notebook's cells, from the Connect server's REST API job tags."""
    out: dict = {}
    for j in truth:
        for tag in j.get("jobTags", []):
            m = re.search(rf"_Tag_oracle-{notebook}-(.+)$", tag)
            if m:
                out.setdefault(m.group(1), {})[str(j["jobId"])] = shown_job(j)
    return out


def test_connect_notebooks_show_their_cells_jobs(jupyter, browser):
    port = free_port()
    term = Terminal(jupyter)
    term.activate_venv()
    pid = None
    pages = []
    try:
        term.type(
            f"echo PID=$$ && exec spark-submit --class {CONNECT_SERVER} --name sparkmonitor-connect "
            "--master 'local[2]' "
            f"--conf spark.connect.grpc.binding.address=127.0.0.1 --conf spark.connect.grpc.binding.port={port} "
            f"--conf spark.ui.port={free_port()}"
        )
        pid = int(term.wait_for(r"PID=(\d+)", 30, "the terminal's shell").group(1))

        def connect_app():
            apps = [
                a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["appName"] == "sparkmonitor-connect"
            ]
            return apps[0] if apps else None

        server = wait_until(connect_app, 180, "the Connect server to report to the monitor")
        assert server["kernelId"] == "" and server["notebookPath"] == ""  # one server for every notebook
        term.wait_for(r"Spark Connect server started", 120, "the Connect server to listen")

        for name in ("connect-a", "connect-b"):
            write_notebook(jupyter.root / f"{name}.ipynb", cells(name, port))
        kernels = {}
        for name in ("connect-a", "connect-b"):
            # Each page its own workspace, so that no page restores the other's notebook.
            url = f"{jupyter.url}lab/workspaces/{name}/tree/{name}.ipynb?reset&token={jupyter.token}"
            page, kernels[name] = open_and_run_all(browser, url, f"{name}.ipynb")
            pages.append(page)
            page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
        errors = [
            p.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
            for p in pages
        ]
        # (Spark's REST API answers its first request slowly on a loaded machine: read it again until it answers.)
        truth = wait_until(lambda: spark_jobs(server["uiUrl"], server["appId"]), 120, "the Connect server's REST API")

        for name, page in zip(("connect-a", "connect-b"), pages):
            expected = oracle_of(truth, name)
            assert set(expected) == {"k1-connect", "k2-two-queries", "k4-sql"}, (name, expected, truth, errors)
            wait_for_cells(
                page, expected, f"{name}: each cell's monitor to show exactly its own jobs", f"{name}-cells.png"
            )
            header = page.locator('.sm-cell-monitor[data-cell-id="k2-two-queries"] .sm-title').inner_text()
            assert header.startswith(f"Spark jobs: {len(expected['k2-two-queries'])} "), header
            # The server's jobs name their notebook: this page's kernel.
            shown = jupyter.get_json(f"sparkmonitor/api/apps/{server['appId']}")["data"]["jobs"]
            mine = {str(j["jobId"]) for j in shown if j.get("kernelId") == kernels[name]}
            assert mine == {jid for jobs in expected.values() for jid in jobs}, (name, mine, expected)
        # Both notebooks ran their jobs on the one server, under the same cell ids.
        assert sum(
            1 for j in truth if any("sparkmonitor-cell-k2-two-queries" in t for t in j.get("jobTags", []))
        ) == sum(len(oracle_of(truth, n)["k2-two-queries"]) for n in ("connect-a", "connect-b"))
    finally:
        for page in pages:
            page.close()
        term.close()
        if pid is not None:
            kill(pid)
