"""A PySpark driver for test_spark_versions.py, run by one Spark runtime's own python with the environment our Jupyter
Server exports to kernels (SPARK_CONF_DIR with our plugin, SPARK_DIST_CLASSPATH with the jar, the ingest socket).

Each "cell" does what our kernel hook does before a notebook cell (the cell id as the local property
`sparkmonitor.cellId`) and also names the cell as the job group, which Spark's REST API shows: the test's oracle for
the cell id each job carries. Prints one JSON line per step on stdout:
    {"event": "started", appId, uiUrl, spark, scala}   after the session started
    {"event": "cancel-me"}                            cell-cancel's job is about to run until the test cancels it
    {"event": "done", "cancelError": ...}             every cell ran; then it waits for a line on stdin to stop
"""

from __future__ import annotations

import json
import sys
import threading
import time

from pyspark.sql import SparkSession

CELL_PROPERTY = "sparkmonitor.cellId"
SLOW_TASK_SECONDS = 600  # a task of a job that is to be cancelled: far longer than the test's deadlines


def say(**fields) -> None:
    print(json.dumps(fields), flush=True)


def cell(sc, name: str) -> None:
    sc.setLocalProperty(CELL_PROPERTY, name)
    sc.setJobGroup(name, f"cell {name}")


def slow_id(x: int) -> int:
    time.sleep(0.5)
    return x


def sleep_forever(x: int) -> int:
    time.sleep(SLOW_TASK_SECONDS)
    return x


def fail(x: int) -> int:
    if x == 3:
        raise ValueError(f"task input {x} is refused")
    return x


def main() -> None:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("spark-versions")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    sc = spark.sparkContext
    say(
        event="started",
        appId=sc.applicationId,
        uiUrl=sc.uiWebUrl,
        spark=sc.version,
        scala=sc._jvm.scala.util.Properties.versionNumberString(),
    )

    cell(sc, "cell-count")
    sc.parallelize(range(1000), 4).map(lambda x: x * 2).count()

    cell(sc, "cell-sql")
    spark.udf.register("slow_id", slow_id, "bigint")
    spark.sql("SELECT id % 3 AS k, sum(slow_id(id)) AS s FROM range(0, 4, 1, 2) GROUP BY id % 3").collect()

    cell(sc, "cell-fail")
    for action in (
        lambda: sc.parallelize(range(4), 2).map(fail).count(),
        lambda: spark.sql(
            "SELECT if(id > 1, raise_error(concat('refused ', id)), id) FROM range(0, 4, 1, 2)"
        ).collect(),
    ):
        try:
            action()
            raise SystemExit("the failing job succeeded")
        except Exception:
            pass

    # A job group cancelled by Spark itself (sc.cancelJobGroup) once its job runs.
    cell(sc, "cell-group")
    tracker = sc.statusTracker()

    def cancel_group_when_running() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            for job in tracker.getJobIdsForGroup("cell-group"):
                info = tracker.getJobInfo(job)
                stages = [tracker.getStageInfo(s) for s in (info.stageIds if info else [])]
                if any(s and s.numActiveTasks > 0 for s in stages):
                    sc.cancelJobGroup("cell-group")
                    return
            time.sleep(0.1)

    canceller = threading.Thread(target=cancel_group_when_running, daemon=True)
    canceller.start()
    try:
        sc.parallelize(range(2), 2).map(sleep_forever).count()
        raise SystemExit("the job group was not cancelled")
    except Exception:
        pass
    canceller.join()

    # A job the test cancels through the monitor's API.
    cell(sc, "cell-cancel")
    say(event="cancel-me")
    error = None
    try:
        sc.parallelize(range(2), 2).map(sleep_forever).count()
    except Exception as e:
        error = " | ".join(line for line in str(e).splitlines() if "cancel" in line.lower())[:4000]
    say(event="done", cancelError=error)
    sys.stdin.readline()
    spark.stop()


if __name__ == "__main__":
    main()
