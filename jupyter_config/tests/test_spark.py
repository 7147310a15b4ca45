"""Real PySpark (a real driver JVM with the real listener jar) started with the environment proxy.server() exports.

- A user's own Spark configuration keeps working next to ours: their spark-defaults.conf values, their
  spark.extraListeners, their own plugin in spark.plugins.defaultList (with its jar on spark.driver.extraClassPath),
  and our plugin reports to the monitor's ingest socket.
- With no monitor listening, Spark starts, computes and stops as usual.
- With a user's spark-defaults.conf that cannot be read, Spark starts (with a warning in the Jupyter log).
- In a real IPython kernel, the jobs of a cell carry that cell's id, including in the cell that creates the session;
  the jobs of its Python threads (a threading.Thread, a ThreadPoolExecutor made in an earlier cell) carry none, but
  name the cell as the one the kernel was running (`runningCell`, from the hook's cell marks).

Each test starts one JVM; the fixtures are shared. Needs build/sparkmonitor-listener.jar (skipped, with that reason,
until it is built).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sparkmonitor_go import proxy

from .fake_ingest import FakeIngest
from .kernels import Kernel
from .support import PACKAGE_ROOT, TOUCHED, require_real_jar

DATA = Path(__file__).parent / "data"
PLUGIN = "io.sparkmonitor.listener.MonitorPlugin"
JVM_TIMEOUT = 180  # seconds; a cold JVM on 2 busy cores


def pyspark_jars() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def build_team_plugin(tmp: Path) -> Path:
    if shutil.which("javac") is None or shutil.which("jar") is None:
        pytest.skip("needs a JDK (javac, jar) to build the user's test plugin (run `make bootstrap`)")
    classes = tmp / "classes"
    subprocess.run(
        ["javac", "-d", str(classes), "-cp", f"{pyspark_jars()}/*", str(DATA / "teamplugin/myteam/TeamPlugin.java")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    jar = tmp / "team-plugin.jar"
    subprocess.run(["jar", "cf", str(jar), "-C", str(classes), "."], check=True, capture_output=True, timeout=60)
    return jar


class Monitored:
    """The environment of one Jupyter Server start (proxy.server()) plus a fake monitor on its ingest socket."""

    def __init__(self, env: dict, ingest: FakeIngest | None, tmp: Path):
        self.env, self.ingest, self.tmp = env, ingest, tmp


def server_env(tmp: Path, jar: Path, user_conf: Path | None) -> dict:
    """Calls proxy.server() in a clean environment and returns the environment a kernel would inherit."""
    saved = dict(os.environ)
    try:
        for key in TOUCHED:
            os.environ.pop(key, None)
        binary = tmp / "sparkmonitor"
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
        os.environ.update(SPARKMONITOR_BINARY=str(binary), SPARKMONITOR_JAR=str(jar))
        if user_conf is not None:
            os.environ["SPARK_CONF_DIR"] = str(user_conf)
        proxy.server()
        env = dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYTHONPATH"] = str(PACKAGE_ROOT)  # the sources under test, ahead of any installed copy
    return env


@pytest.fixture(scope="module")
def monitored(tmp_path_factory):
    jar = require_real_jar()
    tmp = tmp_path_factory.mktemp("spark")
    team_jar = build_team_plugin(tmp)
    user_conf = tmp / "user-conf"
    user_conf.mkdir()
    (user_conf / "spark-defaults.conf").write_text(
        "# the team's own defaults\n"
        "spark.extraListeners org.apache.spark.scheduler.StatsReportListener\n"
        "spark.myteam.flag=42\n"
        "spark.plugins.defaultList   myteam.TeamPlugin\n"
        f"spark.driver.extraClassPath {team_jar}\n"
        f"spark.myteam.marker {tmp / 'team-plugin-ran.txt'}\n"
    )
    # Like a Hadoop-free Spark build's spark-env.sh: it replaces SPARK_DIST_CLASSPATH (the generated wrapper must put
    # the listener jar back, or Spark could not load the plugin it is told to load).
    (user_conf / "spark-env.sh").write_text(
        f"export SPARK_DIST_CLASSPATH={tmp / 'hadoop-free'}/*\nexport MYTEAM_ENV=from-spark-env\n"
    )
    (user_conf / "log4j2.properties").write_text(
        "rootLogger.level = warn\nrootLogger.appenderRef.stdout.ref = console\n"
        "appender.console.type = Console\nappender.console.name = console\nappender.console.target = SYSTEM_ERR\n"
        "appender.console.layout.type = PatternLayout\nappender.console.layout.pattern = %d %p %c: %m%n\n"
    )
    env = server_env(tmp, jar, user_conf)
    ingest = FakeIngest(env["SPARKMONITOR_INGEST"], env["SPARKMONITOR_SECRET"])
    yield Monitored(env, ingest, tmp)
    ingest.close()


def start_driver(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(DATA / "spark_driver.py"), *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def read_report(driver: subprocess.Popen) -> dict:
    line = driver.stdout.readline()  # blocks until the driver printed its report or exited
    if not line:
        driver.wait(timeout=JVM_TIMEOUT)
        raise AssertionError(f"driver exited with {driver.returncode}:\n{driver.stderr.read()[-4000:]}")
    return json.loads(line)


def finish(driver: subprocess.Popen) -> tuple:
    out, err = driver.communicate("go\n", timeout=JVM_TIMEOUT)
    return json.loads(out.strip().splitlines()[-1]), err


def test_users_configuration_keeps_working_and_our_plugin_reports(monitored):
    driver = start_driver(monitored.env, "--wait")
    try:
        report = read_report(driver)
        hello = monitored.ingest.wait_for(
            lambda f: f.get("type") == "hello" and f.get("appId") == report["appId"], JVM_TIMEOUT, "the driver's hello"
        )
    finally:
        stopped, stderr = finish(driver)

    assert driver.returncode == 0, stderr[-4000:]
    assert report["sum"] == 4950
    assert report["extraListeners"] == "org.apache.spark.scheduler.StatsReportListener"
    assert report["flag"] == "42"
    assert report["extraClassPath"].endswith("team-plugin.jar")
    assert report["defaultList"] == f"myteam.TeamPlugin,{PLUGIN}"
    assert report["jvmEnv"] == "from-spark-env"
    assert (monitored.tmp / "team-plugin-ran.txt").read_text() == "team plugin ran"
    assert hello["protocol"] == 1 and hello["secret"] == monitored.env["SPARKMONITOR_SECRET"]
    assert hello["appName"] == "sparkmonitor-go-test"


def test_spark_works_when_no_monitor_is_listening(tmp_path):
    jar = require_real_jar()
    env = server_env(tmp_path, jar, None)
    socket_path = Path(env["SPARKMONITOR_INGEST"][len("unix:") :])
    assert not socket_path.exists()

    driver = start_driver(env)
    report = read_report(driver)
    stopped, stderr = finish(driver)

    assert driver.returncode == 0, stderr[-4000:]
    assert report["sum"] == 4950
    assert report["defaultList"] == PLUGIN
    assert report["jvmEnv"] is None
    # Not a benchmark: an unreachable monitor must not hold up the user's spark.stop().
    assert stopped["stopSeconds"] < 20, stopped


def test_spark_works_when_the_users_spark_defaults_cannot_be_read(tmp_path, caplog):
    # A spark-defaults.conf that is a directory cannot be read, even by root. The Jupyter log says so, and the
    # driver starts with the user's other files (their spark-env.sh ran) and our plugin.
    jar = require_real_jar()
    user_conf = tmp_path / "user-conf"
    (user_conf / "spark-defaults.conf").mkdir(parents=True)
    (user_conf / "spark-env.sh").write_text("export MYTEAM_ENV=from-spark-env\n")
    with caplog.at_level("WARNING", logger="sparkmonitor_go"):
        env = server_env(tmp_path, jar, user_conf)
    assert f"cannot read {user_conf / 'spark-defaults.conf'}" in caplog.text, caplog.text

    driver = start_driver(env)
    report = read_report(driver)
    _, stderr = finish(driver)

    assert driver.returncode == 0, stderr[-4000:]
    assert report["sum"] == 4950 and report["defaultList"] == PLUGIN and report["jvmEnv"] == "from-spark-env", report


def test_jobs_carry_the_id_of_the_cell_that_ran_them(monitored):
    env = dict(monitored.env, JPY_SESSION_NAME=str(monitored.tmp / "analysis.ipynb"))
    kernel = Kernel(env, monitored.tmp / "runtime", monitored.tmp / "kernel.log")
    ingest = monitored.ingest
    try:
        first = kernel.execute(
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.master('local[2]').appName('sparkmonitor-go-kernel').getOrCreate()\n"
            "spark.range(0, 1000, numPartitions=4).selectExpr('sum(id)').collect()[0][0]",
            cell_id="cell-creates-session",
            timeout=JVM_TIMEOUT,
        )
        assert (first.status, first.value) == ("ok", "499500"), (first, kernel.log_path.read_text()[-4000:])
        job1 = ingest.wait_for(
            lambda f: f.get("type") == "jobStart" and f.get("cellId") == "cell-creates-session", 60, "cell 1's job"
        )
        app_id = kernel.execute("spark.sparkContext.applicationId").value.strip("'")
        hello = ingest.wait_for(lambda f: f.get("type") == "hello" and f.get("appId") == app_id, 60, "the hello")

        second = kernel.execute("spark.range(0, 10, numPartitions=2).count()", cell_id="cell-second", timeout=120)
        assert (second.status, second.value) == ("ok", "10"), second
        job2 = ingest.wait_for(
            lambda f: f.get("type") == "jobStart" and f.get("cellId") == "cell-second", 60, "cell 2's job"
        )

        # Jobs of the cell's Python threads (each its own JVM thread: no cell property) name the running cell.
        run_in = (
            "def run_in(group):\n"
            "    spark.sparkContext.setJobGroup(group, 'a job of a Python thread')\n"
            "    return spark.range(0, 10, numPartitions=2).count()\n"
            "from concurrent.futures import ThreadPoolExecutor\n"
            "pool = ThreadPoolExecutor(1)\n"
            "pool.submit(int).result()"  # the pool's worker thread exists before the cell that uses it
        )
        assert kernel.execute(run_in, cell_id="cell-pool-made", timeout=120).status == "ok"
        threads = kernel.execute(
            "import threading\n"
            "t = threading.Thread(target=run_in, args=('from-thread',))\n"
            "t.start(); t.join()\n"
            "pool.submit(run_in, 'from-pool').result()",
            cell_id="cell-threads",
            timeout=120,
        )
        assert (threads.status, threads.value) == ("ok", "10"), threads
        from_thread, from_pool = (
            ingest.wait_for(lambda f, g=g: f.get("type") == "jobStart" and f.get("jobGroup") == g, 60, g)
            for g in ("from-thread", "from-pool")
        )

        third = kernel.execute(
            "spark.sparkContext.setJobGroup('no-cell-id', 'a cell sent without an id')\n"
            "spark.range(0, 10, numPartitions=2).count()",
            timeout=120,
        )
        assert third.status == "ok", third
        job3 = ingest.wait_for(lambda f: f.get("type") == "jobStart" and f.get("jobGroup") == "no-cell-id", 60, "job 3")

        kernel.execute("spark.stop()", cell_id="cell-stop", timeout=120)
    finally:
        kernel.shutdown()

    assert job2["jobId"] > job1["jobId"]
    assert job3["cellId"] is None and job3["runningCell"] is None
    assert (job1["runningCell"], job2["runningCell"]) == ("cell-creates-session", "cell-second")
    assert [(j["cellId"], j["runningCell"]) for j in (from_thread, from_pool)] == [(None, "cell-threads")] * 2
    assert hello["kernelId"] == kernel.id
    assert hello["notebookPath"] == env["JPY_SESSION_NAME"]
