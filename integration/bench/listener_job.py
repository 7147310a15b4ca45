"""One run of benchmark P1 (listener overhead): a 100 000-task PySpark job on local[2], timed.

Run by bench_listener.py as a fresh Python process (a fresh driver JVM) per run:
    python listener_job.py none|ours|swan
and prints one JSON line on stdout. The modes:
- none: no listener besides Spark's own.
- ours: our plugin (spark.plugins + the jar on the driver class path), reporting to the monitor binary whose ingest
  address and secret are in the environment, as jupyter-server-proxy sets them for kernels.
- swan: the listener of the published `sparkmonitor` package (swan-cern), run from that package's own venv and
  configured as its README says (spark.extraListeners + spark.driver.extraClassPath of the jar its kernel extension
  picks), reporting to that package's own receiving socket thread (`SocketThread` of its kernel extension). Its kernel
  extension would forward each message to the browser over a comm; here the messages are counted instead.

Before the timed job, a warm-up job of BENCH_WARMUP_TASKS tasks (20 000); the driver heap is BENCH_DRIVER_MEMORY (4g).
Spark's local directory (spark.local.dir) is a fresh folder in BENCH_LOCAL_DIR (/dev/shm, a tmpfs, where there is
one): every map task of the job writes its shuffle files there, two files a task, and on the disk's ext4 creating
them took about half of the task threads' CPU time (kernel time in ext4_create, per perf), an amount that
depends on the file system's state from run to run.
After the timed job the run waits until the monitor has received every task end (or a deadline passes), so that
Spark's dropped-event counters and the monitor's received counts are final.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
# The wait for the monitor after the job. Ours has every task end within milliseconds; the published package's receiver
# had about 17 000 of the 120 002 after 30 s, about 40 000 after 120 s, so its runs always wait this long.
DRAIN_DEADLINE = float(os.environ.get("BENCH_DRAIN_SECONDS", "30"))
WARMUP_TASKS = int(os.environ.get("BENCH_WARMUP_TASKS", "20000"))
DRIVER_MEMORY = os.environ.get("BENCH_DRIVER_MEMORY", "4g")
LOCAL_DIR = os.environ.get("BENCH_LOCAL_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)


def main(mode: str) -> None:
    local_dir = tempfile.mkdtemp(prefix="bench-p1-spark-", dir=LOCAL_DIR)
    try:
        run(mode, local_dir)
    finally:  # also when the job fails
        shutil.rmtree(local_dir, ignore_errors=True)


def run(mode: str, local_dir: str) -> None:
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[2]")
        .appName(f"bench-listener-{mode}")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if DRIVER_MEMORY:
        builder = builder.config("spark.driver.memory", DRIVER_MEMORY)
    builder = builder.config("spark.local.dir", local_dir)
    for setting in filter(None, os.environ.get("BENCH_SPARK_CONF", "").split(",")):  # key=value,...: for experiments
        key, _, value = setting.partition("=")
        builder = builder.config(key.strip(), value.strip())
    receiver = None
    if mode == "ours":
        builder = builder.config("spark.plugins", "io.sparkmonitor.listener.MonitorPlugin").config(
            "spark.driver.extraClassPath", os.environ["BENCH_OUR_JAR"]
        )
    elif mode == "swan":
        receiver, jar = swan_receiver()
        builder = builder.config("spark.extraListeners", "sparkmonitor.listener.JupyterSparkMonitorListener").config(
            "spark.driver.extraClassPath", jar
        )
    elif mode != "none":
        raise SystemExit(f"unknown mode {mode!r}: none, ours or swan")

    spark = builder.getOrCreate()
    sc = spark.sparkContext
    # Warm-up: class loading, the JIT compiler, the listener's connection.
    spark.range(0, WARMUP_TASKS, 1, WARMUP_TASKS).count()
    jvm = sc._gateway.proc.pid  # spark-submit execs the JVM, so this is the driver JVM's pid
    threads_before = thread_cpu(sc, jvm)
    cpu_before = cpu_seconds(jvm), time.process_time()
    window = [time.time()]
    started = time.perf_counter()
    spark.range(0, TASKS, 1, TASKS).count()
    seconds = time.perf_counter() - started
    window.append(time.time())
    threads_at_end = thread_cpu(sc, jvm)  # before the wait for the monitor, which can outlast idle task threads

    app_id = sc.applicationId
    ui = sc.uiWebUrl
    expected = spark_tasks(ui, app_id)  # task ends Spark's own status listener counted (all jobs)
    drain_started = time.perf_counter()
    received = None
    deadline = drain_started + DRAIN_DEADLINE
    while time.perf_counter() < deadline:
        received = monitor_tasks(mode, app_id, receiver)
        if received is None or received >= expected:
            break
        time.sleep(0.1)
    drained = time.perf_counter() - drain_started
    cpu = {"driverJvm": cpu_seconds(jvm) - cpu_before[0], "driverPython": time.process_time() - cpu_before[1]}
    threads = thread_cpu(sc, jvm)

    def since_start(now: dict[str, float], before: dict[str, float]) -> dict[str, float]:
        return {k: round(v - before.get(k, 0.0), 3) for k, v in now.items()}

    thread_cpu_seconds = since_start(threads[0], threads_before[0])
    metrics = json.load(urllib.request.urlopen(ui + "/metrics/json/", timeout=30))
    dropped = {
        name.split(".queue.", 1)[1].split(".", 1)[0]: counter["count"]
        for name, counter in metrics.get("counters", {}).items()
        if name.endswith("numDroppedEvents")
    }
    print(
        json.dumps(
            {
                "mode": mode,
                "seconds": seconds,
                "window": window,  # the timed job's start and end (Unix time), for the host speed probe
                "cpuSeconds": cpu,  # from the timed job's start until the monitor had every task end
                "jvmThreadCpuSeconds": thread_cpu_seconds,  # the same span, by the driver JVM's thread groups
                # The timed job alone, by thread group: CPU time, and of it the time in the kernel.
                "jvmThreadCpuSecondsJob": since_start(threads_at_end[0], threads_before[0]),
                "jvmThreadSystemCpuSecondsJob": since_start(threads_at_end[1], threads_before[1]),
                "sparkTaskEnds": expected,
                "monitorTaskEnds": received,
                "drainSeconds": drained if mode != "none" else None,
                "sparkDroppedEvents": dropped,
                "listenerDroppedEvents": listener_dropped(mode, app_id),
            }
        ),
        flush=True,
    )
    spark.stop()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    return sum(stat_cpu_seconds(Path(f"/proc/{pid}/stat")))


def stat_cpu_seconds(stat: Path) -> tuple[float, float]:
    """User and system CPU time from a /proc stat file (a process's, or one thread's under /proc/PID/task)."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def thread_cpu(sc, jvm: int) -> tuple[dict[str, float], dict[str, float]]:
    """CPU seconds so far of the driver JVM's live threads (ThreadMXBean; `jvm` is its process ID), summed by group:
    each listener bus queue ("spark-listener-group-appStatus" is where ours runs, "-shared" the published package's),
    our listener's sender and control threads, Spark's scheduler threads, its task threads (those that ended meanwhile
    are not counted), the JIT compiler, the garbage collector, and the rest. Also, by the same groups, the part of it
    spent in the kernel (system time)."""
    bean = sc._jvm.java.lang.management.ManagementFactory.getThreadMXBean()
    groups: dict[str, float] = {}
    system: dict[str, float] = {}
    for tid in bean.getAllThreadIds():
        info = bean.getThreadInfo(tid)
        cpu = bean.getThreadCpuTime(tid)
        user = bean.getThreadUserTime(tid)
        if info is None or cpu < 0 or user < 0:
            continue  # ended meanwhile
        name = info.getThreadName()
        if name.startswith(
            ("spark-listener-group-", "sparkmonitor-", "dag-scheduler", "dispatcher-event-loop", "task-result-getter")
        ):
            group = name.rstrip("0123456789").rstrip("-")
        elif name.startswith("Executor task launch worker"):
            group = "task threads"
        else:
            group = "other"
        groups[group] = groups.get(group, 0.0) + cpu / 1e9
        system[group] = system.get(group, 0.0) + max(0, cpu - user) / 1e9
    # The JVM's own threads (not Java threads, so not in the MXBean): from /proc, by their (truncated) names.
    for task in Path(f"/proc/{jvm}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            group = (
                "JIT compiler" if "CompilerThre" in name else "GC" if name.startswith(("GC Thread", "G1 ")) else None
            )
            if group:
                user, kernel = stat_cpu_seconds(task / "stat")
                groups[group] = groups.get(group, 0.0) + user + kernel
                system[group] = system.get(group, 0.0) + kernel
        except OSError:
            continue  # ended meanwhile
    return groups, system


def spark_tasks(ui: str, app_id: str) -> int:
    """Task ends counted by Spark's AppStatusListener, once it has seen every job end."""
    deadline = time.perf_counter() + 60
    while True:
        jobs = json.load(urllib.request.urlopen(f"{ui}/api/v1/applications/{app_id}/jobs", timeout=30))
        if all(j["status"] != "RUNNING" for j in jobs) or time.perf_counter() > deadline:
            return sum(j["numCompletedTasks"] for j in jobs)
        time.sleep(0.1)


def monitor_tasks(mode: str, app_id: str, receiver) -> int | None:
    if mode == "ours":
        app = our_app(app_id)
        return sum(j["numCompletedTasks"] for j in app.get("jobs", [])) if app else 0
    if mode == "swan":
        return receiver.task_ends
    return None


def listener_dropped(mode: str, app_id: str) -> int | None:
    if mode == "ours":
        app = our_app(app_id)
        return app["droppedEvents"] if app else None
    return None  # the swan listener keeps no such count


def our_app(app_id: str) -> dict | None:
    req = urllib.request.Request(
        os.environ["BENCH_MONITOR_URL"] + "api/apps/" + app_id,
        headers={"X-Sparkmonitor-Proxy-Secret": os.environ["BENCH_PROXY_SECRET"]},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)["data"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def swan_receiver():
    """The published package's receiving socket (its kernel extension's SocketThread), counting task ends."""
    from sparkmonitor import kernelextension as ke  # only importable in that package's venv

    ke.logger = ke.logging.getLogger("sparkmonitor-bench")

    class Counting(ke.SocketThread):
        task_ends = 0
        lock = threading.Lock()

        def onrecv(self, msg):
            if '"sparkTaskEnd"' in msg:
                with self.lock:
                    self.task_ends += 1

    receiver = Counting()
    receiver.daemon = True
    port = receiver.startSocket()  # binds, then starts the thread
    os.environ["SPARKMONITOR_KERNEL_PORT"] = str(port)  # what the kernel extension's configure() sets
    import pyspark

    os.environ.setdefault("SPARK_HOME", os.path.dirname(pyspark.__file__))
    jar = ke.get_listener_jar_path(*ke.get_spark_versions())
    if not jar:
        raise SystemExit("the sparkmonitor package has no listener jar for this Spark")
    return receiver, jar


if __name__ == "__main__":
    main(sys.argv[1])
