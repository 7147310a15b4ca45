"""End to end: "why is nothing moving?" under a running cell, and "Inspect" on a slow task.

Real JupyterLab, a real PySpark driver in the notebook's kernel, real headless Chromium. After 10 s without progress
in a running cell the cell monitor shows one line saying why; each test waits for it with a deadline of 15 s after
the last progress that Spark's own REST API shows, and checks the figures against that API:
- a standalone cluster asked for more cores per executor than any worker has: waiting for executors, with the
  pending tasks, cores and executors of `stages?status=active` and `executors`;
- a `time.sleep(30)` cell after the SparkSession exists: Python running, no Spark job (`jobs?status=running` empty);
- one straggler (one partition sleeps 60 s in the JVM): the task Spark's `taskList` shows RUNNING, with its time
  against the median of the finished ones; its Inspect shows the task thread's stack with a `sleep` frame, as the
  driver's `executors/driver/threads` does.
"""

from __future__ import annotations

import re
import statistics
import time

from conftest import monitor, open_and_run_all, save_screenshot, shutdown_kernel, spark_api, wait_until, write_notebook
from docs_screenshots import docs_screenshot
from test_cluster import cluster, kernel_app, spark_time  # noqa: F401 (cluster: the standalone cluster fixture)

DEADLINE_S = 15  # a wait shows at most this long after the last progress


def wait_line(page, cell_id: str) -> dict | None:
    """The wait line under the cell: its kind and message, or None while hidden."""
    return monitor(page, cell_id).evaluate_all(
        """ms => ms.length && !ms[0].querySelector('.sm-waits').hidden ? {
             kind: ms[0].querySelector('.sm-waits').dataset.kind,
             message: ms[0].querySelector('.sm-waits-message').textContent} : null"""
    )


def wait_shown(page, cell_id: str, kind: str, since_ms: int, check=None) -> dict:
    """Waits until the cell's wait line shows `kind` (and `check(line)` holds), failing once DEADLINE_S have passed
    since `since_ms` (epoch ms: the last progress Spark reports)."""
    deadline = since_ms / 1000 + DEADLINE_S
    last = None
    while time.time() < deadline:
        last = wait_line(page, cell_id)
        if last and last["kind"] == kind and (check is None or check(last)):
            return last
        time.sleep(0.2)
    save_screenshot(page, f"waits-{kind}-late.png")
    raise AssertionError(f"no {kind!r} wait under {cell_id} within {DEADLINE_S} s of {since_ms}: last {last}")


LOCAL_SESSION = (
    "import time\n"
    "from pyspark.sql import SparkSession\n"
    "spark = (SparkSession.builder.master('local[2]').appName('waits-test')\n"
    "    .config('spark.ui.showConsoleProgress', 'false').getOrCreate())\n"
    "spark.range(1).count()"
)

STRAGGLER_QUERY = (
    "spark.range(0, 4, 1, 4).selectExpr(\n"
    "    \"if(id = 3, java_method('java.lang.Thread', 'sleep', 60000L), 'x') as s\").collect()"
)


def test_python_running_then_a_straggler_inspected(jupyter, browser):
    write_notebook(
        jupyter.root / "waits.ipynb",
        [
            {"id": "w-session", "source": LOCAL_SESSION},
            {"id": "w-sleep", "source": "open('sleep-start.txt', 'w').write(repr(time.time()))\ntime.sleep(30)"},
            {"id": "w-straggler", "source": STRAGGLER_QUERY},
        ],
    )
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/waits.ipynb?token={jupyter.token}", "waits.ipynb", 1400
    )
    try:
        app = kernel_app(jupyter, kernel_id)
        ui, app_id = app["uiUrl"], app["appId"]

        # The sleeping cell: no Spark job runs (Spark's REST API), and the line says Python runs.
        started = wait_until(
            lambda: float((jupyter.root / "sleep-start.txt").read_text() or 0), 300, "the sleeping cell to start"
        )
        line = wait_shown(page, "w-sleep", "python", int(started * 1000))
        assert line["message"].startswith("Python is running, no Spark job"), line
        assert spark_api(ui, app_id, "jobs?status=running") == [], "a Spark job runs: the wait would be wrong"
        save_screenshot(page, "waits-python.png")
        # Once the cell ends, a monitor that only said why nothing moved goes: the cell ran no Spark job.
        wait_until(lambda: monitor(page, "w-sleep").count() == 0, 90, "the job-less cell's monitor to go once it ended")

        # The straggler: three tasks done, the fourth sleeping in the JVM. The oracle is Spark's task list of the
        # stage: its RUNNING row. (`taskList?sortBy=-runtime` lists a running task last: its executorRunTime is 0
        # until it ends.)
        def one_left():
            for st in spark_api(ui, app_id, "stages?status=active"):
                if st["numCompleteTasks"] == 3 and st["numActiveTasks"] == 1:
                    return st
            return None

        stage = wait_until(one_left, 300, "the query's stage to have three tasks done and one running")
        tasks = spark_api(ui, app_id, f"stages/{stage['stageId']}/{stage['attemptId']}/taskList?sortBy=-runtime")
        running = [t for t in tasks if t["status"] == "RUNNING"]
        done = [t for t in tasks if t["status"] == "SUCCESS"]
        assert len(running) == 1 and len(done) == 3, tasks
        straggler = running[0]["taskId"]
        last_end = max(spark_time(t["launchTime"]) + t["duration"] for t in done)
        line = wait_shown(page, "w-straggler", "straggler", last_end, lambda w: f"task {straggler} " in w["message"])
        median = statistics.median_low(t["duration"] for t in done)
        shown = re.search(r"the median \((\d+) ms|the median \((\d+\.\d) s", line["message"])
        assert shown, line
        shown_ms = int(shown.group(1)) if shown.group(1) else float(shown.group(2)) * 1000
        assert abs(shown_ms - median) <= max(0.15 * median, 50), (line, median)
        save_screenshot(page, "waits-straggler.png")
        docs_screenshot(monitor(page, "w-straggler"), "waits.png")

        # Inspect: the task thread's live stack, with the sleep frame the driver's thread dump shows.
        truth = [
            t
            for t in spark_api(ui, app_id, "executors/driver/threads")
            if t["threadName"].endswith(f"(TID {straggler})")
        ]
        assert truth and any("sleep" in f for f in truth[0]["stackTrace"]["elems"]), truth
        m = monitor(page, "w-straggler")
        m.locator(f'.sm-inspect[data-task-id="{straggler}"]').click()
        stack = m.locator(".sm-inspector-stack")
        wait_until(lambda: "java.lang.Thread.sleep" in stack.text_content(), 30, "the task's stack with sleep")
        assert f"(TID {straggler})" in m.locator(".sm-inspector-status").text_content()
        save_screenshot(page, "waits-inspect.png")
        docs_screenshot(m, "inspect.png")
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)


def test_waiting_for_executors_on_a_cluster_without_room(cluster, jupyter, browser):  # noqa: F811
    session = (
        "import os\n"
        "os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'\n"
        "from pyspark.sql import SparkSession\n"
        f"spark = (SparkSession.builder.master('{cluster.url}').appName('waits-cluster')\n"
        "    .config('spark.executor.cores', '2').config('spark.executor.memory', '512m')\n"
        "    .config('spark.driver.host', '127.0.0.1').config('spark.driver.bindAddress', '127.0.0.1')\n"
        "    .config('spark.ui.showConsoleProgress', 'false').getOrCreate())\n"
        "sc = spark.sparkContext"
    )
    write_notebook(
        jupyter.root / "waits-cluster.ipynb",
        [{"id": "wc-session", "source": session}, {"id": "wc-job", "source": "sc.parallelize(range(6), 6).count()"}],
    )
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/waits-cluster.ipynb?token={jupyter.token}", "waits-cluster.ipynb", 1200
    )
    try:
        app = kernel_app(jupyter, kernel_id)
        ui, app_id = app["uiUrl"], app["appId"]
        active = wait_until(lambda: spark_api(ui, app_id, "stages?status=active"), 300, "the job's stage to start")
        stage = active[0]
        job = spark_api(ui, app_id, "jobs?status=running")[0]
        executors = [e for e in spark_api(ui, app_id, "executors") if e["id"] != "driver"]
        cores = sum(e["totalCores"] for e in executors)
        pending = stage["numTasks"] - stage["numActiveTasks"] - stage["numCompleteTasks"]
        want = (
            f"Waiting for executors: {pending} tasks pending, {cores} of {cores} cores free, "
            f"{len(executors)} executors."
        )
        assert pending == 6 and not executors, (stage, executors)
        line = wait_shown(page, "wc-job", "resources", spark_time(stage["submissionTime"]))
        assert line["message"] == want, (line, want, job)
        save_screenshot(page, "waits-executors.png")
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)  # its driver ends, and its job with it
