"""End to end: the Prometheus metrics (docs/user-guide.md § Metrics) of a real PySpark application, scraped through
Jupyter.

A notebook runs a job that succeeds and one whose tasks fail. `{base_url}sparkmonitor/metrics`, read with the
Jupyter token, then gives the application's jobs, stages, tasks and executors as Spark's own REST API counts them,
and the monitor's own numbers. Without the token (or with a wrong one) Jupyter refuses it.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections import Counter

from conftest import ALL_CELLS_DONE, NoRedirect, open_and_run_all, spark_api, wait_until, write_notebook

SPARK_START_S = 240

CELLS = [
    {
        "id": "m1",
        "source": (
            "from pyspark.sql import SparkSession, functions as F\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "spark.range(0, 1000, numPartitions=4).groupBy((F.col('id') % 3).alias('k')).count().collect()"
        ),
    },
    {
        "id": "m2",
        "tags": ["raises-exception"],
        "source": "spark.sparkContext.parallelize(range(6), 3).map(lambda x: 1 // (x - 4)).count()",
    },
]

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(jupyter) -> list[tuple[str, dict, float]]:
    req = urllib.request.Request(
        jupyter.url + "sparkmonitor/metrics", headers={"Authorization": f"token {jupyter.token}"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain"), resp.headers
        text = resp.read().decode()
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not the Prometheus text format: {line!r}"
        out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


def value(samples, name: str, **labels) -> float | None:
    for n, ls, v in samples:
        if n == name and all(ls.get(k) == want for k, want in labels.items()):
            return v
    return None


def test_metrics_match_sparks_rest_api_and_need_jupyters_auth(jupyter, browser):
    write_notebook(jupyter.root / "metrics.ipynb", CELLS)
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/metrics.ipynb?token={jupyter.token}", "metrics.ipynb")
    try:
        page.wait_for_function(ALL_CELLS_DONE, timeout=SPARK_START_S * 1000, polling=500)

        def app():
            apps = [
                a
                for a in jupyter.get_json("sparkmonitor/api/apps")["data"]
                if a["notebookPath"].endswith("metrics.ipynb")
            ]
            return apps[0] if len(apps) == 1 and apps[0]["numJobs"] >= 2 and apps[0]["numActiveJobs"] == 0 else None

        a = wait_until(app, 60, "the monitor to have both jobs ended")
        app_id, ui = a["appId"], a["uiUrl"]
        jobs = spark_api(ui, app_id, "jobs")
        stages = spark_api(ui, app_id, "stages")
        executors = spark_api(ui, app_id, "executors")
        assert any(j["status"] == "FAILED" for j in jobs) and any(s["numFailedTasks"] > 0 for s in stages), (
            jobs,
            stages,
        )

        # The monitor may still be applying the last events: wait until its job counts are Spark's, then compare all.
        want_jobs = Counter(j["status"] for j in jobs)
        samples = wait_until(
            lambda: (
                (s := scrape(jupyter))
                and all(
                    value(s, "sparkmonitor_jobs", app_id=app_id, status=st) == want_jobs.get(st, 0)
                    for st in ("RUNNING", "SUCCEEDED", "FAILED")
                )
                and s
            ),
            60,
            "the metrics to count Spark's jobs",
        )
        want_stages = Counter(s["status"] for s in stages)
        for st in ("ACTIVE", "COMPLETE", "FAILED", "PENDING", "SKIPPED"):
            assert value(samples, "sparkmonitor_stages", app_id=app_id, status=st) == want_stages.get(st, 0), (
                st,
                stages,
            )
        for status, field in (
            ("completed", "numCompleteTasks"),
            ("failed", "numFailedTasks"),
            ("killed", "numKilledTasks"),
            ("active", "numActiveTasks"),
        ):
            assert value(samples, "sparkmonitor_tasks", app_id=app_id, status=status) == sum(
                s[field] for s in stages
            ), status
        # Local mode: the driver is the one executor and has the cores.
        active = [e for e in executors if e["isActive"]]
        assert value(samples, "sparkmonitor_executors", app_id=app_id) == len(active)
        assert value(samples, "sparkmonitor_executor_cores", app_id=app_id) == sum(e["totalCores"] for e in active)
        assert value(samples, "sparkmonitor_app_info", app_id=app_id, state="RUNNING") == 1
        assert value(samples, "sparkmonitor_apps", state="RUNNING") >= 1
        # The monitor's own numbers: this notebook's listener, the page's WebSocket, events applied.
        assert value(samples, "sparkmonitor_listeners_connected") >= 1
        assert value(samples, "sparkmonitor_websocket_clients") >= 1
        assert value(samples, "sparkmonitor_events_ingested_total") > sum(s["numTasks"] for s in stages)
        assert value(samples, "sparkmonitor_ingest_queue_capacity") > 0
        assert value(samples, "go_goroutines") > 0

        # Without Jupyter's auth: refused by Jupyter (a redirect to its login page or 403), no metrics.
        assert jupyter.status("sparkmonitor/metrics", authenticated=False) in (302, 403)
        req = urllib.request.Request(
            jupyter.url + "sparkmonitor/metrics", headers={"Authorization": "token " + "f" * 32}
        )
        try:
            with urllib.request.build_opener(NoRedirect).open(req, timeout=10) as resp:
                raise AssertionError(f"a wrong token was answered {resp.status}")
        except urllib.error.HTTPError as e:
            assert e.code in (302, 403) and b"sparkmonitor_" not in e.read(), e.code
    finally:
        page.close()
