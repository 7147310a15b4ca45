"""The cell line of each job (cellline.py), end to end: a real IPython kernel with real PySpark and the real listener
jar, started with the environment proxy.server() exports; a fake monitor reads the listener's jobStart frames.

- A DataFrame action, an RDD action, a query with a broadcast join and a function of the cell run on a thread each
  start jobs named by their own line; Spark's own call site of an RDD action (PySpark's, "count at <cell file>:N")
  is the oracle for the line number.
- A long line is cut; a line that makes no py4j call leaves no trace.
- When setting the property fails, the cell still runs and the failure is reported once.

Needs build/sparkmonitor-listener.jar (skipped, with that reason, until it is built).
"""

from __future__ import annotations

import re

import pytest

from sparkmonitor_go.cellline import MAX_SOURCE

from .fake_ingest import FakeIngest
from .kernels import Kernel
from .support import require_real_jar
from .test_spark import JVM_TIMEOUT, server_env


@pytest.fixture(scope="module")
def spark_kernel(tmp_path_factory):
    jar = require_real_jar()
    tmp = tmp_path_factory.mktemp("cellline")
    env = server_env(tmp, jar, None)
    ingest = FakeIngest(env["SPARKMONITOR_INGEST"], env["SPARKMONITOR_SECRET"])
    kernel = Kernel(env, tmp / "runtime", tmp / "kernel.log")
    try:
        start = kernel.execute(
            "from pyspark.sql import SparkSession\n"
            "from pyspark.sql.functions import broadcast\n"
            "spark = SparkSession.builder.master('local[2]').appName('cellline')"
            ".config('spark.ui.enabled', 'false').getOrCreate()",
            cell_id="start",
            timeout=JVM_TIMEOUT,
        )
        assert start.status == "ok", (start, kernel.log_path.read_text()[-4000:])
        yield kernel, ingest
    finally:
        kernel.execute("spark.stop()", timeout=120)
        kernel.shutdown()
        ingest.close()


def cell_jobs(ingest: FakeIngest, group: str, done=lambda jobs: len(jobs) >= 1) -> list:
    """The jobStart frames of job group `group` (each cell below sets its own), once done(them) holds."""
    jobs = []

    def enough(_frame):
        jobs[:] = [f for _, f in ingest.frames if f.get("type") == "jobStart" and f.get("jobGroup") == group]
        return done(jobs)

    ingest.wait_for(enough, 60, f"the jobs of {group}")
    return jobs


def test_each_job_names_the_cell_line_that_started_it(spark_kernel):
    kernel, ingest = spark_kernel
    code = (
        "spark.sparkContext.setJobGroup('lines', 'the cell-line test')\n"  # 1
        "df = spark.range(0, 1000, numPartitions=4).selectExpr('id % 7 AS k')\n"  # 2
        "n_df = df.groupBy('k').count().count()\n"  # 3
        "n_rdd = spark.sparkContext.parallelize(range(100), 2).map(lambda x: x * 2).count()\n"  # 4
        "small = spark.range(0, 7).withColumnRenamed('id', 'k')\n"  # 5
        "n_join = df.join(broadcast(small), 'k').count()\n"  # 6
        "import threading\n"  # 7
        "def in_thread():\n"  # 8
        "    spark.sparkContext.setJobGroup('lines-thread', 'from a thread')\n"  # 9
        "    spark.range(0, 10, numPartitions=2).collect()\n"  # 10
        "t = threading.Thread(target=in_thread)\n"  # 11
        "t.start(); t.join()\n"  # 12
        "(n_df, n_rdd, n_join)"  # 13
    )
    result = kernel.execute(code, cell_id="lines", timeout=JVM_TIMEOUT)
    assert (result.status, result.value) == ("ok", "(7, 100, 1000)"), (result, kernel.log_path.read_text()[-4000:])

    jobs = cell_jobs(ingest, "lines", lambda js: {j.get("cellLine") for j in js} >= {3, 4, 6})
    sql_jobs = [j for j in jobs if j.get("sqlExecutionId") is not None]
    rdd_jobs = [j for j in jobs if j.get("sqlExecutionId") is None]
    assert len(rdd_jobs) == 1, rdd_jobs
    # PySpark names an RDD action's job by its Python call site: the same line of the same cell file.
    spark_site = re.fullmatch(r"count at (.+\.py):(\d+)", rdd_jobs[0]["name"])
    assert spark_site, rdd_jobs[0]["name"]
    assert (rdd_jobs[0]["cellLine"], rdd_jobs[0]["cellLineText"]) == (
        int(spark_site.group(2)),
        "n_rdd = spark.sparkContext.parallelize(range(100), 2).map(lambda x: x * 2).count()",
    )
    assert int(spark_site.group(2)) == 4
    # Every job of a query (AQE's query stages, the broadcast) names the query's line.
    lines = {}
    for j in sql_jobs:
        lines.setdefault(j["sqlExecutionId"], set()).add((j.get("cellLine"), j.get("cellLineText")))
    assert all(len(named) == 1 for named in lines.values()), sql_jobs
    assert set().union(*lines.values()) == {
        (3, "n_df = df.groupBy('k').count().count()"),
        (6, "n_join = df.join(broadcast(small), 'k').count()"),
    }, sql_jobs
    thread_jobs = cell_jobs(ingest, "lines-thread")
    assert [(j["cellLine"], j["cellLineText"]) for j in thread_jobs] == [
        (10, "spark.range(0, 10, numPartitions=2).collect()")
    ]


def test_a_long_line_is_cut_and_a_later_cell_names_its_own_line(spark_kernel):
    kernel, ingest = spark_kernel
    long_call = "spark.range(0, 3).selectExpr(" + ", ".join(f"'id AS c{i}'" for i in range(60)) + ").collect()"
    code = "spark.sparkContext.setJobGroup('long', 'a long line')\n\n" + long_call
    assert kernel.execute(code, cell_id="long", timeout=120).status == "ok"
    (job,) = cell_jobs(ingest, "long")
    assert job["cellLine"] == 3
    assert job["cellLineText"] == long_call[: MAX_SOURCE - 1] + "\u2026"

    again = kernel.execute(
        "spark.sparkContext.setJobGroup('short', 'the next cell')\nspark.range(0, 3).collect()", cell_id="short"
    )
    assert again.status == "ok"
    (job,) = cell_jobs(ingest, "short")
    assert (job["cellLine"], job["cellLineText"]) == (2, "spark.range(0, 3).collect()")


def test_a_failing_property_never_breaks_the_cell_and_is_reported_once(spark_kernel):
    kernel, ingest = spark_kernel
    setup = (
        "sc = spark.sparkContext\n"
        "original = sc.setLocalProperty\n"
        "def boom(key, value):\n"
        "    if key == 'sparkmonitor.line':\n"
        "        raise ConnectionError('py4j gateway gone')\n"
        "    return original(key, value)\n"
        "sc.setLocalProperty = boom"
    )
    assert kernel.execute(setup, cell_id="break").status == "ok"
    first = kernel.execute("sc.parallelize(range(10), 2).count()", cell_id="b1")
    second = kernel.execute("sc.parallelize(range(20), 2).count()", cell_id="b2")
    kernel.execute("sc.setLocalProperty = original", cell_id="mend")
    assert (first.status, first.value, second.status, second.value) == ("ok", "10", "ok", "20")
    message = "sparkmonitor: naming the cell line of the Spark job failed (ConnectionError: py4j gateway gone)"
    assert message in first.stderr, first
    assert "sparkmonitor" not in second.stderr, second


def test_the_users_traceback_has_no_frame_of_the_hook(spark_kernel):
    """The py4j wrapper is in every Spark call's stack; IPython leaves it out of the traceback the user reads."""
    kernel, _ = spark_kernel
    failed = kernel.execute("spark.sql('SELECT no_such_column FROM range(1)').collect()", cell_id="hidden")
    assert failed.status == "error" and "AnalysisException" in failed.error, failed
    (traceback,) = [d["traceback"] for kind, d in failed.outputs if kind == "error"]
    shown = "\n".join(traceback)
    assert "spark.sql(" in shown, "the traceback shows the cell's line"
    assert "sparkmonitor_go" not in shown and "wrap_java_member" not in shown, shown
