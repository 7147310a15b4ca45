"""Records a real Spark event log, written by Spark itself, and what Spark's REST API says of the same application.

Re-record from the repository root (needs the project's venv with PySpark):
    .venv/bin/python spark/history/testdata/record.py
Writes spark_events.zstd (Spark's own event log: spark.eventLog.enabled, codec zstd) and spark_rest.json (the
driver's /api/v1/applications/{id}/jobs and /stages, read after the last job ended and before the session stops): the
Go tests replay the log and compare with what Spark's REST API said.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    for key in [k for k in os.environ if k.startswith(("SPARK_", "PYSPARK_", "SPARKMONITOR_"))]:
        del os.environ[key]  # plain Spark: no monitor, the user's conf left out
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    logdir = Path(tempfile.mkdtemp(prefix="spark-events-"))
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("recorded-elsewhere")
        .config("spark.eventLog.enabled", "true")
        .config("spark.eventLog.dir", str(logdir))
        .config("spark.eventLog.compress", "true")
        .config("spark.eventLog.compression.codec", "zstd")
        .config("spark.eventLog.rolling.enabled", "false")  # Spark 4 writes a folder of rolled files by default
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    sc = spark.sparkContext
    sc.setLocalProperty("sparkmonitor.cellId", "cell-sql")
    spark.range(0, 100_000, numPartitions=4).selectExpr("sum(id)").collect()
    sc.setLocalProperty("sparkmonitor.cellId", "cell-shuffle")
    pairs = sc.parallelize(range(1000), 6).map(lambda x: (x % 7, 1)).reduceByKey(lambda a, b: a + b, 3)
    pairs.count()
    pairs.collect()  # its map stage is skipped

    def boom(x):
        raise ValueError("boom in a task")

    sc.setLocalProperty("sparkmonitor.cellId", "cell-fail")
    try:
        sc.parallelize(range(4), 2).map(boom).count()
    except Exception:
        pass
    app = sc.applicationId
    rest = {}
    for what in ("jobs", "stages"):
        with urllib.request.urlopen(f"{sc.uiWebUrl}/api/v1/applications/{app}/{what}", timeout=30) as r:
            rest[what] = json.load(r)
    spark.stop()
    logs = list(logdir.iterdir())
    assert len(logs) == 1 and logs[0].name.endswith(".zstd"), logs
    shutil.copyfile(logs[0], HERE / "spark_events.zstd")
    (HERE / "spark_rest.json").write_text(json.dumps({"appId": app, **rest}, indent=1) + "\n")
    shutil.rmtree(logdir)
    print(f"recorded {app}: {len(rest['jobs'])} jobs, {len(rest['stages'])} stages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
