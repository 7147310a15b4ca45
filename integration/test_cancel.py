"""End to end: the monitor's links into the Spark UI and its cancel buttons (spark/api/API.md § Spark UI, § Cancel).

A cell runs a long job; the test clicks the job's cancel button and the row turns CANCELLED within 2 s; the kernel
stays usable (the next cell's job succeeds under that cell); "Cancel this cell's jobs" stops a cell that runs jobs in
a loop; a job's link opens Spark's own job page through the proxy. A server in read-only mode shows no cancel button
and refuses cancels; a cancel without the CSRF header is refused.

The oracle is Spark itself: its REST API (`/api/v1/applications/<app>/jobs`, read from the driver) says which jobs ran
under which cell (each cell sets a job group named after it) and how they ended (Spark reports a cancelled job as
FAILED).
"""

from __future__ import annotations

import time
import urllib.request

import pytest

from conftest import (
    ALL_CELLS_DONE,
    monitor,
    open_and_run_all,
    save_screenshot,
    spark_jobs,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot

CSRF = {"X-Sparkmonitor-Csrf": "1"}
# Each of the 4 tasks sleeps 100 × 0.5 s: the job runs for about 50 s unless cancelled.
LONG_JOB = "spark.range(0, 400, numPartitions=4).rdd.map(lambda x: time.sleep(0.5) or x).count()"
CANCEL_DEADLINE_S = 2.0

CELLS = [
    {
        "id": "k1-session",
        "source": (
            "import time\n"
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "spark.sparkContext.setJobGroup('oracle-k1-session', 'oracle')\n"
            "spark.range(0, 1000, numPartitions=2).count()"
        ),
    },
    {
        "id": "k2-long",
        "tags": ["raises-exception"],  # the cancelled job raises in the cell; Run All goes on
        "source": f"spark.sparkContext.setJobGroup('oracle-k2-long', 'oracle')\n{LONG_JOB}",
    },
    {
        "id": "k3-after",
        "source": (
            "spark.sparkContext.setJobGroup('oracle-k3-after', 'oracle')\n"
            "spark.range(0, 10_000, numPartitions=4).selectExpr('sum(id)').collect()"
        ),
    },
    {
        "id": "k4-loop",
        "tags": ["raises-exception"],
        "source": (
            "spark.sparkContext.setJobGroup('oracle-k4-loop', 'oracle')\n"
            "for i in range(100):\n"
            "    spark.range(0, 40, numPartitions=4).rdd.map(lambda x: time.sleep(0.5) or x).count()"
        ),
    },
]


def app_of(jupyter, notebook: str) -> dict:
    apps = [a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith(notebook)]
    assert len(apps) == 1, f"one Spark application expected for {notebook}, monitor lists {apps}"
    return apps[0]


def cell_jobs(app: dict, cell_id: str) -> list[dict]:
    return [j for j in spark_jobs(app["uiUrl"], app["appId"]) if j.get("jobGroup") == f"oracle-{cell_id}"]


def get_with_token(jupyter, url: str) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Authorization": f"token {jupyter.token}"})
    with urllib.request.urlopen(req, timeout=20) as resp:
        return resp.status, resp.read().decode(errors="replace")


def test_links_and_cancel(jupyter, browser):
    write_notebook(jupyter.root / "cancel.ipynb", CELLS)
    page, _ = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/cancel.ipynb?token={jupyter.token}", "cancel.ipynb", 1400
    )
    long_cell = monitor(page, "k2-long")
    running = long_cell.locator('tr.sm-job[data-status="RUNNING"]').first
    running.wait_for(timeout=180_000)
    job_id = int(running.get_attribute("data-job-id"))
    app = app_of(jupyter, "cancel.ipynb")
    assert app.get("uiPath"), f"a running app with a Spark UI has a uiPath: {app}"
    assert app.get("cancelEnabled") is True, f"cancel is on by default: {app}"

    # Links: the header links the app's Spark UI; the job id links Spark's job page, which answers through the proxy.
    app_link = long_cell.locator('.sm-header a.sm-ui-link[data-kind="app"]')
    app_link.wait_for(timeout=10_000)
    assert app_link.get_attribute("target") == "_blank" and "noopener" in app_link.get_attribute("rel")
    job_link = running.locator('a.sm-ui-link[data-kind="job"]')
    href = job_link.get_attribute("href")
    assert href.startswith(f"{jupyter.url}sparkmonitor/ui/") and href.endswith(f"/jobs/job/?id={job_id}"), href
    status, html = get_with_token(jupyter, href)
    assert status == 200 and f"Details for Job {job_id}" in html, f"{href} answered {status}: {html[:500]}"
    # Clicking the link opens the page in a new tab and does not expand the row.
    with page.context.expect_page(timeout=20_000) as opened:
        job_link.click()
    spark_page = opened.value
    spark_page.get_by_text(f"Details for Job {job_id}").first.wait_for(timeout=30_000)
    docs_screenshot(spark_page.locator("body"), "spark-ui.png")
    spark_page.close()
    assert running.get_attribute("data-expanded") == "false"

    # Expanding the running job shows its active stage with a link and a cancel button.
    running.locator("td.sm-job-name").click()
    active = long_cell.locator('tr.sm-stage[data-status="ACTIVE"]').first
    active.wait_for(timeout=20_000)
    assert (
        active.locator('a.sm-ui-link[data-kind="stage"]')
        .get_attribute("href")
        .endswith(
            f"/stages/stage/?id={active.get_attribute('data-stage-id')}&attempt={active.get_attribute('data-attempt')}"
        )
    )
    assert active.locator("button.sm-cancel-stage").count() == 1
    assert long_cell.locator("button.sm-cancel-cell").count() == 1

    # A cancel without the CSRF header is refused, and the job keeps running.
    status, body = jupyter.post(f"sparkmonitor/api/apps/{app['appId']}/jobs/{job_id}/cancel")
    assert status == 403 and body and body.get("errorType") == "forbidden", (status, body)

    # Cancel: the row turns CANCELLED within 2 s of the click.
    row = long_cell.locator(f'tr.sm-job[data-job-id="{job_id}"]')
    button = row.locator("button.sm-cancel-job")
    assert button.get_attribute("aria-label"), "the cancel button has an accessible name"
    button.click()
    clicked = time.monotonic()
    cancelled = long_cell.locator(f'tr.sm-job[data-job-id="{job_id}"][data-status="CANCELLED"]')
    try:
        cancelled.wait_for(timeout=CANCEL_DEADLINE_S * 1000)
    finally:
        save_screenshot(page, "cancel-job.png")
    took = time.monotonic() - clicked
    assert took <= CANCEL_DEADLINE_S, f"the job row took {took:.2f}s to show CANCELLED"
    docs_screenshot(page.locator('.jp-Cell:has(.sm-cell-monitor[data-cell-id="k2-long"])'), "cancel.png")
    assert long_cell.locator(".sm-error").is_hidden(), long_cell.locator(".sm-error").inner_text()
    assert row.locator("button.sm-cancel-job").count() == 0, "no cancel button on a job that ended"
    wait_until(
        lambda: [j["status"] for j in cell_jobs(app, "k2-long") if j["jobId"] == job_id] == ["FAILED"],
        20,
        f"Spark to report job {job_id} as FAILED (its word for cancelled)",
    )

    # The kernel stays usable: the next cell's job succeeds, under that cell.
    after = monitor(page, "k3-after").locator('tr.sm-job[data-status="SUCCEEDED"]')
    after.first.wait_for(timeout=120_000)
    # The cell may run a second job (adaptive execution) after the first one succeeded: read Spark's jobs once the
    # cell's execution is over.
    page.wait_for_function(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
                 .find(c => c.model.id === 'k3-after').model.executionCount !== null""",
        timeout=60_000,
        polling=250,
    )
    truth = cell_jobs(app, "k3-after")
    assert truth and all(j["status"] == "SUCCEEDED" for j in truth), truth
    wait_until(lambda: after.count() == len(truth), 20, f"the page to show k3's {len(truth)} succeeded jobs")

    # "Cancel this cell's jobs" stops a cell that runs jobs in a loop.
    loop = monitor(page, "k4-loop")
    loop.locator('tr.sm-job[data-status="RUNNING"]').first.wait_for(timeout=120_000)
    cancel_cell = loop.locator("button.sm-cancel-cell")
    assert cancel_cell.get_attribute("aria-label")
    cancel_cell.click()
    page.wait_for_function(ALL_CELLS_DONE, timeout=60_000, polling=250)
    save_screenshot(page, "cancel-cell.png")
    truth = cell_jobs(app, "k4-loop")
    assert 0 < len(truth) < 100, f"the loop stopped early: {len(truth)} jobs"
    assert all(j["status"] != "RUNNING" for j in truth)
    last = max(truth, key=lambda j: j["jobId"])
    assert last["status"] == "FAILED", f"the loop's last job was cancelled (Spark says FAILED): {last}"
    assert all(j["status"] == "SUCCEEDED" for j in truth if j is not last), truth
    wait_until(
        lambda: (
            loop.locator('tr.sm-job[data-status="RUNNING"]').count() == 0
            and loop.locator(f'tr.sm-job[data-job-id="{last["jobId"]}"][data-status="CANCELLED"]').count() == 1
        ),
        10,
        "the loop's last job to show CANCELLED and none RUNNING",
    )
    assert loop.locator("button.sm-cancel-cell").count() == 0, "no cell cancel once the cell runs nothing"
    page.close()


@pytest.fixture(scope="module")
def read_only_jupyter(tmp_path_factory):
    server = start_jupyter(tmp_path_factory.mktemp("jupyter-ro"), extra_env={"SPARKMONITOR_READ_ONLY": "1"})
    yield server
    stop_jupyter(server)


def test_read_only_server_shows_no_cancel_and_refuses_it(read_only_jupyter, browser):
    jupyter = read_only_jupyter
    write_notebook(
        jupyter.root / "ro.ipynb",
        [
            {
                "id": "r1",
                "source": (
                    "import time\n"
                    "from pyspark.sql import SparkSession\n"
                    "spark = SparkSession.builder.getOrCreate()\n"
                    "spark.range(0, 40, numPartitions=4).rdd.map(lambda x: time.sleep(0.5) or x).count()"
                ),
            }
        ],
    )
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/ro.ipynb?token={jupyter.token}", "ro.ipynb")
    m = monitor(page, "r1")
    running = m.locator('tr.sm-job[data-status="RUNNING"]').first
    running.wait_for(timeout=180_000)
    job_id = running.get_attribute("data-job-id")
    app = app_of(jupyter, "ro.ipynb")
    assert app.get("cancelEnabled") is False, f"read-only: cancel is off: {app}"
    # The page has the app (its header shows it) and draws no cancel control for it.
    m.locator(".sm-app").wait_for(timeout=10_000)
    running.locator("td.sm-job-name").click()
    m.locator("tr.sm-stage").first.wait_for(timeout=20_000)
    assert m.locator("button.sm-cancel").count() == 0, "no cancel button on a read-only server"
    save_screenshot(page, "cancel-read-only.png")

    status, body = jupyter.post(f"sparkmonitor/api/apps/{app['appId']}/jobs/{job_id}/cancel", CSRF)
    assert status == 403 and body and body.get("errorType") == "forbidden", (status, body)
    status, body = jupyter.post("sparkmonitor/api/cells/r1/cancel", CSRF)
    assert status == 403, (status, body)
    page.close()
