"""End to end: the application history. A notebook runs Spark jobs; its kernel is shut down and the monitor binary is
killed and started again (by jupyter-server-proxy); the dashboard then lists the past
application with Spark's job counts, and the notebook opened again (a new kernel) shows the past run's jobs under its
cells. The history file the monitor wrote opens in a real Spark History Server (started from the PySpark install, on
loopback), whose REST API lists the same jobs, stages and task counts. A Spark event log written by Spark itself
elsewhere (a plain PySpark script with spark.eventLog.enabled, zstd) is opened in the dashboard in Chromium and its
application appears; a broken file is refused with its line.

The oracle is Spark: the driver's REST API, read before the kernel is shut down, and the History Server's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    free_port,
    save_screenshot,
    shutdown_kernel,
    spark_api,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot
from test_faults import ROWS, apps_of, expected_rows, monitor_processes

CELLS = ["h1-session", "h2-shuffle", "h3-fails"]


def pyspark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    server = start_jupyter(tmp_path_factory.mktemp("jupyter-history"))
    yield server
    stop_jupyter(server)


def dashboard_row(page, table: str, app_id: str) -> dict | None:
    return page.evaluate(
        """([table, id]) => {
          const r = [...document.querySelectorAll(`#${table} tr.app`)].find(r => r.dataset.appId === id);
          if (!r) return null;
          const j = r.querySelector('.app-jobs').dataset;
          return {state: r.dataset.state, total: Number(j.total), succeeded: Number(j.succeeded),
                  failed: Number(j.failed), running: Number(j.running),
                  source: (r.querySelector('.app-source') || {}).textContent || null};
        }""",
        [table, app_id],
    )


def job_counts(jobs: list[dict]) -> dict:
    return {
        "total": len(jobs),
        "succeeded": sum(j["status"] == "SUCCEEDED" for j in jobs),
        "failed": sum(j["status"] == "FAILED" for j in jobs),
        "running": 0,
    }


def job_facts(jobs: list[dict]) -> list[tuple]:
    keys = (
        "jobId",
        "status",
        "numTasks",
        "numCompletedTasks",
        "numFailedTasks",
        "numSkippedTasks",
        "numCompletedStages",
        "numSkippedStages",
        "numFailedStages",
    )
    return sorted(tuple(j[k] for k in keys) for j in jobs)


def stage_facts(stages: list[dict]) -> list[tuple]:
    keys = ("stageId", "attemptId", "status", "numTasks", "numCompleteTasks", "numFailedTasks", "numKilledTasks")
    return sorted(tuple(s[k] for k in keys) for s in stages)


class Past:
    """What the first test leaves for the others: the application and Spark's own numbers for it."""

    app: dict = {}
    jobs: list[dict] = []
    stages: list[dict] = []
    rows: list[dict] = []
    history_dir: Path | None = None


def test_past_application_comes_back_after_a_monitor_restart(jupyter, browser):
    write_notebook(
        jupyter.root / "hist.ipynb",
        [
            {
                "id": "h1-session",
                "source": (
                    "from pyspark.sql import SparkSession\n"
                    "spark = SparkSession.builder.master('local[2]').getOrCreate()\n"
                    "sc = spark.sparkContext\n"
                    "sc.setJobGroup('oracle-h1-session', 'oracle')\n"
                    "spark.range(0, 1000, numPartitions=3).count()"
                ),
            },
            {
                "id": "h2-shuffle",
                "source": (
                    "sc.setJobGroup('oracle-h2-shuffle', 'oracle')\n"
                    "pairs = sc.parallelize(range(1000), 6).map(lambda x: (x % 7, 1))"
                    ".reduceByKey(lambda a, b: a + b, 3)\n"
                    "pairs.count()\n"
                    "pairs.collect()"  # the map stage is skipped in this second job
                ),
            },
            {
                "id": "h3-fails",
                "source": (
                    "sc.setJobGroup('oracle-h3-fails', 'oracle')\n"
                    "def boom(x):\n"
                    "    raise ValueError('boom')\n"
                    "try:\n"
                    "    sc.parallelize(range(4), 2).map(boom).count()\n"
                    "except Exception:\n"
                    "    pass"
                ),
            },
        ],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{jupyter.url}lab/tree/hist.ipynb?token={jupyter.token}")
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg="hist.ipynb", timeout=120_000, polling=250).json_value()
    try:
        page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)
        app = wait_until(lambda: apps_of(jupyter, "hist.ipynb"), 120, "the monitor to list the application")[0]
        Past.app = app
        Past.jobs = wait_until(lambda: spark_api(app["uiUrl"], app["appId"], "jobs"), 120, "Spark's jobs")
        Past.stages = spark_api(app["uiUrl"], app["appId"], "stages")
        Past.rows = expected_rows(app, CELLS)
        assert {r["cell"] for r in Past.rows} == set(CELLS), Past.rows
        assert any(r["status"] == "FAILED" for r in Past.rows), "the failing cell's job failed"
        wait_until(
            lambda: [r for r in page.evaluate(ROWS) if r["app"] == app["appId"]] == Past.rows,
            120,
            "the page to show Spark's jobs before the restart",
        )
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)

    health = jupyter.get_json("sparkmonitor/api/health")["data"]
    assert health["history"] and health["history"]["dropped"] == 0 and health["history"]["error"] is None, health
    Past.history_dir = Path(health["history"]["dir"])
    wait_until(
        lambda: (
            next(a for a in apps_of(jupyter, "hist.ipynb") if a["appId"] == app["appId"])["state"]
            in ("FINISHED", "DISCONNECTED")
        ),
        120,
        "the application to end with its kernel",
    )

    # Kill the monitor (as test_faults does: jupyter-server-proxy starts the binary again when it dies); its files
    # were closed when the application ended or its listener went away.
    ingest = health["ingest"]
    old = monitor_processes(jupyter, ingest)
    assert len(old) == 1, old
    os.kill(old[0], signal.SIGKILL)
    new = wait_until(
        lambda: [p for p in monitor_processes(jupyter, ingest) if p != old[0]], 120, "a new monitor process"
    )
    assert len(new) == 1, new
    wait_until(lambda: jupyter.get_json("sparkmonitor/api/health")["data"]["ok"], 120, "the new monitor to answer")

    # The new monitor lists the past application with Spark's job counts, from its history.
    restored = wait_until(
        lambda: next((a for a in apps_of(jupyter, "hist.ipynb") if a["appId"] == app["appId"]), None),
        60,
        "the restarted monitor to list the past application",
    )
    assert restored["source"] == "history" and restored["state"] in ("FINISHED", "DISCONNECTED"), restored
    want = job_counts(Past.jobs)
    got = {
        "total": restored["numJobs"],
        "succeeded": restored["numCompletedJobs"],
        "failed": restored["numFailedJobs"],
        "running": restored["numActiveJobs"],
    }
    assert got == want, (got, want)

    # The dashboard shows it under past applications.
    dash = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        dash.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}")
        row = wait_until(lambda: dashboard_row(dash, "past-apps", app["appId"]), 60, "the dashboard's past application")
        assert {k: row[k] for k in want} == want and row["source"] == "history", row
        assert dashboard_row(dash, "apps", app["appId"]) is None, "not among the live applications"
        save_screenshot(dash, "history-dashboard.png")
        docs_screenshot(dash.locator("#past-apps"), "history.png")
    finally:
        dash.close()

    # The notebook opened again (a new kernel) shows the past run's jobs under its cells, as Spark counted them.
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{jupyter.url}lab/tree/hist.ipynb?token={jupyter.token}")
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg="hist.ipynb", timeout=120_000, polling=250).json_value()
    try:
        try:
            wait_until(
                lambda: [r for r in page.evaluate(ROWS) if r["app"] == app["appId"]] == Past.rows,
                120,
                "the reopened notebook to show the past run's jobs",
            )
        finally:
            save_screenshot(page, "history-reopened.png")
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)


def history_server(log_dir: Path, tmp: Path):
    port = free_port()
    home = pyspark_home()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_", "SPARKMONITOR_"))}
    env.update(
        SPARK_HOME=str(home),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_HISTORY_OPTS=" ".join(
            [
                f"-Dspark.history.fs.logDirectory=file:{log_dir}",
                f"-Dspark.history.ui.port={port}",
                "-Dspark.history.fs.update.interval=1s",
            ]
        ),
    )
    log = (tmp / "history-server.log").open("wb")
    proc = subprocess.Popen(
        [str(home / "bin" / "spark-class"), "org.apache.spark.deploy.history.HistoryServer"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read().decode())


def test_history_file_opens_in_sparks_history_server(tmp_path):
    assert Past.app, "needs the first test's application"
    logs = [p for p in Past.history_dir.iterdir() if p.name.startswith(Past.app["appId"].lower())]
    assert len(logs) == 1 and logs[0].name.split(".inprogress")[0].endswith(".zstd"), logs
    # The History Server reads a folder: give it only this log (a copy, so the monitor's folder is not touched).
    hs_dir = tmp_path / "logs"
    hs_dir.mkdir()
    (hs_dir / logs[0].name).write_bytes(logs[0].read_bytes())
    proc, url = history_server(hs_dir, tmp_path)
    try:
        app_id = Past.app["appId"]

        def listed():
            if proc.poll() is not None:
                raise AssertionError(f"the History Server exited; see {tmp_path / 'history-server.log'}")
            return [a for a in get(f"{url}/api/v1/applications") if a["id"] == app_id]

        wait_until(listed, 120, "the History Server to list the application")
        jobs = wait_until(lambda: get(f"{url}/api/v1/applications/{app_id}/jobs"), 60, "the History Server's jobs")
        stages = get(f"{url}/api/v1/applications/{app_id}/stages")
        assert job_facts(jobs) == job_facts(Past.jobs)
        assert stage_facts(stages) == stage_facts(Past.stages)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


SPARK_SCRIPT = """
import json, sys, urllib.request
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master('local[2]').appName('elsewhere')
         .config('spark.eventLog.enabled', 'true').config('spark.eventLog.dir', sys.argv[1])
         .config('spark.eventLog.compress', 'true').config('spark.eventLog.compression.codec', 'zstd')
         .config('spark.eventLog.rolling.enabled', 'false')
         .config('spark.ui.enabled', 'true').getOrCreate())
sc = spark.sparkContext
spark.range(0, 100000, numPartitions=4).selectExpr('sum(id)').collect()
sc.parallelize(range(100), 5).map(lambda x: (x % 3, x)).groupByKey().count()
ui = sc.uiWebUrl
app = sc.applicationId
with urllib.request.urlopen(f'{ui}/api/v1/applications/{app}/jobs') as r:
    jobs = json.load(r)
json.dump({'appId': app, 'jobs': jobs}, open(sys.argv[2], 'w'))
spark.stop()
"""


def test_an_event_log_from_elsewhere_opens_in_the_dashboard(jupyter, browser, tmp_path):
    # Spark writes its own event log (zstd), as a cluster's driver would; its REST API is the oracle.
    logdir = tmp_path / "spark-events"
    logdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_", "SPARKMONITOR_"))}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    out = tmp_path / "truth.json"
    script = tmp_path / "elsewhere.py"
    script.write_text(SPARK_SCRIPT)
    subprocess.run(
        [sys.executable, str(script), str(logdir), str(out)],
        env=env,
        check=True,
        timeout=240,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    truth = json.loads(out.read_text())
    files = list(logdir.iterdir())
    assert len(files) == 1 and files[0].name.endswith(".zstd"), files
    broken = tmp_path / "broken.json"
    broken.write_text('{"Event":"SparkListenerLogStart","Spark Version":"4.1.1"}\n{"Event": oops\n')

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}")
        status = page.locator("#eventlog-status")
        page.set_input_files("#eventlog-file", str(broken))
        wait_until(lambda: status.get_attribute("data-kind") == "error", 60, "the broken file to be refused")
        assert "line 2" in status.inner_text() and "broken.json" in status.inner_text(), status.inner_text()

        page.set_input_files("#eventlog-file", str(files[0]))
        wait_until(lambda: status.get_attribute("data-kind") == "ok", 120, "the event log to be opened")
        row = wait_until(lambda: dashboard_row(page, "past-apps", truth["appId"]), 60, "the opened application's row")
        want = job_counts(truth["jobs"])
        assert {k: row[k] for k in want} == want and row["source"] == "opened event log", (row, want)
        save_screenshot(page, "history-opened-event-log.png")
    finally:
        page.close()
    app = jupyter.get_json(f"sparkmonitor/api/apps/{truth['appId']}")["data"]
    got = sorted(
        (j["jobId"], j["status"], j["numTasks"], j["numCompletedTasks"], j["numSkippedTasks"]) for j in app["jobs"]
    )
    assert got == sorted(
        (j["jobId"], j["status"], j["numTasks"] - j["numSkippedTasks"], j["numCompletedTasks"], j["numSkippedTasks"])
        for j in truth["jobs"]
    )
