"""End to end, the cell monitor's richer views: jobs grouped under their SQL query, hints, the task timeline of a
20 000-task job, the executors chart, a cell with 1 000 jobs (virtualised table), and the optional static summary.

One notebook runs once (module fixture); each test looks at one view. The oracle is Spark's own REST API
(`/api/v1/applications/<app>/{jobs,sql,stages}`), read from the driver at the end.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from conftest import (
    ALL_CELLS_DONE,
    monitor,
    open_and_run_all,
    put_setting,
    save_screenshot,
    spark_api,
    spark_jobs,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot

PLUGIN = "sparkmonitor-go-labextension:cell-monitor"
TINY_TASKS = 20_000
QUERY = "SELECT id % 5 AS k, count(*) AS n FROM range(100000) GROUP BY id % 5"
MANY_JOBS = 1_000

CELLS = [
    {
        "id": "v1-sql",
        "source": (
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "spark.sparkContext.setJobGroup('oracle-v1-sql', None)  # no description: Spark uses the call site\n"
            f"spark.sql('{QUERY}').collect()\n"
            "spark.range(0, 1000, numPartitions=4).selectExpr('sum(id)').collect()"
        ),
    },
    {
        "id": "v2-tiny-tasks",
        "source": (
            "spark.sparkContext.setJobGroup('oracle-v2-tiny-tasks', 'oracle')\n"
            f"spark.range(0, {TINY_TASKS}, numPartitions={TINY_TASKS}).selectExpr('sum(id)').collect()"
        ),
    },
    {
        "id": "v3-skew",
        "source": (
            "import time\n"
            "spark.sparkContext.setJobGroup('oracle-v3-skew', 'oracle')\n"
            "spark.sparkContext.parallelize(range(8), 8).map(lambda x: time.sleep(6 if x == 0 else 0.05) or x).count()"
        ),
    },
    {
        "id": "v4-executors-first",  # no test opens its monitor's tabs before test_executors_tab_fetches_no_task_spans
        "source": (
            "spark.sparkContext.setJobGroup('oracle-v4-executors-first', 'oracle')\n"
            "spark.sparkContext.parallelize(range(6), 6).count()"
        ),
    },
]


class Run:
    """The notebook after "Run All": the page, the application, and Spark's own view of it."""

    def __init__(self, page, app: dict):
        self.page, self.app = page, app
        self.jobs = spark_jobs(app["uiUrl"], app["appId"])
        self.sql = spark_api(app["uiUrl"], app["appId"], "sql?details=false&length=100000")
        self.stages = spark_api(app["uiUrl"], app["appId"], "stages")

    def cell_jobs(self, cell_id: str) -> list[dict]:
        return [j for j in self.jobs if j.get("jobGroup") == f"oracle-{cell_id}"]

    def task_quantiles(self, stage: dict, quantiles: str) -> list[float]:
        path = f"stages/{stage['stageId']}/{stage['attemptId']}/taskSummary?quantiles={quantiles}"
        return spark_api(self.app["uiUrl"], self.app["appId"], path)["duration"]


@pytest.fixture(scope="module")
def run(jupyter, browser):
    write_notebook(jupyter.root / "views.ipynb", CELLS)
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/views.ipynb?token={jupyter.token}", "views.ipynb", 1400)
    page.wait_for_function(ALL_CELLS_DONE, timeout=600_000, polling=500)
    apps = [a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("views.ipynb")]
    assert len(apps) == 1, apps
    yield Run(page, apps[0])
    page.close()


# The SQL groups shown under a cell, in page order: [{executionId, description, status, jobs: [jobId]}]
SQL_GROUPS = """cellId => {
  const out = [];
  const m = document.querySelector(`.sm-cell-monitor[data-cell-id="${cellId}"]`);
  for (const row of m.querySelectorAll('.sm-sql, .sm-job')) {
    if (row.classList.contains('sm-sql')) {
      out.push({
        executionId: Number(row.dataset.executionId), status: row.dataset.status,
        description: row.querySelector('.sm-sql-description').dataset.description, jobs: [],
      });
    } else if (out.length) {
      out[out.length - 1].jobs.push(Number(row.dataset.jobId));
    }
  }
  return out;
}"""


def test_jobs_are_grouped_under_their_sql_query(run):
    jobs = {j["jobId"] for j in run.cell_jobs("v1-sql")}
    queries = [q for q in sorted(run.sql, key=lambda q: q["id"]) if jobs & set(q["successJobIds"] + q["failedJobIds"])]
    assert len(queries) == 2, f"the cell ran a spark.sql query and a DataFrame action: {queries}"[:2000]
    # A spark.sql query is described by its text; a DataFrame action as Spark's SQL tab does (here: its call site).
    descriptions = [QUERY, queries[1]["description"]]
    expected = [
        {
            "executionId": q["id"],
            "description": description,
            "status": {"COMPLETED": "COMPLETED", "FAILED": "FAILED"}[q["status"]],
            "jobs": sorted(q["successJobIds"] + q["failedJobIds"]),
        }
        for q, description in zip(queries, descriptions)
    ]
    wait_until(
        lambda: run.page.evaluate(SQL_GROUPS, "v1-sql") == expected,
        30,
        f"the SQL groups of v1-sql to be Spark's: {expected}",
    )
    save_screenshot(run.page, "cell-views-sql.png")


def hints(page, cell_id: str) -> list[dict]:
    return page.evaluate(
        """cellId => [...document.querySelectorAll(`.sm-cell-monitor[data-cell-id="${cellId}"] .sm-hint`)]
             .map(h => ({kind: h.dataset.kind, stageId: Number(h.dataset.stageId), text: h.textContent}))""",
        cell_id,
    )


def test_hints_follow_the_task_times_spark_measured(run):
    tiny_stage = next(s for s in run.stages if s["numTasks"] == TINY_TASKS and s["status"] == "COMPLETE")
    median = run.task_quantiles(tiny_stage, "0.5")[0]
    assert median < 500, f"the {TINY_TASKS} tasks should be tiny; Spark's median is {median} ms"
    skew_job = run.cell_jobs("v3-skew")[0]
    skew_stage = next(s for s in run.stages if s["stageId"] in skew_job["stageIds"])
    skew_median, skew_max = run.task_quantiles(skew_stage, "0.5,1.0")
    assert skew_max > 5000 and skew_max > 10 * skew_median, (skew_median, skew_max)

    wait_until(
        lambda: any(
            h["kind"] == "tinyTasks" and h["stageId"] == tiny_stage["stageId"] for h in hints(run.page, "v2-tiny-tasks")
        ),
        30,
        "a many-tiny-tasks hint on the 20 000-task stage",
    )
    wait_until(
        lambda: any(h["kind"] == "skew" and h["stageId"] == skew_stage["stageId"] for h in hints(run.page, "v3-skew")),
        30,
        "a skew hint on the stage with one slow partition",
    )
    assert not any(h["kind"] == "skew" for h in hints(run.page, "v2-tiny-tasks"))
    assert not any(h["kind"] == "tinyTasks" for h in hints(run.page, "v3-skew"))
    assert hints(run.page, "v1-sql") == [], "an ordinary cell gets no hints"


def open_tab(page, cell_id: str, tab: str):
    monitor(page, cell_id).locator(f'.sm-tab[data-tab="{tab}"]').click()


def test_timeline_of_a_20k_task_job_renders_sampled_with_exact_counts(run):
    jobs = run.cell_jobs("v2-tiny-tasks")
    total = sum(j["numTasks"] - j["numSkippedTasks"] for j in jobs)
    assert total > TINY_TASKS
    run.page.locator('.sm-cell-monitor[data-cell-id="v2-tiny-tasks"]').scroll_into_view_if_needed()
    open_tab(run.page, "v2-tiny-tasks", "timeline")
    timeline = monitor(run.page, "v2-tiny-tasks").locator(".sm-timeline")

    def drawn():
        a = timeline.evaluate("e => ({...e.dataset})")
        return a if a.get("tasksTotal") == str(total) and int(a.get("tasksDrawn", "0")) > 0 else None

    attrs = wait_until(drawn, 30, f"the timeline to draw the job's {total} tasks")
    assert attrs["sampled"] == "true"
    assert 0 < int(attrs["tasksDrawn"]) <= 5000, attrs
    executors = spark_api(run.app["uiUrl"], run.app["appId"], "allexecutors")
    assert attrs["lanes"] == str(len(executors)), f"one lane per executor: {attrs} vs {executors}"
    note = monitor(run.page, "v2-tiny-tasks").locator(".sm-timeline-note").inner_text()
    assert f"{total:,}" in note or str(total) in note, note
    save_screenshot(run.page, "cell-views-timeline.png")
    docs_screenshot(monitor(run.page, "v2-tiny-tasks"), "timeline.png")


def test_executors_chart_shows_active_tasks_within_the_cores(run):
    open_tab(run.page, "v3-skew", "executors")
    chart = monitor(run.page, "v3-skew").locator(".sm-executors")
    attrs = wait_until(
        lambda: (a := chart.evaluate("e => ({...e.dataset})")) and int(a.get("points", "0")) > 1 and a,
        30,
        "the executors chart to draw its series",
    )
    cores = sum(e["totalCores"] for e in spark_api(run.app["uiUrl"], run.app["appId"], "allexecutors"))
    assert int(attrs["maxCores"]) == cores, (attrs, cores)
    assert 0 < int(attrs["maxActive"]) <= cores, attrs
    save_screenshot(run.page, "cell-views-executors.png")
    docs_screenshot(monitor(run.page, "v3-skew"), "executors.png")


def test_executors_tab_fetches_no_task_spans_and_the_timeline_tab_then_draws_them(run):
    """The Executors tab draws executor activity only, so it asks the monitor for the timeline without task spans
    (a sampled big job's spans are ~200 KB a second); the Timeline tab opened after it fetches them and draws each."""
    cell = "v4-executors-first"
    [job] = run.cell_jobs(cell)
    run.page.locator(f'.sm-cell-monitor[data-cell-id="{cell}"]').scroll_into_view_if_needed()

    def fetched(r):
        return "/sparkmonitor/api/timeline?" in r.url and f"cellId={cell}" in r.url

    with run.page.expect_response(fetched, timeout=30_000) as info:
        open_tab(run.page, cell, "executors")
    assert "maxTasks=0" in info.value.url, info.value.url
    [app] = info.value.json()["data"]["apps"]
    assert app["tasks"] == [] and app["numTasks"] == job["numTasks"] and app["activity"], app
    chart = monitor(run.page, cell).locator(".sm-executors")
    wait_until(lambda: int(chart.evaluate("e => e.dataset.points || '0'")) > 1, 30, "the executors chart to draw")

    with run.page.expect_response(fetched, timeout=30_000) as info:
        open_tab(run.page, cell, "timeline")
    assert "maxTasks" not in info.value.url, info.value.url
    timeline = monitor(run.page, cell).locator(".sm-timeline")
    attrs = wait_until(
        lambda: (a := timeline.evaluate("e => ({...e.dataset})")) and a.get("tasksDrawn") == str(job["numTasks"]) and a,
        30,
        f"the timeline to draw the job's {job['numTasks']} tasks",
    )
    assert attrs["tasksTotal"] == str(job["numTasks"]) and attrs["sampled"] == "false", attrs


def test_dark_theme_redraws_the_timeline(run):
    open_tab(run.page, "v2-tiny-tasks", "timeline")
    canvas = monitor(run.page, "v2-tiny-tasks").locator(".sm-timeline-canvas")
    image = "c => c.toDataURL()"
    light = canvas.evaluate(image)
    run.page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    try:
        run.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=30_000)
        wait_until(lambda: canvas.evaluate(image) != light, 15, "the timeline to redraw in the dark theme's colours")
        save_screenshot(run.page, "cell-views-timeline-dark.png")
    finally:
        run.page.evaluate(
            "() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})"
        )
    run.page.wait_for_function("() => document.body.dataset.jpThemeLight === 'true'", timeout=30_000)
    wait_until(lambda: canvas.evaluate(image) == light, 15, "the timeline to be drawn as before in the light theme")


def test_reopening_the_notebook_brings_back_every_monitor(run):
    shown = """() => Object.fromEntries([...document.querySelectorAll('.sm-cell-monitor')].map(
        m => [m.dataset.cellId, m.querySelector('.sm-title').textContent]))"""
    expected = {c["id"]: f"Spark jobs: {len(run.cell_jobs(c['id']))} " for c in CELLS}

    def titles_match():
        titles = run.page.evaluate(shown)
        return set(titles) == set(expected) and all(titles[c].startswith(expected[c]) for c in expected)

    wait_until(titles_match, 30, "every cell's monitor before closing the notebook")
    run.page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('docmanager:save');"
        " await window.jupyterapp.commands.execute('application:close-all'); }"
    )
    run.page.wait_for_function("() => document.querySelectorAll('.sm-cell-monitor').length === 0", timeout=30_000)
    run.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:open', {path: 'views.ipynb'})")
    wait_until(titles_match, 60, f"the monitors to come back when the notebook is opened again: {expected}")


def test_static_summary_is_saved_as_a_normal_output(jupyter, browser):
    put_setting(jupyter, PLUGIN, {"writeSummary": True})
    try:
        write_notebook(
            jupyter.root / "summary.ipynb",
            [
                {
                    "id": "sum1",
                    "source": (
                        "from pyspark.sql import SparkSession\n"
                        "spark = SparkSession.builder.getOrCreate()\n"
                        "spark.range(0, 1000, numPartitions=3).count()"
                    ),
                }
            ],
        )
        page, _ = open_and_run_all(
            browser, f"{jupyter.url}lab/tree/summary.ipynb?token={jupyter.token}", "summary.ipynb"
        )
        page.locator(".sm-summary-note").wait_for(timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")

        def saved_summary():
            nb = jupyter.get_json("api/contents/summary.ipynb")["content"]
            outs = [
                o
                for o in nb["cells"][0]["outputs"]
                if "application/vnd.sparkmonitor-go.summary+json" in o.get("data", {})
            ]
            return outs[0] if outs else None

        out = wait_until(saved_summary, 30, "the summary output in the saved notebook")
        apps = [
            a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("summary.ipynb")
        ]
        truth = spark_jobs(apps[0]["uiUrl"], apps[0]["appId"])
        html = "".join(out["data"]["text/html"])
        assert "<script" not in html.lower()
        for job in truth:
            assert f"{job['numCompletedTasks']}/{job['numTasks'] - job['numSkippedTasks']}" in html, (job, html)
        assert str(len(truth)) in "".join(out["data"]["text/plain"])
        # With the extension, the saved HTML is not shown a second time under the live monitor.
        assert page.locator(".jp-OutputArea-output table").count() == 0
        page.close()
    finally:
        put_setting(jupyter, PLUGIN, {})


def test_timeline_api_refuses_a_request_without_cell(jupyter):
    req = urllib.request.Request(f"{jupyter.url}sparkmonitor/api/timeline")
    req.add_header("Authorization", f"token {jupyter.token}")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("api/timeline without cellId should be refused")
    except urllib.error.HTTPError as e:
        assert e.code == 400
        body = json.loads(e.read().decode())
        assert body["status"] == "error" and "cellId" in body["error"]


def test_a_thousand_jobs_stay_a_short_virtual_list(jupyter, browser):
    # Its own application: a thousand jobs would push the other cells' jobs out of Spark's (and the monitor's)
    # default retention of 1000 jobs per application.
    write_notebook(
        jupyter.root / "many.ipynb",
        [
            {
                "id": "many-jobs",
                "source": (
                    "from pyspark.sql import SparkSession\n"
                    "spark = SparkSession.builder.getOrCreate()\n"
                    f"for i in range({MANY_JOBS}):\n"
                    "    spark.range(1).collect()"
                ),
            }
        ],
    )
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/many.ipynb?token={jupyter.token}", "many.ipynb")
    page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
    app = next(a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("many.ipynb"))
    jobs = spark_jobs(app["uiUrl"], app["appId"])
    assert len(jobs) == MANY_JOBS
    m = monitor(page, "many-jobs")
    wait_until(
        lambda: f"Spark jobs: {MANY_JOBS} " in m.locator(".sm-title").inner_text(), 30, "the header to count every job"
    )
    scroll = m.locator(".sm-jobs-scroll")
    wait_until(lambda: int(scroll.get_attribute("data-rows")) >= MANY_JOBS, 30, "a row for every job")
    assert 0 < int(scroll.get_attribute("data-rendered")) <= 200, "only the visible rows are in the DOM"
    last = max(j["jobId"] for j in jobs)
    assert m.locator(f'.sm-job[data-job-id="{last}"]').count() == 0
    scroll.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    m.locator(f'.sm-job[data-job-id="{last}"]').wait_for(timeout=10_000)
    assert int(scroll.get_attribute("data-rendered")) <= 200
    save_screenshot(page, "cell-views-many-jobs.png")
    page.close()
