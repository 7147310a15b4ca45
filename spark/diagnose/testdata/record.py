"""Records real Spark failure texts for spark/diagnose's tests.

Each scenario runs in its own local PySpark driver (a fresh JVM, so memory settings apply), makes one failure happen,
and writes <scenario>.json: the Python exception PySpark raised (class, message, the traceback's last lines) and what
Spark's REST API says about the failed jobs, stages (failureReason) and failed tasks (errorMessage, executor, host,
attempt). The monitor receives the same texts from the listener (TaskFailedReason.toErrorString, StageInfo
.failureReason, the job's exception message).

Usage: python record.py [scenario ...]   (run from this directory, with PySpark installed)
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import traceback
import urllib.request

MAX = 16 << 10


def rest(spark, what):
    ui = spark.sparkContext.uiWebUrl
    app = spark.sparkContext.applicationId
    with urllib.request.urlopen(f"{ui}/api/v1/applications/{app}/{what}", timeout=120) as r:
        return json.loads(r.read().decode())


# A notebook cell as ipykernel compiles it (its file name is /tmp/ipykernel_<pid>/<hash>.py): the UDF raises at line 5.
UDF_CELL = """from pyspark.sql import functions as F
@F.udf("int")
def inverse(x):
    y = x - 7
    return 100 // y
spark.range(0, 20, numPartitions=2).select(inverse("id")).collect()
"""


def udf_error(spark):
    exec(compile(UDF_CELL, "/tmp/ipykernel_4242/2741580513.py", "exec"), {"spark": spark})


def python_memory(spark):
    from pyspark.sql import functions as F

    @F.udf("int")
    def grow(x):
        import resource

        # This Python worker may use at most 1 GiB (kept: one scenario per JVM).
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, resource.getrlimit(resource.RLIMIT_AS)[1]))
        return len(bytearray(1 << 30))

    spark.range(0, 2, numPartitions=1).select(grow("id")).collect()


def driver_result_size(spark):
    spark.range(0, 400000, numPartitions=4).selectExpr("uuid() AS s", "uuid() AS t").collect()


def analysis_error(spark):
    spark.range(10).select("idd").collect()


def cancelled(spark):
    sc = spark.sparkContext
    sc.setJobGroup("record-cancel", "cancelled by the recorder")
    threading.Timer(3, lambda: sc.cancelJobGroup("record-cancel")).start()
    sc.parallelize(range(4), 2).map(lambda x: time.sleep(30) or x).collect()


def not_serializable(spark):
    lock = threading.Lock()
    spark.sparkContext.parallelize(range(4), 2).map(lambda x: (x, lock)).collect()


SCENARIOS = {
    "udf_error": (udf_error, {}),
    "python_memory": (python_memory, {}),
    "driver_result_size": (driver_result_size, {"spark.driver.maxResultSize": "1m"}),
    "analysis_error": (analysis_error, {}),
    "cancelled": (cancelled, {}),
    "not_serializable": (not_serializable, {}),
}


def record(name: str) -> None:
    from pyspark.sql import SparkSession

    run, conf = SCENARIOS[name]
    b = SparkSession.builder.master("local[2]").appName(f"record-{name}").config("spark.ui.port", "0")
    for k, v in conf.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    out = {"scenario": name, "sparkVersion": spark.version, "conf": conf}
    try:
        run(spark)
        out["python"] = None
    except Exception as e:  # the point: record what the user's cell would raise
        out["python"] = {
            "class": type(e).__module__ + "." + type(e).__qualname__,
            "message": str(e)[:MAX],
            "traceback": "".join(traceback.format_exception(e))[-MAX:],
        }
    time.sleep(5)  # let the listener bus deliver the job's end to the status store the REST API reads
    jobs = [j for j in rest(spark, "jobs") if j["status"] == "FAILED"]
    stages = [s for s in rest(spark, "stages") if s["status"] == "FAILED"]
    tasks = []
    for s in stages:
        for t in rest(spark, f"stages/{s['stageId']}/{s['attemptId']}/taskList?status=FAILED"):
            tasks.append(
                {k: t.get(k) for k in ("taskId", "attempt", "executorId", "host", "status", "errorMessage")}
                | {"stageId": s["stageId"]}
            )
    out["jobs"] = [{k: j.get(k) for k in ("jobId", "status", "stageIds", "numFailedTasks")} for j in jobs]
    out["stages"] = [{k: s.get(k) for k in ("stageId", "attemptId", "status", "failureReason")} for s in stages]
    out["tasks"] = tasks
    out["sql"] = [{k: x.get(k) for k in ("id", "status", "errorMessage")} for x in rest(spark, "sql")]
    spark.stop()
    with open(f"{name}.json", "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    names = sys.argv[1:] or list(SCENARIOS)
    if len(names) == 1:
        record(names[0])
    else:
        for n in names:  # one JVM per scenario
            subprocess.run([sys.executable, __file__, n], check=False, timeout=300)
