"""End to end on a standalone cluster: a job that fails because its executor was killed shows an "executor lost" card.

Reuses test_cluster.py's cluster (a master and two one-core workers from the installed PySpark). The notebook's
session sets spark.task.maxFailures=1, so the task running on the executor the test kills (SIGKILL) fails the job.
The oracle is Spark's REST API: the card must name the REST job, its FAILED stage and the killed executor, which is
the executor of the stage's failed task.
"""

from __future__ import annotations

import os
import signal

from conftest import (
    ALL_CELLS_DONE,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    spark_api,
    wait_until,
    write_notebook,
)
from test_cluster import cells, cluster, executor_pid, kernel_app  # noqa: F401 (cluster: the fixture)
from test_failure_card import CARDS, expected_card


def test_killed_executor_shows_an_executor_lost_card(cluster, jupyter, browser):  # noqa: F811
    wait_until(
        lambda: all(w["coresused"] == 0 for w in cluster.state()["workers"] if w["state"] == "ALIVE"),
        120,
        "the workers' cores to be free",
    )
    session = cells(cluster.url)[0]["source"].replace(
        "appName('cluster-test')", "appName('cluster-lost').config('spark.task.maxFailures', '1')"
    )
    job = (
        "sc.setJobGroup('oracle-lost', 'lost')\nsc.parallelize(range(60), 60).map(lambda x: time.sleep(1) or x).count()"
    )
    write_notebook(
        jupyter.root / "lost.ipynb",
        [{"id": "lost-session", "source": session}, {"id": "lost", "source": job, "tags": ["raises-exception"]}],
    )
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/lost.ipynb?token={jupyter.token}", "lost.ipynb", 1200
    )
    try:
        app = kernel_app(jupyter, kernel_id)
        ui, app_id = app["uiUrl"], app["appId"]

        def busy_executor():
            jobs = [j for j in spark_api(ui, app_id, "jobs") if j.get("jobGroup") == "oracle-lost"]
            if not jobs or jobs[0]["status"] != "RUNNING" or jobs[0]["numCompletedTasks"] < 2:
                return None
            busy = [e["id"] for e in spark_api(ui, app_id, "executors") if e["id"] != "driver" and e["activeTasks"]]
            return busy[0] if busy else None

        lost = wait_until(busy_executor, 240, "the job to run with a few tasks done")
        os.kill(executor_pid(app_id, lost), signal.SIGKILL)
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)

        want = expected_card(ui, app_id, "lost", "executorLost", 2)
        assert want["executor"] == lost, (want, lost)

        def card():
            cards = page.evaluate(CARDS, "lost")
            return cards if len(cards) == 1 and {k: cards[0][k] for k in want} == want else None

        try:
            shown = wait_until(card, 60, f"the card to show {want}")[0]
        except AssertionError:
            raise AssertionError(f"want {want}, page shows {page.evaluate(CARDS, 'lost')}") from None
        assert shown["title"] == "Executor lost" and f"executor {lost}" in shown["task"], shown
        assert "ExecutorLostFailure" in shown["exception"], shown
    finally:
        save_screenshot(page, "failure-card-lost.png")
        page.close()
        shutdown_kernel(jupyter, kernel_id)
