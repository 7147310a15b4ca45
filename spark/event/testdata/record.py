"""Records the golden listener streams in this folder from real PySpark runs.

Re-record (after changing the listener or the protocol) from the repository root:
    make build && .venv/bin/python spark/event/testdata/record.py [scenario ...]
(no names: every scenario).
Each scenario runs in its own Spark application (a fresh JVM) with our listener jar, reporting to a fake monitor that
does the handshake and writes every frame it receives, one per line; the hello's secret is replaced by "REDACTED".
A scenario may have a reaction (REACTIONS): control frames the fake monitor sends back when it sees a frame.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
JAR = ROOT / "build" / "sparkmonitor-listener.jar"
SECRET = "recording-secret"

SCENARIOS = {
    "range_sum": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-a")
spark.range(0, 5_000_000, numPartitions=200).selectExpr("sum(id)").collect()
sc.setLocalProperty("sparkmonitor.cellId", "cell-b")
spark.range(0, 5_000_000, numPartitions=200).selectExpr("sum(id)").collect()
""",
    "shuffle_skip": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-a")
pairs = sc.parallelize(range(10_000), 8).map(lambda x: (x % 10, 1)).reduceByKey(lambda a, b: a + b, 4)
pairs.count()
sc.setLocalProperty("sparkmonitor.cellId", "cell-b")
pairs.collect()
""",
    "failing_task": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-fail")
def boom(x):
    raise ValueError("boom in a task")
try:
    sc.parallelize(range(4), 2).map(boom).count()
except Exception:
    pass
sc.setLocalProperty("sparkmonitor.cellId", "cell-ok")
sc.parallelize(range(100), 4).count()
""",
    # one partition sleeps 6 s among 40 fast ones: the skew hint
    "skewed_task": """
import time
sc.setLocalProperty("sparkmonitor.cellId", "cell-skew")
def work(x):
    if x == 7:
        time.sleep(6)
    return x
sc.parallelize(range(40), 40).map(work).count()
""",
    # a sort with a tiny execution memory (CONFS): the sort stage spills to disk
    "spill_sort": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-spill")
(spark.range(0, 2_000_000, numPartitions=4).selectExpr("id", "uuid() AS u").orderBy("u")
    .write.format("noop").mode("overwrite").save())
""",
    # more than 5000 tiny tasks: the tinyTasks hint
    "tiny_tasks": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-tiny")
spark.range(0, 5050, 1, 5050).selectExpr("sum(id)").collect()
""",
    # One cell runs a SQL query and a DataFrame action; the next runs a SQL query that fails in a task.
    "sql_query": """
sc.setLocalProperty("sparkmonitor.cellId", "cell-sql")
spark.range(0, 1000, 1, 4).createOrReplaceTempView("numbers")
spark.sql("SELECT id % 10 AS k, count(*) AS n FROM numbers GROUP BY k ORDER BY k").collect()
spark.range(0, 100_000, 1, 4).selectExpr("id % 7 AS k").groupBy("k").count().collect()
sc.setLocalProperty("sparkmonitor.cellId", "cell-sql-fail")
try:
    spark.sql("SELECT CASE WHEN id = 7 THEN raise_error('sql boom') END AS x FROM numbers").collect()
except Exception:
    pass
""",
    # Three cancelled jobs, then one that succeeds. The fake monitor cancels the first through the listener's control
    # path (cancelJob on its jobStart) and the second's stage (cancelStage on its stageSubmitted); the third is Spark's
    # own job-group cancel from a thread of the driver (this recording tool waits, bounded, for the job to be active).
    "cancelled_job": """
import threading, time
def slow(x):
    import time
    time.sleep(60)
    return x
for cell in ("cell-cancel", "cell-stage"):
    sc.setLocalProperty("sparkmonitor.cellId", cell)
    try:
        sc.parallelize(range(2), 2).map(slow).count()
    except Exception as e:
        print(cell, "raised:", str(e).splitlines()[0])
sc.setLocalProperty("sparkmonitor.cellId", "cell-group")
sc.setJobGroup("group-1", "a cancelled group", interruptOnCancel=True)
def cancel_group():
    deadline = time.monotonic() + 30
    while not sc.statusTracker().getJobIdsForGroup("group-1") and time.monotonic() < deadline:
        time.sleep(0.05)
    sc.cancelJobGroup("group-1")
threading.Thread(target=cancel_group, daemon=True).start()
try:
    sc.parallelize(range(2), 2).map(slow).count()
except Exception as e:
    print("cell-group raised:", str(e).splitlines()[0])
sc.setLocalProperty("spark.jobGroup.id", None)
sc.setLocalProperty("sparkmonitor.cellId", "cell-ok")
sc.parallelize(range(10), 2).count()
""",
    # A 1 000-task job during which the fake monitor drops the connection (as a killed monitor would) after 300 task
    # ends; the listener reconnects (hello with connection 2, then a resync) and the job finishes. The driver writes
    # Spark's REST API's jobs and stages, read before the session stops, to monitor_restart.rest.json.
    "monitor_restart": """
import json, os, time, urllib.request
sc.setLocalProperty("sparkmonitor.cellId", "cell-restart")
def work(x):
    import time
    time.sleep(0.004)
    return x
sc.parallelize(range(1000), 1000).map(work).count()
app = sc.applicationId
rest = {w: json.load(urllib.request.urlopen(f"{sc.uiWebUrl}/api/v1/applications/{app}/{w}", timeout=30))
        for w in ("jobs", "stages")}
with open(os.environ["RECORD_REST_OUT"], "w") as f:
    f.write(json.dumps({"appId": app, **rest}, indent=1))
""",
    # A join + aggregate query (sort-merge join: AQE off, no broadcast) whose tasks are slowed so that it runs for a
    # few seconds; the fake monitor asks for its plan (sqlPlan) at its start and at task ends (the listener answers at
    # most once a second), and the listener sends one last, final plan a second after its end.
    "sql_plan": """
import time
spark.udf.register("slow", lambda x: (time.sleep(0.5) if x % 25_000 == 0 else None, x)[1], "long")
sc.setLocalProperty("sparkmonitor.cellId", "cell-plan")
big = spark.range(0, 200_000, 1, 8).selectExpr("slow(id) % 100 AS k", "id")
small = spark.range(0, 100, 1, 2).selectExpr("id AS k2", "concat('n', id) AS name")
big.join(small, big.k == small.k2).groupBy("name").count().collect()
time.sleep(3)
""",
    # A Structured Streaming query (rate source, windowed count with a watermark, memory sink) started in a cell and
    # stopped after 6 batches. The driver writes the query's id and PySpark's recentProgress (the oracle) to
    # streaming.rest.json.
    "streaming": """
import json, os, time
from pyspark.sql.functions import window
marks = sc._jvm.io.sparkmonitor.listener.CellMarks
marks.started(sc._jsc.sc(), "cell-stream")
q = (spark.readStream.format("rate").option("rowsPerSecond", 50).option("numPartitions", 2).load()
     .withWatermark("timestamp", "2 seconds").groupBy(window("timestamp", "1 second")).count()
     .writeStream.format("memory").queryName("counts").outputMode("update").trigger(processingTime="1 second")
     .start())
marks.ended(sc._jsc.sc(), "cell-stream")
deadline = time.monotonic() + 180
while len(q.recentProgress) < 6 and time.monotonic() < deadline:
    q.awaitTermination(1)
q.stop()
with open(os.environ["RECORD_REST_OUT"], "w") as f:
    json.dump({"queryId": q.id, "recentProgress": [json.loads(p.json) for p in q.recentProgress]}, f, indent=1)
""",
}


def _plan_reactions():
    """sqlPlan for each execution at its start and at every 4th task end."""
    running: set[int] = set()
    ends = 0

    def react(frame: dict) -> list[dict]:
        nonlocal ends
        t = frame.get("type")
        if t == "sqlStart":
            running.add(frame["executionId"])
        elif t == "sqlEnd":
            running.discard(frame["executionId"])
        elif t == "taskEnd":
            ends += 1
        if t == "sqlStart" or (t == "taskEnd" and ends % 4 == 0):
            return [{"type": "sqlPlan", "executionId": x} for x in sorted(running)]
        return []

    return react


def _drop_reactions():
    """Closes the connection once, after the 300th taskEnd frame."""
    ends = 0

    def react(frame: dict) -> list[dict]:
        nonlocal ends
        if frame.get("type") == "taskEnd":
            ends += 1
            if ends == 300:
                return [{"close": True}]
        return []

    return react


def _cancel_reactions():
    """cancelJob for cell-cancel's job when it starts; cancelStage for cell-stage's stage when it is submitted."""
    stages_of_cell_stage: set[int] = set()

    def react(frame: dict) -> list[dict]:
        if frame.get("type") == "jobStart" and frame.get("cellId") == "cell-cancel":
            return [{"type": "cancelJob", "jobId": frame["jobId"], "reason": "via SparkMonitor"}]
        if frame.get("type") == "jobStart" and frame.get("cellId") == "cell-stage":
            stages_of_cell_stage.update(s["stageId"] for s in frame["stages"])
        if frame.get("type") == "stageSubmitted" and frame["stageId"] in stages_of_cell_stage:
            stage = frame["stageId"]
            return [
                {"type": "cancelStage", "stageId": stage, "reason": f"stage {stage} was cancelled via SparkMonitor"}
            ]
        return []

    return react


# Control frames the fake monitor sends in answer to frames it receives, per scenario.
REACTIONS = {"cancelled_job": _cancel_reactions, "monitor_restart": _drop_reactions, "sql_plan": _plan_reactions}

# Extra Spark configuration per scenario (set before the session starts).
CONFS = {
    "streaming": {"spark.sql.shuffle.partitions": "2"},
    "spill_sort": {"spark.driver.memory": "1g", "spark.memory.fraction": "0.01", "spark.sql.shuffle.partitions": "2"},
    "sql_plan": {
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.autoBroadcastJoinThreshold": "-1",
        "spark.sql.shuffle.partitions": "4",
    },
}

DRIVER = """
import json, sys
from pyspark.sql import SparkSession
master, jar = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master(master).appName("recording").config(map=json.loads(sys.argv[3]))
         .config("spark.plugins", "io.sparkmonitor.listener.MonitorPlugin")
         .config("spark.driver.extraClassPath", jar)
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
sc = spark.sparkContext
exec(sys.stdin.read())
spark.stop()
"""


def record(name: str, code: str, master: str) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="smrec-"))
    sock_path = workdir / "ingest.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    server.listen(4)
    frames: list[str] = []
    ended = threading.Event()
    react = REACTIONS[name]() if name in REACTIONS else (lambda frame: [])

    def serve():
        while not ended.is_set():
            conn, _ = server.accept()
            with conn, conn.makefile("rwb") as f:
                hello = json.loads(f.readline())
                hello["secret"] = "REDACTED" if hello.get("secret") == SECRET else "WRONG"
                frames.append(json.dumps(hello, separators=(",", ":")))
                f.write(b'{"type":"welcome","protocol":1}\n')
                f.flush()
                for line in f:
                    frames.append(line.decode().rstrip("\n"))
                    frame = json.loads(line)
                    if frame.get("type") == "appEnd":
                        ended.set()
                        return
                    controls = react(frame)
                    if {"close": True} in controls:
                        break  # the listener reconnects: accepted again above
                    for control in controls:
                        f.write(json.dumps(control).encode() + b"\n")
                        f.flush()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    env = dict(
        os.environ,
        SPARKMONITOR_INGEST=f"unix:{sock_path}",
        SPARKMONITOR_SECRET=SECRET,
        RECORD_REST_OUT=str(HERE / f"{name}.rest.json"),
        SPARKMONITOR_KERNEL_ID="recording-kernel",
        JPY_SESSION_NAME="recording.ipynb",
    )
    subprocess.run(
        [sys.executable, "-c", DRIVER, master, str(JAR), json.dumps(CONFS.get(name, {}))],
        input=code.encode(),
        env=env,
        check=True,
    )
    if not ended.wait(30):
        raise SystemExit(f"{name}: no appEnd frame received")
    (HERE / f"{name}.jsonl").write_text("\n".join(frames) + "\n")
    return len(frames)


if __name__ == "__main__":
    if not JAR.exists():
        raise SystemExit(f"{JAR} is missing: run `make build` first")
    masters = {"failing_task": "local[2,2]"}
    unknown = set(sys.argv[1:]) - SCENARIOS.keys()
    if unknown:
        raise SystemExit(f"unknown scenarios {sorted(unknown)}; known: {sorted(SCENARIOS)}")
    for name, code in SCENARIOS.items():
        if sys.argv[1:] and name not in sys.argv[1:]:
            continue
        n = record(name, code, masters.get(name, "local[2]"))
        print(f"{name}.jsonl: {n} frames")
