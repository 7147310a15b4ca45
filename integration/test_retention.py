"""End to end: retention.maxJobsPerApp with a real PySpark driver, a real JupyterLab and Chromium.

With `retention.maxJobsPerApp: 10` in the monitor's config file, a cell runs 30 Spark jobs. Spark's REST API is the
oracle: it lists 30. The monitor's API holds at most 10, the newest, and evictedJobs counts the others; the cell
monitor says "N older jobs not kept", and after a page reload it lists only the jobs kept; the dashboard's jobs
column says it too.
"""

from __future__ import annotations

import pytest

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    monitor,
    open_and_run_all,
    save_screenshot,
    spark_jobs,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)

SPARK_START_S = 240  # a cold JVM on two cores shared with other tests
MAX_JOBS = 10
N_JOBS = 30

CELLS = [
    {
        "id": "c1",
        "source": (
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            f"for i in range({N_JOBS}):\n"
            "    spark.sparkContext.parallelize(range(4), 2).count()\n"
        ),
    },
]


@pytest.fixture(scope="module")
def jupyter_retention(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyter-retention")
    config_dir = tmp / "jupyter-config"  # start_jupyter's JUPYTER_CONFIG_DIR
    config_dir.mkdir()
    (config_dir / "sparkmonitor.yaml").write_text(f"retention:\n  maxJobsPerApp: {MAX_JOBS}\n")
    jupyter = start_jupyter(tmp)
    try:
        yield jupyter
    finally:
        stop_jupyter(jupyter)


def test_jobs_beyond_the_bound_are_dropped_and_the_user_is_told(jupyter_retention, browser):
    jupyter = jupyter_retention
    write_notebook(jupyter.root / "retention.ipynb", CELLS)
    page, _ = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/retention.ipynb?token={jupyter.token}", "retention.ipynb"
    )
    try:
        page.wait_for_function(ALL_CELLS_DONE, timeout=SPARK_START_S * 1000, polling=500)

        def settled():
            apps = [
                a
                for a in jupyter.get_json("sparkmonitor/api/apps")["data"]
                if a["notebookPath"].endswith("retention.ipynb")
            ]
            return apps[0] if apps and apps[0]["numJobs"] + apps[0]["evictedJobs"] == N_JOBS else None

        app = wait_until(settled, 60, f"the monitor to have seen the {N_JOBS} jobs")

        # Spark's REST API may be slow to answer on a loaded machine: retried until it lists the jobs.
        def spark_lists_all():
            jobs = spark_jobs(app["uiUrl"], app["appId"])
            return jobs if len(jobs) == N_JOBS else None

        truth = wait_until(spark_lists_all, 120, f"Spark's REST API to list the {N_JOBS} jobs")
        held, evicted = app["numJobs"], app["evictedJobs"]
        assert 0 < held <= MAX_JOBS and evicted == N_JOBS - held, app
        jobs = jupyter.get_json(f"sparkmonitor/api/apps/{app['appId']}")["data"]["jobs"]
        newest = sorted(j["jobId"] for j in truth)[-held:]
        assert [j["jobId"] for j in jobs] == newest, "the newest jobs are the ones kept"

        # The cell monitor says how many the monitor dropped.
        note = f"{evicted} older jobs not kept"
        c1 = monitor(page, "c1")
        c1.locator(".sm-app", has_text=note).wait_for(timeout=30_000)
        assert "retention.maxJobsPerApp" in c1.locator(".sm-app").get_attribute("title")
        save_screenshot(page, "retention-cell-monitor.png")

        # After a reload, the cell lists the jobs kept, and still says how many were dropped.
        page.reload()
        page.wait_for_function(NOTEBOOK_READY, arg="retention.ipynb", timeout=120_000, polling=250)
        c1 = monitor(page, "c1")
        c1.locator(".sm-app", has_text=note).wait_for(timeout=60_000)
        wait_until(
            lambda: c1.locator("tr.sm-job").count() == held, 30, f"the cell monitor to list the {held} jobs kept"
        )

        # The dashboard's jobs column says it too.
        dashboard = browser.new_page(viewport={"width": 1400, "height": 700})
        try:
            dashboard.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}")
            cell = dashboard.locator(f'#apps .app[data-app-id="{app["appId"]}"] .app-jobs')
            cell.wait_for(timeout=60_000)
            wait_until(lambda: cell.get_attribute("data-evicted") == str(evicted), 30, "the dashboard's evicted count")
            assert f"({note})" in cell.inner_text(), cell.inner_text()
        finally:
            dashboard.close()
    finally:
        page.close()
