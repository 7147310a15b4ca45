"""End to end on a Spark standalone cluster: an executor is lost while a cell's job runs.

A master and two workers (one core, 512 MB each) run from the installed PySpark, on loopback. A notebook in real
JupyterLab creates a SparkSession against that master (client mode: the driver runs in the kernel) and runs 60 tasks
of a second each. While the tasks run, the test kills one executor's JVM (SIGKILL, as an out-of-memory killer or a
lost machine would). Spark retries the lost tasks on the other executor and on the replacement the master starts, and
the job succeeds.

The oracle is Spark's own REST API (the driver's `/api/v1/applications/<app>/{jobs,allexecutors}`): the monitor
under the cell must show the job SUCCEEDED with Spark's completed and failed task counts, why the tasks failed, and,
in its Executors tab, the lost executor removed and its replacement added.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    ARTIFACTS,
    Fatal,
    monitor,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    spark_api,
    wait_until,
    write_notebook,
)

TASKS = 60
DESCRIPTION = "sixty one-second tasks"


class Cluster:
    """A standalone master and its workers, as subprocesses of the test."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.url = ""  # spark://127.0.0.1:<port>, as the master reports it
        self.ui = ""  # http://127.0.0.1:<port>, the master's web UI (bound to SPARK_LOCAL_IP)
        self.procs: list[subprocess.Popen] = []

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=10) as resp:
            return json.loads(resp.read().decode())


MASTER_URL = re.compile(r"Starting Spark master at (spark://[^\s\"]+)")
MASTER_UI_PORT = re.compile(r"Bound MasterWebUI to [^,]+, and started at http://[^\s\"]+:(\d+)")


def master_addresses(log: Path) -> tuple[str, str] | None:
    """The master's RPC URL and web UI URL from its log, once it has logged both. The master binds port 0 for both
    and reports what it got: ports chosen by the test beforehand could be taken in between, and Spark then quietly
    moves on to the next port (so the test would wait on a port nobody listens on)."""
    text = log.read_text(errors="replace")
    url, ui_port = MASTER_URL.search(text), MASTER_UI_PORT.search(text)
    return (url.group(1), f"http://127.0.0.1:{ui_port.group(1)}") if url and ui_port else None


def spark_env(tmp: Path) -> dict[str, str]:
    """The environment of the master and workers: the pip PySpark as SPARK_HOME, loopback only, small daemons, and no
    trace of the monitor (a real cluster's workers do not have our jar)."""
    import pyspark

    env = dict(os.environ)
    for key in (
        "SPARK_CONF_DIR",
        "PYTHONSTARTUP",
        "SPARK_DIST_CLASSPATH",
        "SPARKMONITOR_INGEST",
        "SPARKMONITOR_SECRET",
    ):
        env.pop(key, None)
    conf = tmp / "conf"
    conf.mkdir(exist_ok=True)
    env.update(
        SPARK_HOME=str(Path(pyspark.__file__).parent),
        SPARK_CONF_DIR=str(conf),
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_DAEMON_MEMORY="256m",
        PYSPARK_PYTHON=sys.executable,
        PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""),
    )
    return env


def spark_class(env: dict[str, str], args: list[str], log: Path, extra_env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(env["SPARK_HOME"]) / "bin" / "spark-class"), *args],
        env={**env, **extra_env},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def processes_under(root: Path) -> list[int]:
    """Pids of the processes whose working directory is under `root` (the executors the workers started there)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")).is_relative_to(root):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    env = spark_env(tmp)
    ARTIFACTS.mkdir(exist_ok=True)
    c = Cluster(tmp)
    master_log = ARTIFACTS / "cluster-master.log"

    def alive():
        for p in c.procs:
            if p.poll() is not None:
                raise Fatal(f"a cluster daemon exited with {p.returncode}; see {ARTIFACTS}/cluster-*.log")

    try:
        c.procs.append(
            spark_class(
                env,
                ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0"],
                master_log,
                {"SPARK_LOCAL_DIRS": str(tmp / "master-local")},
            )
        )

        def master_up():
            alive()
            return master_addresses(master_log)

        c.url, c.ui = wait_until(master_up, 180, f"the standalone master to log its URL and web UI ({master_log})")
        for i in range(2):
            work = tmp / f"worker-{i}"
            work.mkdir()
            c.procs.append(
                spark_class(
                    env,
                    [
                        "org.apache.spark.deploy.worker.Worker",
                        c.url,
                        "--host",
                        "127.0.0.1",
                        "--cores",
                        "1",
                        "--memory",
                        "512m",
                        "--webui-port",
                        "0",
                        "--work-dir",
                        str(work),
                    ],
                    ARTIFACTS / f"cluster-worker-{i}.log",
                    {"SPARK_WORKER_DIR": str(work), "SPARK_LOCAL_DIRS": str(tmp / f"worker-{i}-local")},
                )
            )

        def two_workers_alive():
            alive()
            return sum(w["state"] == "ALIVE" for w in c.state()["workers"]) == 2

        wait_until(two_workers_alive, 180, "the standalone master to list two ALIVE workers")
        yield c
    finally:
        for p in reversed(c.procs):
            p.terminate()
        for p in reversed(c.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for pid in processes_under(tmp):  # executors a killed worker could not stop
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def cells(master: str) -> list[dict]:
    return [
        {
            "id": "cl-session",
            "source": (
                "import os, time\n"
                "os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'\n"
                "from pyspark.sql import SparkSession\n"
                f"spark = (SparkSession.builder.master('{master}').appName('cluster-test')\n"
                "    .config('spark.driver.memory', '512m').config('spark.executor.memory', '512m')\n"
                "    .config('spark.driver.host', '127.0.0.1').config('spark.driver.bindAddress', '127.0.0.1')\n"
                "    .config('spark.ui.showConsoleProgress', 'false').getOrCreate())\n"
                "sc = spark.sparkContext\n"
                "# Both executors registered before the job, so that both run its tasks.\n"
                "deadline = time.monotonic() + 240\n"
                "while sc._jsc.sc().getExecutorMemoryStatus().size() < 3:"
                "  # the driver's block manager and two executors\n"
                "    assert time.monotonic() < deadline, 'two executors did not register'\n"
                "    time.sleep(0.2)"
            ),
        },
        {
            "id": "cl-job",
            "source": (
                f"sc.setJobDescription('{DESCRIPTION}')\n"
                f"sc.parallelize(range({TASKS}), {TASKS}).map(lambda x: time.sleep(1) or x).count()"
            ),
        },
    ]


def executor_pid(app_id: str, executor_id: str) -> int:
    """The pid of the executor JVM (CoarseGrainedExecutorBackend) of this application with this id."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"org.apache.spark.executor.CoarseGrainedExecutorBackend" not in args:
            continue
        flags = dict(zip(args, args[1:]))
        if flags.get(b"--app-id") == app_id.encode() and flags.get(b"--executor-id") == executor_id.encode():
            return int(entry.name)
    raise AssertionError(f"no executor JVM for {app_id} executor {executor_id}")


def rest(ui: str, app_id: str, what: str) -> list[dict]:
    """Spark's REST answer, retried: on a busy machine one call may time out."""
    return wait_until(lambda: spark_api(ui, app_id, what), 120, f"Spark's REST API ({what})")


def spark_time(s: str) -> int:
    """Epoch ms of a time in Spark's REST API, e.g. "2026-11-25T05:50:01.123GMT"."""
    return int(
        datetime.strptime(s.removesuffix("GMT"), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp() * 1000
    )


# The job rows under a cell: {jobId: {status, completed, total, failed}}
JOB_ROWS = """cellId => Object.fromEntries([...document.querySelectorAll(
    `.sm-cell-monitor[data-cell-id="${cellId}"] tr.sm-job`)].map(row => {
  const bar = row.querySelector('[data-total]');
  return [row.dataset.jobId, {status: row.dataset.status, completed: Number(bar.dataset.completed),
    total: Number(bar.dataset.total), failed: Number(bar.dataset.failed)}];
}))"""


def kernel_app(jupyter, kernel_id: str) -> dict:
    """The monitor's application of the notebook whose kernel this is, once the monitor lists it."""
    return wait_until(
        lambda: next(
            (a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["kernelId"] == kernel_id), None
        ),
        240,
        "the notebook's Spark application on the monitor",
    )


def shown_job_and_failures(page, cell_id: str, job: dict, screenshot: str) -> list[list]:
    """Waits for the job's row under the cell to show Spark's numbers for the ended job (Spark's REST job `job`: its
    status, completed, total and failed tasks), then opens it and returns its failure rows, [count, text] each, after
    checking that their counts add up to Spark's failed tasks."""
    expected = {
        str(job["jobId"]): {
            "status": job["status"],
            "completed": job["numCompletedTasks"],
            "total": job["numTasks"] - job["numSkippedTasks"],
            "failed": job["numFailedTasks"],
        }
    }
    try:
        wait_until(
            lambda: page.evaluate(JOB_ROWS, cell_id) == expected, 60, f"the job row to show Spark's numbers {expected}"
        )
    finally:
        save_screenshot(page, screenshot)
    m = monitor(page, cell_id)
    m.locator(f'tr.sm-job[data-job-id="{job["jobId"]}"]').click()
    failure = m.locator("tr.sm-failure")
    failure.first.wait_for(timeout=30_000)
    reasons = failure.evaluate_all("rows => rows.map(r => [Number(r.dataset.count), r.textContent])")
    assert sum(n for n, _ in reasons) == job["numFailedTasks"], (reasons, job)
    return reasons


def test_lost_executor_shows_failed_tasks_retried_and_the_executor_removed(cluster, jupyter, browser):
    write_notebook(jupyter.root / "cluster.ipynb", cells(cluster.url))
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/cluster.ipynb?token={jupyter.token}", "cluster.ipynb", 1200
    )
    try:
        app = kernel_app(jupyter, kernel_id)
        assert app["master"] == cluster.url, app
        ui, app_id = app["uiUrl"], app["appId"]

        # While the job runs, with a few tasks done: kill an executor that is running one of them.
        def busy_executor():
            jobs = [j for j in spark_api(ui, app_id, "jobs") if j.get("description") == DESCRIPTION]
            if not jobs or jobs[0]["status"] != "RUNNING" or jobs[0]["numCompletedTasks"] < 4:
                return None
            executors = [e for e in spark_api(ui, app_id, "executors") if e["id"] != "driver"]
            busy = [e["id"] for e in executors if e["activeTasks"] > 0]
            return busy[0] if len(executors) == 2 and busy else None

        lost = wait_until(busy_executor, 240, "the job to run on both executors with a few tasks done")
        before = {e["id"] for e in rest(ui, app_id, "allexecutors")}
        os.kill(executor_pid(app_id, lost), signal.SIGKILL)

        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
        jobs = [j for j in rest(ui, app_id, "jobs") if j.get("description") == DESCRIPTION]
        assert len(jobs) == 1, jobs
        job = jobs[0]
        assert job["status"] == "SUCCEEDED" and job["numCompletedTasks"] == TASKS, job
        assert job["numFailedTasks"] > 0, f"the tasks running on executor {lost} should have failed: {job}"
        executors = {e["id"]: e for e in rest(ui, app_id, "allexecutors") if e["id"] != "driver"}
        removed = {i for i, e in executors.items() if not e["isActive"]}
        assert removed == {lost}, executors
        assert set(executors) - before, f"the master should have started a replacement executor: {executors}"
        # The monitor's charts span the job: executors that registered after its end are not in them.
        end = spark_time(job["completionTime"])
        in_window = {i for i, e in executors.items() if spark_time(e["addTime"]) <= end}
        added = in_window - before

        # The job row: SUCCEEDED, with Spark's completed and failed task counts; opening it shows why its tasks
        # failed: the executor was lost, as many times as Spark counted.
        assert job["numCompletedTasks"] == TASKS and job["numTasks"] == TASKS, job
        reasons = shown_job_and_failures(page, "cl-job", job, "cluster-job.png")
        assert all("ExecutorLostFailure" in text for _, text in reasons), reasons
        assert any(f"executor {lost}" in text.lower() for _, text in reasons), reasons
        m = monitor(page, "cl-job")

        # The Executors tab: the lost executor removed (and why, on hover), its replacement added, Spark's cores.
        m.locator('.sm-tab[data-tab="executors"]').click()
        chart = m.locator(".sm-executors")

        def markers(kind: str) -> list[str]:
            return chart.locator(f".sm-marker-{kind}").evaluate_all("ms => ms.map(m => m.title)")

        wait_until(
            lambda: len(markers("removed")) == 1 and len(markers("added")) == len(added), 30, "the executor markers"
        )
        assert markers("removed")[0].startswith(f"executor {lost} removed"), markers("removed")
        assert sorted(t.split()[1] for t in markers("added")) == sorted(added), markers("added")
        cores = sum(
            executors[i]["totalCores"] for i in before if i in executors
        )  # the two executors the job began with
        assert chart.get_attribute("data-max-cores") == str(cores), chart.evaluate("e => ({...e.dataset})")
        save_screenshot(page, "cluster-executors.png")

        # The Timeline tab: one lane per executor that ran in the cell's time, the lost one included.
        m.locator('.sm-tab[data-tab="timeline"]').click()
        timeline = m.locator(".sm-timeline")
        wait_until(
            lambda: timeline.get_attribute("data-tasks-total") == str(TASKS + job["numFailedTasks"]),
            30,
            "the timeline to draw every task attempt",
        )
        assert timeline.get_attribute("data-lanes") == str(len(in_window)), (
            timeline.evaluate("e => ({...e.dataset})"),
            executors,
        )
        save_screenshot(page, "cluster-timeline.png")
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)  # its driver ends, and the master gives the workers' cores back


SHUFFLE = "shuffle with a lost executor"
MAP_TASKS = 40


def test_lost_executor_in_a_shuffle_resubmits_its_map_outputs(cluster, jupyter, browser):
    """An executor is lost while the map stage of a shuffle runs, after it finished some map tasks: its map outputs are
    gone, so Spark ends those finished tasks again as failed ("Resubmitted") and runs them again. The job row shows
    Spark's numbers, and opening the job lists the resubmitted tasks among the failures."""
    # The cluster's two cores are free (an earlier test's application has ended), so both executors can start.
    wait_until(
        lambda: all(w["coresused"] == 0 for w in cluster.state()["workers"] if w["state"] == "ALIVE"),
        120,
        "the workers' cores to be free",
    )
    session = cells(cluster.url)[0]
    write_notebook(
        jupyter.root / "shuffle.ipynb",
        [
            {"id": "sh-session", "source": session["source"].replace("cluster-test", "cluster-shuffle")},
            {
                "id": "sh-job",
                "source": (
                    f"sc.setJobDescription('{SHUFFLE}')\n"
                    f"sc.parallelize(range({MAP_TASKS}), {MAP_TASKS}).map(lambda x: (time.sleep(1) or x % 4, 1))"
                    ".reduceByKey(lambda a, b: a + b, 4).collect()"
                ),
            },
        ],
    )
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/shuffle.ipynb?token={jupyter.token}", "shuffle.ipynb", 1200
    )
    try:
        app = kernel_app(jupyter, kernel_id)
        ui, app_id = app["uiUrl"], app["appId"]

        # While the map stage runs: an executor that has finished map tasks (their outputs live only there).
        def executor_with_map_outputs():
            jobs = [j for j in spark_api(ui, app_id, "jobs") if j.get("description") == SHUFFLE]
            if not jobs or jobs[0]["status"] != "RUNNING":
                return None
            map_stage = min(jobs[0]["stageIds"])
            attempts = spark_api(ui, app_id, f"stages/{map_stage}")
            if len(attempts) != 1 or attempts[0]["status"] != "ACTIVE" or attempts[0]["numCompleteTasks"] < 6:
                return None
            tasks = spark_api(ui, app_id, f"stages/{map_stage}/0/taskList?length=1000")
            done = {t["executorId"] for t in tasks if t["status"] == "SUCCESS"}
            return sorted(done)[0] if len(done) == 2 else None

        lost = wait_until(executor_with_map_outputs, 240, "the map stage to have finished tasks on both executors")
        os.kill(executor_pid(app_id, lost), signal.SIGKILL)

        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
        jobs = [j for j in rest(ui, app_id, "jobs") if j.get("description") == SHUFFLE]
        assert len(jobs) == 1 and jobs[0]["status"] == "SUCCEEDED", jobs
        job = jobs[0]
        map_stage = min(job["stageIds"])
        # Spark's task list keeps each task's first end; a resubmitted task's second end ("Resubmitted") shows only in
        # the stage's failed count, above the failed tasks the list has.
        attempts = rest(ui, app_id, f"stages/{map_stage}")
        listed_failed = sum(
            t["status"] == "FAILED"
            for a in attempts
            for t in rest(ui, app_id, f"stages/{map_stage}/{a['attemptId']}/taskList?length=1000")
        )
        resubmitted = sum(a["numFailedTasks"] for a in attempts) - listed_failed
        assert resubmitted > 0, f"Spark resubmitted none of executor {lost}'s finished map tasks: {attempts}, {job}"

        reasons = shown_job_and_failures(page, "sh-job", job, "cluster-shuffle.png")
        assert any("Resubmitted" in text for _, text in reasons), reasons
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)
