"""One listener jar in every supported Spark: 3.5 built for Scala 2.12 (PyPI pyspark), 3.5 built for Scala 2.13 (Maven
Central's jars in a SPARK_HOME), 4.0 and the project's own 4.1 (both Scala 2.13).

For each runtime:
- `test_jar_links`: every class, method and field the jar names in Spark, Scala or slf4j exists there with the
  descriptor it was compiled with (listener/linkcheck.py reads the class files; no JVM), and the class files load on
  Java 8. `test_linkcheck_finds_what_would_not_link` shows the checker catching a Scala 2.13-only call.
- `test_driver_reports_to_the_monitor`: a real PySpark driver (local[2]) of that runtime, configured as our Jupyter
  Server configures kernels (`sparkmonitor_go.proxy.configure_kernels`: SPARK_CONF_DIR with spark.plugins.defaultList,
  SPARK_DIST_CLASSPATH with the jar), reports to a real monitor binary. It runs a job, a SQL query, a failing RDD job
  and a failing SQL query, a job group cancelled by Spark, and a job the test cancels through the monitor's API. The
  monitor's application must then hold exactly the jobs Spark's own REST API lists, with Spark's task counts, status
  and job group (each cell's id), Spark's SQL executions with their status, and the cancelled job as CANCELLED with
  our reason; the app ends as FINISHED; the driver's log has our "reporting" line and no error or warning from the
  listener (no NoSuchMethodError or the like anywhere).

The extra runtimes are installed by `make spark-runtimes` (scripts/spark_runtimes.sh, part of `make test`); without
them those cases are skipped with that reason.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import Fatal, spark_api, wait_until

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "listener"))
sys.path.insert(0, str(ROOT / "integration" / "bench"))
import linkcheck  # noqa: E402
from bench_listener import Monitor  # noqa: E402

JAR = ROOT / "build" / "sparkmonitor-listener.jar"
DRIVER = Path(__file__).with_name("spark_versions_driver.py")
CACHE = Path(os.environ.get("SPARKMONITOR_CACHE") or Path.home() / ".cache" / "sparkmonitor-go")
MANIFEST = CACHE / "spark-runtimes" / "runtimes.json"
JVM_TIMEOUT = 300  # seconds: a cold driver JVM on 2 busy cores
# Environment variables of the developer's shell that would change which Spark runs or how it is configured.
CLEARED = (
    "SPARK_HOME",
    "SPARK_CONF_DIR",
    "SPARK_DIST_CLASSPATH",
    "PYTHONSTARTUP",
    "PYSPARK_PYTHON",
    "PYSPARK_DRIVER_PYTHON",
    "PYSPARK_SUBMIT_ARGS",
    "PYSPARK_GATEWAY_PORT",
    "PYTHONPATH",
    "VIRTUAL_ENV",
)
LINKAGE_ERRORS = re.compile(
    r"NoSuchMethodError|NoSuchFieldError|NoClassDefFoundError|AbstractMethodError|"
    r"IncompatibleClassChangeError|UnsupportedClassVersionError|ClassNotFoundException"
)
# Log lines use LOG4J's layout below: "LEVEL logger: message".
# Our loggers' warnings and errors, Spark's about our classes (a listener that threw), and stack traces through them.
# (Spark's own warnings may quote our cancel reason, "via SparkMonitor": those are fine.)
OUR_PROBLEM = re.compile(
    r"^(WARN|ERROR) (io\.sparkmonitor.*|.*(MonitorListener|MonitorPlugin).*)$|^\s+at io\.sparkmonitor\..*$", re.M
)
LOG4J = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %p %c: %m%n
logger.sparkmonitor.name = io.sparkmonitor
logger.sparkmonitor.level = info
"""


def runtimes() -> list:
    import pyspark

    own = {
        "name": f"spark-{pyspark.__version__}-scala2.13",
        "python": sys.executable,
        "sparkHome": None,
        "spark": pyspark.__version__,
        "scala": "2.13",
    }
    extra = json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else []
    return (
        [pytest.param(own, id=own["name"])]
        + [pytest.param(r, id=r["name"]) for r in extra]
        + (
            []
            if extra
            else [
                pytest.param(
                    None,
                    id="spark-3.5-and-4.0",
                    marks=pytest.mark.skip(reason=f"no {MANIFEST}: run `make spark-runtimes`"),
                )
            ]
        )
    )


def jars_dir(runtime: dict) -> Path:
    if runtime["sparkHome"]:
        return Path(runtime["sparkHome"]) / "jars"
    out = subprocess.run(
        [runtime["python"], "-c", "import pyspark, os; print(os.path.dirname(pyspark.__file__))"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Path(out.stdout.strip()) / "jars"


@pytest.fixture(scope="module")
def jar() -> Path:
    if not JAR.is_file():
        pytest.skip(f"needs {JAR} (make build)")
    return JAR


@pytest.fixture(scope="module")
def monitor(tmp_path_factory, jar):
    with Monitor(tmp_path_factory.mktemp("monitor")) as m:
        yield m


@pytest.mark.parametrize("runtime", runtimes())
def test_jar_links(runtime, jar):
    problems = linkcheck.check(jar, linkcheck.Runtime([jars_dir(runtime)]))
    assert problems == [], "\n".join(problems)


DIRECT_CALL = """\
package check;
public final class Direct {
  public static int stages(org.apache.spark.scheduler.SparkListenerJobStart e) { return e.stageInfos().size(); }
  public static long pid() { return ProcessHandle.current().pid(); }
}
"""


def test_linkcheck_finds_what_would_not_link(tmp_path):
    """The checker itself: a direct call to a Scala collection accessor, compiled against the project's Spark 4.1
    (Scala 2.13), does not link on Spark 3.5's Scala 2.12 build; nor does a Java 9 class on Java 8."""
    extra = {r["name"]: r for r in (json.loads(MANIFEST.read_text()) if MANIFEST.is_file() else [])}
    if "spark-3.5.9-scala2.12" not in extra:
        pytest.skip(f"no Spark 3.5 Scala 2.12 runtime in {MANIFEST}: run `make spark-runtimes`")
    import pyspark

    own_jars = Path(pyspark.__file__).parent / "jars"
    (tmp_path / "src" / "check").mkdir(parents=True)
    (tmp_path / "src" / "check" / "Direct.java").write_text(DIRECT_CALL)
    subprocess.run(
        [
            "javac",
            "--release",
            "17",
            "-nowarn",
            "-d",
            str(tmp_path / "classes"),
            "-cp",
            f"{own_jars}/*",
            str(tmp_path / "src" / "check" / "Direct.java"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    subprocess.run(
        ["jar", "--create", "--file", str(tmp_path / "direct.jar"), "-C", str(tmp_path / "classes"), "."],
        check=True,
        capture_output=True,
        timeout=60,
    )
    problems = linkcheck.check(tmp_path / "direct.jar", linkcheck.Runtime([jars_dir(extra["spark-3.5.9-scala2.12"])]))
    assert problems == [
        "check.Direct: class file version 61 does not load on Java 8 (needs 52)",
        "check.Direct: class java.lang.ProcessHandle is missing (NoClassDefFoundError)",
        "check.Direct: org.apache.spark.scheduler.SparkListenerJobStart.stageInfos()Lscala/collection/immutable/Seq; "
        "is missing (NoSuchMethodError)",
    ]
    assert [
        p
        for p in linkcheck.check(tmp_path / "direct.jar", linkcheck.Runtime([own_jars]))
        if "ProcessHandle" not in p and "class file version" not in p
    ] == []


class Driver:
    """The driver process; its stdout lines are queued by a reader thread, its stderr goes to a log file."""

    def __init__(self, runtime: dict, env: dict, tmp: Path):
        self.log_path = tmp / "driver.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [runtime["python"], str(DRIVER)],
            env=env,
            cwd=tmp,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            if line.startswith("{"):
                self.lines.put(json.loads(line))

    def expect(self, event: str, timeout: float) -> dict:
        def next_line():
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                if self.proc.poll() is not None:
                    raise Fatal(f"the driver exited ({self.proc.returncode}); log:\n{self.tail()}") from None
                return None
            if line.get("event") != event:
                raise Fatal(f"the driver said {line} while the test waited for {event}")
            return line

        return wait_until(next_line, timeout, f"the driver's {event!r} line")

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("stop\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=120)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.log.close()


def driver_env(runtime: dict, monitor: Monitor, jar: Path, tmp: Path) -> dict:
    """The environment a kernel of our Jupyter Server inherits (proxy.configure_kernels), for this runtime."""
    from sparkmonitor_go import proxy

    env = {k: v for k, v in os.environ.items() if k not in CLEARED and not k.startswith("SPARKMONITOR_")}
    user_conf = tmp / "user-conf"
    user_conf.mkdir()
    (user_conf / "log4j2.properties").write_text(LOG4J)
    env["SPARK_CONF_DIR"] = str(user_conf)  # the user's own conf dir: the generated one links its log4j2.properties
    workdir = tmp / "server"
    workdir.mkdir()
    conf_dir = proxy.configure_kernels(env, workdir, monitor.ingest, monitor.secret, jar, logging.getLogger("test"))
    assert conf_dir is not None
    if runtime["sparkHome"]:
        env["SPARK_HOME"] = runtime["sparkHome"]
    env["PYSPARK_PYTHON"] = runtime["python"]
    env["SPARK_LOCAL_IP"] = "127.0.0.1"  # the driver and its UI on loopback only
    return env


def monitor_get(monitor: Monitor, path: str) -> dict:
    req = urllib.request.Request(monitor.url + path, headers={"X-Sparkmonitor-Proxy-Secret": monitor.proxy_secret})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read().decode())["data"]


def monitor_post(monitor: Monitor, path: str) -> int:
    req = urllib.request.Request(
        monitor.url + path,
        method="POST",
        data=b"",
        headers={"X-Sparkmonitor-Proxy-Secret": monitor.proxy_secret, "X-Sparkmonitor-Csrf": "1"},
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def job_views(app: dict, spark_jobs: list) -> tuple:
    """Each job as the monitor has it and as Spark's REST API has it, in the same terms (the monitor's CANCELLED is
    Spark's FAILED; the monitor's numTasks leaves out skipped tasks, API.md § Counting)."""
    mine = {
        j["jobId"]: {
            "status": "FAILED" if j["status"] == "CANCELLED" else j["status"],
            "cell": j["cellId"],
            "tasks": j["numTasks"] + j["numSkippedTasks"],
            "completed": j["numCompletedTasks"],
            "failed": j["numFailedTasks"],
            "killed": j["numKilledTasks"],
            "active": j["numActiveTasks"],
            "skipped": j["numSkippedTasks"],
            "stagesCompleted": j["numCompletedStages"],
        }
        for j in app.get("jobs", [])
    }
    spark = {
        j["jobId"]: {
            "status": j["status"],
            "cell": j.get("jobGroup"),
            "tasks": j["numTasks"],
            "completed": j["numCompletedTasks"],
            "failed": j["numFailedTasks"],
            "killed": j["numKilledTasks"],
            "active": j["numActiveTasks"],
            "skipped": j["numSkippedTasks"],
            "stagesCompleted": j["numCompletedStages"],
        }
        for j in spark_jobs
    }
    return mine, spark


@pytest.mark.parametrize("runtime", runtimes())
def test_driver_reports_to_the_monitor(runtime, monitor, jar, tmp_path):
    driver = Driver(runtime, driver_env(runtime, monitor, jar, tmp_path), tmp_path)
    try:
        started = driver.expect("started", JVM_TIMEOUT)
        assert (started["spark"], started["scala"].rsplit(".", 1)[0]) == (runtime["spark"], runtime["scala"])
        app_id, ui = started["appId"], started["uiUrl"]

        # The job the test cancels through the monitor, once the monitor shows it running under its cell.
        driver.expect("cancel-me", JVM_TIMEOUT)

        def running_cancel_job():
            jobs = monitor_get(monitor, f"api/apps/{app_id}").get("jobs", [])
            return next(
                (
                    j
                    for j in jobs
                    if j["cellId"] == "cell-cancel" and j["status"] == "RUNNING" and j["numActiveTasks"] > 0
                ),
                None,
            )

        job = wait_until(running_cancel_job, 120, "cell-cancel's job running in the monitor")
        assert monitor_post(monitor, f"api/apps/{app_id}/jobs/{job['jobId']}/cancel") == 202
        done = driver.expect("done", 120)
        assert "via SparkMonitor" in (done["cancelError"] or ""), done

        def settled():
            spark_jobs = spark_api(ui, app_id, "jobs")
            if any(j["status"] == "RUNNING" or j["numActiveTasks"] for j in spark_jobs):
                return None
            mine, spark = job_views(monitor_get(monitor, f"api/apps/{app_id}"), spark_jobs)
            return (mine, spark) if mine == spark else None

        try:
            wait_until(settled, 120, "the monitor's jobs to equal Spark's")
        finally:
            mine, spark = job_views(monitor_get(monitor, f"api/apps/{app_id}"), spark_api(ui, app_id, "jobs"))
            assert mine == spark

        app = monitor_get(monitor, f"api/apps/{app_id}")
        assert (app["sparkVersion"], app["droppedEvents"]) == (runtime["spark"], 0)
        cells = {j["cellId"] for j in app["jobs"]}
        assert cells == {"cell-cancel", "cell-count", "cell-fail", "cell-group", "cell-sql"}
        by_cell = {c: [j for j in app["jobs"] if j["cellId"] == c] for c in cells}
        assert [j["status"] for j in by_cell["cell-cancel"]] == ["CANCELLED"]
        assert "via SparkMonitor" in by_cell["cell-cancel"][0]["error"]
        assert [j["status"] for j in by_cell["cell-group"]] == ["CANCELLED"]
        assert "cell-group" in by_cell["cell-group"][0]["error"]
        assert [j["status"] for j in by_cell["cell-fail"]] == ["FAILED"] * len(by_cell["cell-fail"])
        assert len(by_cell["cell-fail"]) >= 2  # the RDD job and the SQL query

        # SQL executions: every one of Spark's that ran jobs, with Spark's status; the query's text read from its plan.
        spark_sql = {
            e["id"]: e["status"]
            for e in spark_api(ui, app_id, "sql?details=false")
            if e["successJobIds"] or e["failedJobIds"] or e["runningJobIds"]
        }
        mine_sql = {e["executionId"]: e for e in app["sqlExecutions"]}
        assert {i: mine_sql.get(i, {}).get("status") for i in spark_sql} == spark_sql
        assert sorted(spark_sql.values()) == ["COMPLETED", "FAILED"]
        texts = [e["description"] for e in app["sqlExecutions"]]
        assert any("sum(slow_id(id))" in t for t in texts), texts
        failed = [e for e in app["sqlExecutions"] if e["status"] == "FAILED"]
        assert failed and all("refused" in (e["error"] or "") for e in failed), failed
    finally:
        driver.stop()

    wait_until(
        lambda: monitor_get(monitor, f"api/apps/{app_id}")["state"] == "FINISHED",
        60,
        "the application to end as FINISHED in the monitor",
    )
    log = driver.log_path.read_text(errors="replace")
    assert "SparkMonitor: reporting to the monitor at" in log, log[-6000:]
    problems = [m.group(0) for r in (LINKAGE_ERRORS, OUR_PROBLEM) for m in r.finditer(log)]
    assert not problems, f"{problems}\n{log[-6000:]}"
