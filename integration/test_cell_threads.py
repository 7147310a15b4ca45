"""End to end: jobs that a cell starts from Python threads are under that cell (docs: User guide § Which jobs are under
which cell).

One notebook, run with Run All: a cell runs jobs in two `threading.Thread`s, one submits them to a
`ThreadPoolExecutor` made (and its worker threads started) in an earlier cell, one in PySpark's `InheritableThread`s,
one runs a Structured Streaming query for a few micro-batches (its jobs are counted in the cell's streaming panel,
not listed as rows), and the last runs a long job in a thread, which the test
cancels with the cell monitor's "Cancel this cell's jobs". In PySpark's pinned thread mode each Python thread has its
own JVM thread, so only the kernel hook's cell marks (the cell that was running when Spark started the job) put those
jobs under their cell.

The oracle is Spark's REST API (`/api/v1/applications/<app>/jobs`): each thread puts its jobs in a job group named
after its cell (the monitor does not look at job groups), and the streaming query's jobs are those of its run id. Each
cell's monitor must show exactly those jobs with Spark's counts, the cancelled one CANCELLED (Spark: FAILED), and the
same again after a page reload.
"""

from __future__ import annotations

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    monitor,
    open_and_run_all,
    save_screenshot,
    shown_job,
    spark_jobs,
    wait_until,
    write_notebook,
)
from test_cell_monitor import MONITORS

# Each thread sets its own job group (local properties are per thread): the oracle's name for its cell's jobs.
CELLS = [
    {
        "id": "t1-session-and-pool",
        "source": (
            "import threading, time\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "from pyspark import InheritableThread\n"
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "sc = spark.sparkContext\n"
            "def job(group, n=100, parts=2):\n"
            "    sc.setJobGroup(f'oracle-{group}', 'oracle')\n"
            "    return sc.parallelize(range(n), parts).map(lambda x: x * 2).sum()\n"
            "pool = ThreadPoolExecutor(2)\n"
            "both = threading.Barrier(2)\n"
            "list(pool.map(lambda _: both.wait(), range(2)))\n"  # both worker threads exist from now on
            "job('t1-session-and-pool')"
        ),
    },
    {
        "id": "t2-threads",
        "source": (
            "threads = [threading.Thread(target=job, args=('t2-threads', 100, p)) for p in (2, 3)]\n"
            "for t in threads: t.start()\n"
            "for t in threads: t.join()"
        ),
    },
    {
        "id": "t3-earlier-pool",
        "source": "[f.result() for f in [pool.submit(job, 't3-earlier-pool', 100, p) for p in (1, 2, 4)]]",
    },
    {
        "id": "t4-inheritable",
        "source": (
            "threads = [InheritableThread(target=job, args=('t4-inheritable', 50, p)) for p in (2, 5)]\n"
            "for t in threads: t.start()\n"
            "for t in threads: t.join()"
        ),
    },
    {
        "id": "t5-stream",
        "source": (
            "q = (spark.readStream.format('rate').option('rowsPerSecond', 20).load()\n"
            "     .writeStream.format('memory').queryName('ticks').trigger(processingTime='1 second').start())\n"
            "open('stream-run-id', 'w').write(str(q.runId))\n"
            "open('stream-query-id', 'w').write(str(q.id))\n"
            "while q.lastProgress is None or q.lastProgress['batchId'] < 3:\n"
            "    q.awaitTermination(0.5)\n"
            "q.stop()"
        ),
    },
    {
        "id": "t6-cancel",
        "source": (
            "def long_job():\n"
            "    try:\n"
            "        sc.setJobGroup('oracle-t6-cancel', 'oracle')\n"
            "        sc.parallelize(range(400), 4).map(lambda x: time.sleep(0.5) or x).count()\n"
            "    except Exception as e:\n"
            "        print('the thread saw', type(e).__name__)\n"
            "t = threading.Thread(target=long_job)\n"
            "t.start(); t.join()"
        ),
    },
]

THREAD_CELLS = ["t1-session-and-pool", "t2-threads", "t3-earlier-pool", "t4-inheritable"]


def test_jobs_of_a_cells_threads_are_under_that_cell(jupyter, browser):
    write_notebook(jupyter.root / "threads.ipynb", CELLS)
    page, _ = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/threads.ipynb?token={jupyter.token}", "threads.ipynb", 1800
    )

    # Cancel from the cell's monitor: the thread's running job is under the cell, and the cell's cancel stops it.
    cancel = monitor(page, "t6-cancel")
    running = cancel.locator('tr.sm-job[data-status="RUNNING"]').first
    try:
        running.wait_for(timeout=240_000)
    finally:
        save_screenshot(page, "threads-running.png")
    job_id = int(running.get_attribute("data-job-id"))
    cancel.locator("button.sm-cancel-cell").click()
    page.wait_for_function(ALL_CELLS_DONE, timeout=60_000, polling=250)

    apps = [a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("threads.ipynb")]
    assert len(apps) == 1, apps
    app = apps[0]
    run_id = (jupyter.root / "stream-run-id").read_text()
    truth = wait_until(lambda: spark_jobs(app["uiUrl"], app["appId"]), 60, "Spark's REST API to list the jobs")
    by_cell = {c: [j for j in truth if j.get("jobGroup") == f"oracle-{c}"] for c in THREAD_CELLS + ["t6-cancel"]}
    by_cell["t5-stream"] = [j for j in truth if j.get("jobGroup") == run_id]
    assert [len(by_cell[c]) for c in THREAD_CELLS] == [1, 2, 3, 2], {c: len(v) for c, v in by_cell.items()}
    assert len(by_cell["t5-stream"]) >= 2, "the micro-batches ran jobs"
    assert len(by_cell["t6-cancel"]) == 1 and by_cell["t6-cancel"][0]["jobId"] == job_id, by_cell["t6-cancel"]
    assert by_cell["t6-cancel"][0]["status"] == "FAILED", "Spark says FAILED for a cancelled job"
    assert sum(len(v) for v in by_cell.values()) == len(truth), "every job of the app is one cell's"

    expected = {c: {str(j["jobId"]): shown_job(j) for j in jobs} for c, jobs in by_cell.items() if c != "t6-cancel"}
    # The streaming query's micro-batch jobs are not rows of its cell: the cell's streaming panel stands for them.
    expected["t5-stream"] = {}
    query_id = (jupyter.root / "stream-query-id").read_text()
    panel = monitor(page, "t5-stream").locator(f'.sm-stream[data-query-id="{query_id}"]')
    panel.wait_for(timeout=60_000)
    wait_until(
        lambda: f"{len(by_cell['t5-stream'])} jobs" in panel.locator(".sm-stream-count").inner_text(),
        60,
        "the stream cell's panel to count Spark's micro-batch jobs",
    )

    def shown_as_spark():
        shown = page.evaluate(MONITORS)
        cancelled = {k: v["status"] for k, v in shown.pop("t6-cancel", {}).items()}
        return shown == expected and cancelled == {str(job_id): "CANCELLED"}

    try:
        wait_until(shown_as_spark, 60, f"each cell's monitor to show Spark's jobs of that cell: {expected}")
    finally:
        save_screenshot(page, "threads-cells.png")

    # A reloaded page gets the same view from the server.
    page.reload()
    page.wait_for_function(NOTEBOOK_READY, arg="threads.ipynb", timeout=120_000, polling=250)
    try:
        wait_until(shown_as_spark, 60, "the same view after a page reload")
    finally:
        save_screenshot(page, "threads-cells-reloaded.png")
    page.close()
