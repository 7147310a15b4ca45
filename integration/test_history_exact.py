"""End to end: what the monitor keeps on disk is as exact as what it shows.

1. The monitor binary is SIGKILLed in the middle of a 1 000-task job; jupyter-server-proxy starts it again, the
   listener reconnects and resyncs, the job finishes, the kernel is shut down; the monitor is killed and started again:
   the past application, restored from its history file, has the jobs, stages and task counts Spark's REST API gave
   before the driver stopped (before the fix: the tasks that ended while the monitor was down were missing).
2. A driver JVM is killed with SIGKILL in the middle of a job: the monitor shows its application ended as "driver
   lost" (the API's driverLost, the cell monitor's header and the dashboard, in Chromium), its running job cancelled;
   after a restart of the monitor it still does (from the history file).

Real parts: JupyterLab with jupyter-server-proxy (which restarts the monitor binary when it dies), PySpark driver JVMs
with the listener jar, headless Chromium. The oracle is Spark's REST API.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    monitor,
    save_screenshot,
    shutdown_kernel,
    spark_api,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from test_faults import apps_of, monitor_processes, run_all
from test_history import dashboard_row, job_facts, stage_facts

# The monitor's grace period before a driver whose listener went away is taken for lost (ingest.DefaultDriverLostAfter).
DRIVER_LOST_AFTER = 30

SESSION = (
    "import time\n"
    "from pyspark.sql import SparkSession\n"
    "spark = SparkSession.builder.master('local[2]').getOrCreate()\n"
    "sc = spark.sparkContext\n"
    "spark.range(0, 1000, numPartitions=2).count()"
)


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    server = start_jupyter(tmp_path_factory.mktemp("jupyter-history-exact"))
    yield server
    stop_jupyter(server)


def restart_monitor(jupyter) -> None:
    """SIGKILL of the monitor binary; jupyter-server-proxy starts it again (same ingest socket, same history)."""
    ingest = jupyter.get_json("sparkmonitor/api/health")["data"]["ingest"]
    old = monitor_processes(jupyter, ingest)
    assert len(old) == 1, old
    os.kill(old[0], signal.SIGKILL)
    new = wait_until(
        lambda: [p for p in monitor_processes(jupyter, ingest) if p != old[0]], 120, "a new monitor process"
    )
    assert len(new) == 1, new
    wait_until(lambda: jupyter.get_json("sparkmonitor/api/health")["data"]["ok"], 120, "the new monitor to answer")


def app_of(jupyter, app_id: str) -> dict:
    return jupyter.get_json(f"sparkmonitor/api/apps/{app_id}")["data"]


def monitor_job_facts(app: dict) -> list[tuple]:
    """The monitor's jobs in the shape of Spark's REST API's (job_facts): Spark counts a cancelled job as FAILED and
    puts the skipped stages' tasks in numTasks."""
    return sorted(
        (
            j["jobId"],
            "FAILED" if j["status"] == "CANCELLED" else j["status"],
            j["numTasks"] + j["numSkippedTasks"],
            j["numCompletedTasks"],
            j["numFailedTasks"],
            j["numSkippedTasks"],
            j["numCompletedStages"],
            j["numSkippedStages"],
            j["numFailedStages"],
        )
        for j in app["jobs"]
    )


def monitor_stage_facts(app: dict) -> list[tuple]:
    stages = {}
    for j in app["jobs"]:
        for s in j["stages"]:
            if s["status"] != "SKIPPED":
                stages[(s["stageId"], s["attemptId"])] = (
                    s["stageId"],
                    s["attemptId"],
                    s["status"],
                    s["numTasks"],
                    s["numCompletedTasks"],
                    s["numFailedTasks"],
                    s["numKilledTasks"],
                )
    return sorted(stages.values())


def test_killed_monitor_history_has_sparks_final_counts(jupyter, browser):
    write_notebook(
        jupyter.root / "exact.ipynb",
        [
            {"id": "x1-session", "source": SESSION},
            # 1 000 tasks of 50 ms each: long enough to kill the monitor in the middle and have tasks end meanwhile.
            {
                "id": "x2-long",
                "source": "sc.parallelize(range(1000), 1000).map(lambda x: time.sleep(0.05) or x).count()",
            },
            {"id": "x3-after", "source": "spark.range(0, 10_000, numPartitions=4).selectExpr('sum(id)').collect()"},
        ],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{jupyter.url}lab/tree/exact.ipynb?token={jupyter.token}")
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg="exact.ipynb", timeout=120_000, polling=250).json_value()
    try:
        run_all(page)
        app = wait_until(lambda: apps_of(jupyter, "exact.ipynb"), 180, "the monitor to list the application")[0]

        def long_job_midway():
            jobs = [j for j in spark_api(app["uiUrl"], app["appId"], "jobs") if j["numTasks"] == 1000]
            return jobs and jobs[0]["status"] == "RUNNING" and 100 <= jobs[0]["numCompletedTasks"] < 700

        wait_until(long_job_midway, 300, "the 1 000-task job to be between 100 and 700 tasks")
        restart_monitor(jupyter)
        wait_until(lambda: app_of(jupyter, app["appId"])["state"] == "RUNNING", 120, "the listener to reconnect")
        page.wait_for_function(ALL_CELLS_DONE, timeout=1_200_000, polling=500)
        # Spark's numbers, read before the driver stops.
        jobs = wait_until(lambda: spark_api(app["uiUrl"], app["appId"], "jobs"), 60, "Spark's jobs")
        stages = spark_api(app["uiUrl"], app["appId"], "stages")
        assert any(j["numTasks"] == 1000 and j["numCompletedTasks"] == 1000 for j in jobs), jobs
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)
    wait_until(
        lambda: app_of(jupyter, app["appId"])["state"] == "FINISHED", DRIVER_LOST_AFTER + 120, "the application to end"
    )

    restart_monitor(jupyter)
    restored = wait_until(
        lambda: (a := app_of(jupyter, app["appId"]))["source"] == "history" and a,
        120,
        "the restarted monitor to restore the application",
    )
    # FINISHED: the driver ended with the kernel (with its application end, or killed with the kernel's process
    # group and then taken for lost after the grace period: the counts are the same).
    assert restored["state"] == "FINISHED", restored["state"]
    assert monitor_job_facts(restored) == job_facts(jobs)
    assert monitor_stage_facts(restored) == stage_facts([s for s in stages if s["status"] != "SKIPPED"])


def driver_jvm(kernel_id: str) -> int:
    """The pid of the Spark driver JVM the kernel started (a child of the kernel's process)."""
    kernel = None
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if f"kernel-{kernel_id}.json".encode() in (entry / "cmdline").read_bytes():
                    kernel = int(entry.name)
            except OSError:
                continue
    assert kernel, f"no process for kernel {kernel_id}"
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                argv0 = (entry / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == kernel and argv0.endswith(b"/java"):
                return int(entry.name)
    raise AssertionError(f"no driver JVM under the kernel's process {kernel}")


def test_killed_driver_is_shown_driver_lost(jupyter, browser):
    write_notebook(
        jupyter.root / "lost.ipynb",
        [
            {"id": "l1-session", "source": SESSION},
            {"id": "l2-long", "source": "sc.parallelize(range(400), 400).map(lambda x: time.sleep(0.5) or x).count()"},
        ],
    )
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{jupyter.url}lab/tree/lost.ipynb?token={jupyter.token}")
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg="lost.ipynb", timeout=120_000, polling=250).json_value()
    dash = None
    try:
        run_all(page)
        monitor(page, "l2-long").locator('tr.sm-job[data-status="RUNNING"]').first.wait_for(timeout=300_000)
        app = wait_until(lambda: apps_of(jupyter, "lost.ipynb"), 60, "the monitor to list the application")[0]
        assert app["state"] == "RUNNING", app
        os.kill(driver_jvm(kernel_id), signal.SIGKILL)

        wait_until(lambda: app_of(jupyter, app["appId"])["state"] == "DISCONNECTED", 60, "the app to be disconnected")
        lost = wait_until(
            lambda: (a := app_of(jupyter, app["appId"]))["driverLost"] and a,
            DRIVER_LOST_AFTER + 60,
            "the app to be shown driver lost",
        )
        assert lost["state"] == "FINISHED" and lost["endTime"], lost
        long_job = [j for j in lost["jobs"] if j["numTasks"] == 400]
        assert [j["status"] for j in long_job] == ["CANCELLED"], long_job
        assert "because its driver was lost" in long_job[0]["error"], long_job

        header = monitor(page, "l2-long").locator(".sm-header .sm-app")
        wait_until(lambda: header.inner_text().endswith("driver lost"), 60, "the cell monitor to say driver lost")
        save_screenshot(page, "driver-lost-cell.png")
        dash = browser.new_page(viewport={"width": 1400, "height": 900})
        dash.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}")
        row = wait_until(lambda: dashboard_row(dash, "apps", app["appId"]), 60, "the dashboard's row")
        cell = dash.locator(f'#apps tr.app[data-app-id="{app["appId"]}"] .app-state')
        assert cell.inner_text() == "driver lost" and cell.get_attribute("data-state") == "DRIVER_LOST", row
        save_screenshot(dash, "driver-lost-dashboard.png")
    finally:
        if dash:
            dash.close()
        page.close()
        shutdown_kernel(jupyter, kernel_id)

    # The next monitor process shows it the same, from the history file.
    restart_monitor(jupyter)
    restored = wait_until(
        lambda: (a := app_of(jupyter, app["appId"]))["source"] == "history" and a, 120, "the restored application"
    )
    assert restored["state"] == "FINISHED" and restored["driverLost"], restored["state"]
    assert restored["endTime"] == lost["endTime"], (restored["endTime"], lost["endTime"])
