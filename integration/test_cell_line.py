"""End to end: every job and SQL query under a cell is named by the cell line that started it, with Spark's own call
site kept in the row's tooltip.

One cell runs a DataFrame aggregation, an RDD action and a query with a broadcast join, each on a known line and in
its own job group. The oracle is Spark itself: the driver's REST API (`/api/v1/applications/<app>/{jobs,sql}`) says
which jobs each group ran and which jobs each SQL query ran; the page must show, for each of them, the line of its
group.
"""

from __future__ import annotations

from conftest import (
    ALL_CELLS_DONE,
    open_and_run_all,
    save_screenshot,
    spark_api,
    spark_jobs,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot

# The lines of the cell below (1-based) and their source, by job group.
LINES = {
    "oracle-df": (3, "df.groupBy('k').count().collect()"),
    "oracle-rdd": (5, "spark.sparkContext.parallelize(range(100), 4).map(lambda x: x * 2).count()"),
    "oracle-join": (8, "df.join(broadcast(small), 'k').count()"),
}

CELLS = [
    {
        "id": "l1-session",
        "source": (
            "from pyspark.sql import SparkSession\n"
            "from pyspark.sql.functions import broadcast\n"
            "spark = SparkSession.builder.getOrCreate()"
        ),
    },
    {
        "id": "l2-lines",
        "source": (
            "spark.sparkContext.setJobGroup('oracle-df', 'a DataFrame action')\n"
            "df = spark.range(0, 10_000, numPartitions=4).selectExpr('id % 7 AS k')\n"
            f"{LINES['oracle-df'][1]}\n"
            "spark.sparkContext.setJobGroup('oracle-rdd', 'an RDD action')\n"
            f"{LINES['oracle-rdd'][1]}\n"
            "spark.sparkContext.setJobGroup('oracle-join', 'a broadcast join')\n"
            "small = spark.range(0, 7).withColumnRenamed('id', 'k')\n"
            f"{LINES['oracle-join'][1]}"
        ),
    },
]

# The rows under a cell: {"jobs": {jobId: {name, title}}, "sql": {executionId: {name, title}}}
ROWS = """cellId => {
  const out = {jobs: {}, sql: {}};
  const m = document.querySelector(`.sm-cell-monitor[data-cell-id="${cellId}"]`);
  for (const row of m.querySelectorAll('tr.sm-job')) {
    const name = row.querySelector('.sm-job-name');
    out.jobs[row.dataset.jobId] = {name: name.textContent, title: name.title};
  }
  for (const row of m.querySelectorAll('tr.sm-sql')) {
    const name = row.querySelector('.sm-sql-description');
    out.sql[row.dataset.executionId] = {name: name.textContent, title: name.title};
  }
  return out;
}"""


def named(group: str) -> str:
    line, source = LINES[group]
    return f"line {line}: {source}"


def test_each_job_and_query_is_named_by_its_cell_line(jupyter, browser):
    write_notebook(jupyter.root / "lines.ipynb", CELLS)
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/lines.ipynb?token={jupyter.token}", "lines.ipynb", 1400)
    page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)
    (app,) = jupyter.get_json("sparkmonitor/api/apps")["data"]

    # Spark's view: each job's group, and each query's jobs.
    # (Retried: on a busy machine the driver's REST API can take longer than one request's 10 s timeout.)
    truth = wait_until(lambda: spark_jobs(app["uiUrl"], app["appId"]), 120, "Spark's jobs")
    group_of = {j["jobId"]: j.get("jobGroup") for j in truth if j.get("jobGroup") in LINES}
    assert set(group_of.values()) == set(LINES), f"a job of each group: {truth}"
    queries = {}
    for q in wait_until(lambda: spark_api(app["uiUrl"], app["appId"], "sql"), 120, "Spark's SQL queries"):
        groups = {group_of.get(j) for j in q["successJobIds"] + q["failedJobIds"] + q["runningJobIds"]}
        if groups & set(LINES):
            assert len(groups) == 1, f"a query's jobs are of one group: {q}"
            queries[str(q["id"])] = groups.pop()
    assert set(queries.values()) == {"oracle-df", "oracle-join"}, queries
    # The broadcast join runs more than one job (the broadcast's own among them), all under its line.
    assert sum(g == "oracle-join" for g in group_of.values()) >= 2, group_of

    expected_names = {
        "jobs": {str(job_id): named(group) for job_id, group in group_of.items()},
        "sql": {exec_id: named(group) for exec_id, group in queries.items()},
    }

    def names():
        rows = page.evaluate(ROWS, "l2-lines")
        return {kind: {k: v["name"] for k, v in rows[kind].items()} for kind in rows}

    try:
        wait_until(lambda: names() == expected_names, 60, f"the rows to be named by their lines: {expected_names}")
        docs_screenshot(page.locator('.jp-Cell:has(.sm-cell-monitor[data-cell-id="l2-lines"])'), "cell-lines.png")
    finally:
        save_screenshot(page, "cell-line.png")

    # Spark's own call site (the job's name in Spark's REST API) and description stay in the tooltip.
    rows = page.evaluate(ROWS, "l2-lines")
    for j in truth:
        if j["jobId"] in group_of:
            title = rows["jobs"][str(j["jobId"])]["title"].split("\n")
            assert title[0] == named(group_of[j["jobId"]]), title
            assert f"Spark: {j['name']}" in title and f"Spark: {j['description']}" in title, (title, j)
    for exec_id in queries:
        assert rows["sql"][exec_id]["title"].startswith(named(queries[exec_id]) + "\nSpark: "), rows["sql"][exec_id]
    page.close()
