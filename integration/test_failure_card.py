"""End to end: failed cells show one failure card each, with the category, the cell's line and the stage Spark reports.

A notebook in real JupyterLab (local[2] PySpark driver with the listener jar, headless Chromium) runs a fault per
cell: a Python UDF raising ZeroDivisionError at a known line, a collect over spark.driver.maxResultSize, a job cancelled
while it runs, and a UDF running out of memory (its Python worker limited to 1 GiB, as spark.executor.pyspark.memory
would; last, since the worker keeps the limit). Each
cell puts its job in a job group named after it, so the test finds the cell's job in Spark's REST API (the oracle):
the card's job and failed stage must be the REST job's FAILED stage, its executor and attempts the REST stage's last
failed task, and its line the cell frame in that task's error message (which must be the line the cell raises at).
"""

from __future__ import annotations

import re

from conftest import (
    ALL_CELLS_DONE,
    monitor,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    spark_api,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot
from test_cluster import kernel_app, rest

SESSION = (
    "from pyspark.sql import SparkSession, functions as F\n"
    "spark = (SparkSession.builder.master('local[2]')\n"
    "         .config('spark.driver.maxResultSize', '1m').getOrCreate())\n"
    "sc = spark.sparkContext\n"
)

# cell id → (source, category, the cell line the card names: where the Python traceback through the cell ends, else
# the line that started the job)
FAULTS = {
    "udf": (
        "sc.setJobGroup('oracle-udf', 'udf')\n"
        "@F.udf('int')\n"
        "def inverse(x):\n"
        "    y = x - 7\n"
        "    return 100 // y\n"
        "spark.range(0, 20, numPartitions=2).select(inverse('id')).collect()",
        "pythonUdf",
        5,
    ),
    "result": (
        "sc.setJobGroup('oracle-result', 'result')\n"
        "spark.range(0, 400000, numPartitions=4).selectExpr('uuid() AS s', 'uuid() AS t').collect()",
        "driverOutOfMemory",
        2,
    ),
    "cancel": (
        "import threading, time\n"
        "sc.setJobGroup('oracle-cancel', 'cancel')\n"
        "def cancel_when_running():\n"
        "    while not sc.statusTracker().getJobIdsForGroup('oracle-cancel'):\n"
        "        time.sleep(0.05)\n"
        "    sc.cancelJobGroup('oracle-cancel')\n"
        "threading.Thread(target=cancel_when_running, daemon=True).start()\n"
        "sc.parallelize(range(2), 2).map(lambda x: time.sleep(60) or x).collect()",
        "cancelled",
        8,
    ),
    "memory": (
        "sc.setJobGroup('oracle-memory', 'memory')\n"
        "@F.udf('int')\n"
        "def grow(x):\n"
        "    import resource\n"
        "    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))\n"
        "    return len(bytearray(1 << 30))\n"
        "spark.range(0, 2, numPartitions=1).select(grow('id')).collect()",
        "executorOutOfMemory",
        6,
    ),
}

CELL_FRAME = re.compile(r'File "[^"]*ipykernel_\d+/\d+\.py", line (\d+)')

# The failure cards under a cell, as the user sees them.
CARDS = """cellId => [...document.querySelectorAll(
    `.sm-cell-monitor[data-cell-id="${cellId}"] .sm-failure-card`)].map(c => ({
  category: c.dataset.category, job: Number(c.dataset.jobId), stage: c.dataset.stageId, line: c.dataset.line,
  executor: c.dataset.executorId, title: c.querySelector('.sm-fc-title').textContent,
  fix: c.querySelector('.sm-fc-fix').textContent, where: c.querySelector('.sm-fc-where').textContent,
  task: c.querySelector('.sm-fc-task')?.textContent ?? '', call: c.querySelector('.sm-fc-call')?.textContent ?? '',
  exception: c.querySelector('.sm-fc-exception')?.textContent ?? '',
  open: [...c.querySelectorAll('details.sm-fc-trace')].map(d => d.open),
}))"""


def expected_card(ui: str, app_id: str, cell: str, category: str, line: int | None) -> dict:
    """What the card of the cell's job must say, from Spark's REST API."""
    jobs = [j for j in rest(ui, app_id, "jobs") if j.get("jobGroup") == f"oracle-{cell}"]
    assert len(jobs) == 1 and jobs[0]["status"] == "FAILED", jobs
    job = jobs[0]
    stages = [s for s in rest(ui, app_id, "stages") if s["stageId"] in job["stageIds"] and s["status"] == "FAILED"]
    assert len(stages) == 1, stages
    stage = stages[0]
    want = {"category": category, "job": job["jobId"], "stage": str(stage["stageId"]), "line": "", "executor": ""}
    failed = f"stages/{stage['stageId']}/{stage['attemptId']}/taskList?status=FAILED"
    tasks = wait_until(lambda: (spark_api(ui, app_id, failed),), 120, f"Spark's REST API ({failed})")[0]  # may be []
    if line is not None:
        want["line"] = str(line)
    if tasks:
        last = max(tasks, key=lambda t: t["taskId"])
        want["executor"] = last["executorId"]
        # A Python traceback through the cell: its innermost cell frame must be the line the card names.
        frames = CELL_FRAME.findall(last["errorMessage"])
        assert not frames or int(frames[-1]) == line, (line, last["errorMessage"])
    return want


def test_failed_cells_show_a_card_matching_spark(jupyter, browser):
    cells = [{"id": "session", "source": SESSION}] + [
        {"id": cid, "source": src, "tags": ["raises-exception"]} for cid, (src, _, _) in FAULTS.items()
    ]
    write_notebook(jupyter.root / "faults.ipynb", cells)
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/faults.ipynb?token={jupyter.token}", "faults.ipynb", 1600
    )
    try:
        page.wait_for_function(ALL_CELLS_DONE, timeout=400_000, polling=500)
        app = kernel_app(jupyter, kernel_id)
        ui, app_id = app["uiUrl"], app["appId"]
        shown = {}
        for cell, (_, category, line) in FAULTS.items():
            want = expected_card(ui, app_id, cell, category, line)
            keys = list(want)

            def card(cell=cell, want=want, keys=keys):
                cards = page.evaluate(CARDS, cell)
                return cards if len(cards) == 1 and {k: cards[0][k] for k in keys} == want else None

            try:
                cards = wait_until(card, 60, f"the {cell} cell's card to show {want}")
            except AssertionError:
                raise AssertionError(f"{cell}: want {want}, page shows {page.evaluate(CARDS, cell)}") from None
            shown[cell] = cards[0]
            assert monitor(page, cell).locator(".sm-failure-card").is_visible()
        # The words the user reads: the exception, where, what to do; the first trace of each card is open.
        udf = shown["udf"]
        assert "ZeroDivisionError" in udf["exception"] and "line 5" in udf["where"], udf
        assert udf["title"] == "Python error in a UDF" and udf["fix"] and udf["open"][0], udf
        assert udf["call"] == "called from line 6: spark.range(0, 20, numPartitions=2).select(inverse('id')).collect()"
        assert re.fullmatch(r"Task \d+ failed (once|\d+ times), last on executor driver \(.+\)", udf["task"]), udf
        assert "MemoryError" in shown["memory"]["exception"], shown["memory"]
        assert "maxResultSize" in shown["result"]["exception"], shown["result"]
        assert shown["cancel"]["title"] == "Cancelled", shown["cancel"]
        assert page.evaluate(CARDS, "session") == []
        docs_screenshot(monitor(page, "udf"), "failure-card.png")
    finally:
        save_screenshot(page, "failure-cards.png")
        shutdown_kernel(jupyter, kernel_id)
        page.close()
