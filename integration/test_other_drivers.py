"""Spark drivers started from this Jupyter server without our IPython hook are monitored too.

- `spark-submit job.py` typed into a JupyterLab terminal: the terminal's shell inherits the server's environment (our
  SPARK_CONF_DIR, SPARKMONITOR_INGEST, …), so the driver reports; the dashboard lists its application with Spark's own
  job count (read from the driver's REST API), and none of its jobs is under a cell.
- A notebook whose kernel is not IPython (a wrapper kernel on ipykernel's bare `Kernel` class: no IPython shell, no
  pre_run_cell, no PYTHONSTARTUP — like an R or Scala kernel, nothing tags jobs with cell ids) starts a PySpark driver:
  each job appears under the cell that was running when Spark submitted it (the page reports each cell's run, timed by
  the kernel's busy/idle messages, and the server places the jobs). Oracle: each cell puts its jobs in a job group
  named after it, and Spark's REST API lists them.
"""

from __future__ import annotations

import json
import sys

import pytest

from conftest import (
    ALL_CELLS_DONE,
    free_port,
    open_and_run_all,
    save_screenshot,
    shown_job,
    spark_jobs,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from drivers_support import Terminal, kill, wait_for_cells

MINIKERNEL = '''
"""A Jupyter kernel that runs Python without IPython: ipykernel's bare Kernel class, exec() of each cell."""
import contextlib, io, traceback
from ipykernel.kernelapp import IPKernelApp
from ipykernel.kernelbase import Kernel


class MiniKernel(Kernel):
    implementation = "minipy"
    implementation_version = "1.0"
    banner = "A Python kernel without IPython"
    language_info = {"name": "python", "mimetype": "text/x-python", "file_extension": ".py"}
    namespace = {"__name__": "__main__"}

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False, **kwargs):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, "<cell>", "exec"), self.namespace)
        except Exception as e:
            error = {"ename": type(e).__name__, "evalue": str(e), "traceback": traceback.format_exc().splitlines()}
            self.send_response(self.iopub_socket, "error", error)
            return {"status": "error", "execution_count": self.execution_count, **error}
        if out.getvalue() and not silent:
            self.send_response(self.iopub_socket, "stream", {"name": "stdout", "text": out.getvalue()})
        return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}


if __name__ == "__main__":
    IPKernelApp.launch_instance(kernel_class=MiniKernel)
'''

TERMINAL_JOB = """
import os, sys, time
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("terminal-job").getOrCreate()
sc = spark.sparkContext
for n in (2, 3, 4):
    sc.parallelize(range(n * 1000), n).count()
print("JOBS DONE", sc.applicationId, sc.uiWebUrl, flush=True)
while not os.path.exists(sys.argv[1]):  # the job's own life: it ends when told to
    time.sleep(0.2)
spark.stop()
print("JOB STOPPED", flush=True)
"""

CELLS = [
    {
        "id": "m1-session",
        "source": (
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.appName('minipy').config('spark.ui.port', '{ui_port}').getOrCreate()\n"
            "spark.sparkContext.setJobGroup('oracle-m1-session', 'oracle')\n"
            "spark.sparkContext.parallelize(range(1000), 3).count()"
        ),
    },
    {
        "id": "m2-two-jobs",
        "source": (
            "import time\n"
            "spark.sparkContext.setJobGroup('oracle-m2-two-jobs', 'oracle')\n"
            "spark.range(0, 400, numPartitions=8).rdd.map(lambda x: time.sleep(0.01) or x).count()\n"
            "spark.range(0, 1000, numPartitions=4).selectExpr('sum(id)').collect()"
        ),
    },
    {"id": "m3-no-spark", "source": "total = sum(range(1000))"},
    {
        "id": "m4-group-by",
        "source": (
            "from pyspark.sql import functions as F\n"
            "spark.sparkContext.setJobGroup('oracle-m4-group-by', 'oracle')\n"
            "spark.range(0, 10_000, numPartitions=5).groupBy((F.col('id') % 7).alias('k')).count().collect()"
        ),
    },
]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    """JupyterLab with one more kernelspec, `minipy` (MINIKERNEL), on JUPYTER_PATH."""
    tmp = tmp_path_factory.mktemp("other-drivers")
    share = tmp / "share" / "jupyter"
    spec = share / "kernels" / "minipy"
    spec.mkdir(parents=True)
    (tmp / "kernel-code").mkdir()
    (tmp / "kernel-code" / "minikernel.py").write_text(MINIKERNEL)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "minikernel", "-f", "{connection_file}"],
                "display_name": "Python without IPython",
                "language": "python",
                "env": {"PYTHONPATH": str(tmp / "kernel-code")},
            }
        )
    )
    server = start_jupyter(tmp, extra_env={"JUPYTER_PATH": str(share)})
    yield server
    stop_jupyter(server)


def dashboard_row(page, app_id: str):
    return page.locator(f'#apps .app[data-app-id="{app_id}"]')


def test_spark_submit_from_a_terminal_shows_in_the_dashboard(jupyter, browser):
    (jupyter.root / "job.py").write_text(TERMINAL_JOB)
    stop = jupyter.root / "stop-job"
    term = Terminal(jupyter)
    term.activate_venv()
    pid = None
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        term.type(
            f"cd {jupyter.root} && echo PID=$$ && exec spark-submit --master 'local[2]' "
            f"--conf spark.ui.port={free_port()} job.py {stop}"
        )
        pid = int(term.wait_for(r"PID=(\d+)", 30, "the terminal's shell").group(1))
        done = term.wait_for(r"JOBS DONE (\S+) (\S+)", 180, "the spark-submit job to run its jobs")
        app_id, ui_url = done.group(1), done.group(2)
        # (Spark's REST API answers its first request slowly on a loaded machine: read it again until it answers.)
        truth = wait_until(lambda: spark_jobs(ui_url, app_id), 120, "the driver's REST API")
        assert len(truth) == 3 and all(j["status"] == "SUCCEEDED" for j in truth), truth

        page.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}", timeout=120_000)
        row = dashboard_row(page, app_id)
        row.wait_for(timeout=60_000)
        jobs = row.locator(".app-jobs")
        wait_until(
            lambda: jobs.get_attribute("data-total") == str(len(truth)), 60, "the dashboard to count Spark's jobs"
        )
        assert row.get_attribute("data-state") == "RUNNING"
        assert jobs.get_attribute("data-succeeded") == str(len(truth))
        assert row.locator(".app-notebook").inner_text().strip() == ""  # not started from a notebook
        assert row.locator(".app-name").inner_text().strip() == "terminal-job"
        save_screenshot(page, "terminal-spark-submit-dashboard.png")
        # Its jobs are under no cell.
        shown = jupyter.get_json(f"sparkmonitor/api/apps/{app_id}")["data"]["jobs"]
        assert sorted(j["jobId"] for j in shown) == sorted(j["jobId"] for j in truth)
        assert all(j["cellId"] is None for j in shown), shown

        stop.touch()
        term.wait_for("JOB STOPPED", 120, "the job to stop")
        wait_until(lambda: row.get_attribute("data-state") == "FINISHED", 60, "the dashboard to show the app FINISHED")
    finally:
        page.close()
        term.close()
        if pid is not None:
            kill(pid)


MINIPY = {"display_name": "Python without IPython", "language": "python", "name": "minipy"}


def test_a_kernel_without_ipython_gets_its_jobs_under_the_cells_by_time(jupyter, browser):
    cells = [dict(c, source=c["source"].replace("{ui_port}", str(free_port()))) for c in CELLS]
    write_notebook(jupyter.root / "minipy.ipynb", cells, MINIPY)
    page, kernel_id = open_and_run_all(
        browser, f"{jupyter.url}lab/tree/minipy.ipynb?token={jupyter.token}", "minipy.ipynb"
    )
    try:
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
        apps = [
            a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("minipy.ipynb")
        ]
        assert len(apps) == 1, apps
        app = apps[0]
        assert app["kernelId"] == "", "the kernel has no hook that exports its id"
        truth = wait_until(lambda: spark_jobs(app["uiUrl"], app["appId"]), 120, "the driver's REST API")
        expected = {
            c["id"]: {str(j["jobId"]): shown_job(j) for j in truth if j.get("jobGroup") == f"oracle-{c['id']}"}
            for c in cells
            if "setJobGroup" in c["source"]
        }
        assert all(expected.values()) and sum(map(len, expected.values())) == len(truth), (expected, truth)
        wait_for_cells(page, expected, "each cell's monitor to show its jobs", "minipy-cells.png")
        # The server decided (from the cell runs the page reported): its own record names each job's cell.
        cell_of = {job_id: c for c, jobs in expected.items() for job_id in jobs}
        jobs = jupyter.get_json(f"sparkmonitor/api/apps/{app['appId']}")["data"]["jobs"]
        assert {str(j["jobId"]): j["cellId"] for j in jobs} == cell_of, jobs
        assert page.locator('.sm-cell-monitor[data-cell-id="m3-no-spark"]').count() == 0
    finally:
        page.close()
