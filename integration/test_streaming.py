"""End to end: a Structured Streaming query started in a cell gets its own panel there (spark/api/API.md § Streaming
queries), instead of one job and SQL row per micro-batch.

A cell starts a rate source → memory sink query (1 s trigger); the next cell waits for it to end. The test watches the
query's panel until it has run at least 8 micro-batches (about 10-20 s), clicks Stop, and the waiting cell returns.
The oracle is PySpark itself: a last cell writes the query's `recentProgress`, `id` and `isActive` to a JSON file,
and Spark's REST API lists the micro-batch jobs (their job group is the query's run id).
"""

from __future__ import annotations

import json

from conftest import ALL_CELLS_DONE, monitor, open_and_run_all, save_screenshot, spark_jobs, wait_until, write_notebook
from docs_screenshots import docs_screenshot

MIN_BATCHES = 8
CELLS = [
    {
        "id": "t1-session",
        "source": "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()",
    },
    {
        "id": "t2-stream",
        "source": (
            "q = (spark.readStream.format('rate').option('rowsPerSecond', 20).option('numPartitions', 2).load()\n"
            "     .writeStream.format('memory').queryName('rate_to_memory').trigger(processingTime='1 second')\n"
            "     .start())"
        ),
    },
    {"id": "t3-wait", "source": "q.awaitTermination(600)"},
    {
        "id": "t4-oracle",
        "source": (
            "import json\n"
            "with open('streaming-oracle.json', 'w') as f:\n"
            "    json.dump({'id': q.id, 'runId': q.runId, 'active': q.isActive,\n"
            "               'recent': [json.loads(p.json) for p in q.recentProgress]}, f)"
        ),
    },
]


def test_stream_panel_matches_recent_progress_and_stops(jupyter, browser):
    write_notebook(jupyter.root / "streaming.ipynb", CELLS)
    page, _ = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/streaming.ipynb?token={jupyter.token}", "streaming.ipynb", 1400
    )
    cell = monitor(page, "t2-stream")
    panel = cell.locator(".sm-stream")
    panel.wait_for(timeout=180_000)
    # The query runs until its panel has shown MIN_BATCHES micro-batches.
    page.wait_for_function(
        """([n]) => {
            const p = document.querySelector('.sm-cell-monitor[data-cell-id="t2-stream"] .sm-stream');
            return p !== null && Number(p.dataset.numBatches) >= n;
        }""",
        arg=[MIN_BATCHES],
        timeout=240_000,
        polling=250,
    )
    assert panel.get_attribute("data-status") == "ACTIVE"
    assert "rate_to_memory" in panel.locator(".sm-stream-title").inner_text()
    assert panel.locator(".sm-stream-sink").inner_text().endswith("MemorySink")
    assert "addBatch" in panel.locator(".sm-stream-parts").inner_text()
    save_screenshot(page, "streaming-panel.png")
    docs_screenshot(panel, "streaming.png")

    stop = panel.locator("button.sm-stream-stop")
    assert stop.is_visible()
    stop.click()
    page.wait_for_function(ALL_CELLS_DONE, timeout=180_000, polling=250)
    oracle = json.loads((jupyter.root / "streaming-oracle.json").read_text())
    assert oracle["active"] is False, "Stop in the panel stopped the query"
    wait_until(lambda: panel.get_attribute("data-status") == "STOPPED", 30, "the panel to show the query STOPPED")
    assert not stop.is_visible(), "no Stop on a stopped query"

    # The panel's batches are PySpark's recentProgress: count, ids, rows and both rates.
    recent = oracle["recent"]
    assert len(recent) >= MIN_BATCHES
    assert panel.get_attribute("data-query-id") == oracle["id"]
    assert int(panel.get_attribute("data-num-batches")) == len(recent)
    rows = panel.locator("tr.sm-stream-batch")
    shown = {
        int(r.get_attribute("data-batch-id")): (
            int(r.get_attribute("data-rows")),
            r.get_attribute("data-input-rate"),
            r.get_attribute("data-processed-rate"),
        )
        for r in rows.all()
    }

    # Spark leaves a rate out of its JSON when it is NaN (no time elapsed): the panel then has none either.
    want = {
        p["batchId"]: (p["numInputRows"], p.get("inputRowsPerSecond"), p.get("processedRowsPerSecond")) for p in recent
    }
    assert sorted(shown) == sorted(want), f"batches shown {sorted(shown)}, PySpark {sorted(want)}"
    for batch, (n, inp, proc) in want.items():
        got = shown[batch]
        assert got[0] == n, f"batch {batch}: {got[0]} rows shown, PySpark {n}"
        for name, g, w in (("input", got[1], inp), ("processed", got[2], proc)):
            assert (g == "" and w is None) or (w is not None and float(g) == w), f"batch {batch} {name}: {g} vs {w}"

    # The micro-batches are not rows of the cell's job list: Spark ran them (their job group is the run id), the
    # cell shows none of them and no SQL row.
    apps = jupyter.get_json("sparkmonitor/api/apps")["data"]
    app = [a for a in apps if a["notebookPath"].endswith("streaming.ipynb")]
    assert len(app) == 1, app
    jobs: list[dict] = []

    def read_jobs() -> bool:  # Spark's UI answers slowly on a loaded host: retried within the deadline
        try:
            jobs[:] = spark_jobs(app[0]["uiUrl"], app[0]["appId"])
            return True
        except OSError:
            return False

    wait_until(read_jobs, 120, "Spark's REST API to list the jobs")
    batch_jobs = [j for j in jobs if j.get("jobGroup") == oracle["runId"]]
    assert len(batch_jobs) >= len(recent), f"Spark ran {len(batch_jobs)} micro-batch jobs"
    assert cell.locator("tr.sm-job").count() == 0 and cell.locator("tr.sm-sql").count() == 0
    assert f"{len(batch_jobs)} jobs" in panel.locator(".sm-stream-count").inner_text()
    page.close()
