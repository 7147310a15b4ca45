"""End to end: process faults. The monitor binary is killed in the middle of a job, the kernel is restarted, the page
is reloaded and its WebSocket dropped; each time the user's Spark job is unharmed and the cell monitors come back with
Spark's own numbers.

Real parts: JupyterLab with jupyter-server-proxy (which restarts the monitor binary when it dies with a non-zero
status), the PySpark driver JVM of each notebook's kernel with the listener jar, headless Chromium. The oracle is Spark
itself: every cell puts its jobs in a job group named after the cell (the monitor attributes jobs by the cell id the
kernel extension attaches, not by job group), and the test compares what the page shows under each cell with the
driver's REST API (`/api/v1/applications/<app>/jobs`).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    monitor,
    save_screenshot,
    shown_job,
    shutdown_kernel,
    spark_jobs,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)

# Every job row of every cell monitor on the page, one entry per row (so a duplicated row shows as two entries).
ROWS = """() => {
  const out = [];
  for (const m of document.querySelectorAll('.sm-cell-monitor')) {
    for (const row of m.querySelectorAll('tr.sm-job')) {
      const bar = row.querySelector('[data-total]');
      out.push({
        cell: m.dataset.cellId, app: row.dataset.appId, job: Number(row.dataset.jobId), status: row.dataset.status,
        completed: Number(bar.dataset.completed), total: Number(bar.dataset.total), failed: Number(bar.dataset.failed),
        running: Number(bar.dataset.running), stages: row.querySelector('.sm-job-stages').textContent.trim(),
      });
    }
  }
  return out.sort((a, b) => (a.cell + a.app).localeCompare(b.cell + b.app) || a.job - b.job);
}"""

# The notebook at `path` is open (its kernel may be busy: a page reloaded while a cell runs).
NOTEBOOK_OPEN = """path => {
  const app = window.jupyterapp;
  if (!app || !app.commands.hasCommand('notebook:run-all-cells')) return false;
  const w = app.shell.currentWidget;
  return !!(w && w.sessionContext && w.context.isReady && w.context.path === path && w.sessionContext.session);
}"""

# Records every WebSocket the page opens to the monitor, so a test can drop it as a network failure would.
TRACK_MONITOR_SOCKETS = """(() => {
  const Native = window.WebSocket;
  window.__smSockets = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes('/sparkmonitor/api/ws')) window.__smSockets.push(this);
    }
  };
})();"""


def session_code(group: str) -> str:
    return (
        "import time\n"
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.master('local[2]').getOrCreate()\n"
        "sc = spark.sparkContext\n"
        f"sc.setJobGroup('oracle-{group}', 'oracle')\n"
        "spark.range(0, 1000, numPartitions=2).count()"
    )


def slow_two_stage_job(group: str, tasks: int, sleep: float) -> str:
    """A job of `tasks` tasks sleeping `sleep` s each, then a shuffle into 2 tasks (two stages)."""
    return (
        f"sc.setJobGroup('oracle-{group}', 'oracle')\n"
        f"sc.parallelize(range({tasks}), {tasks}).map(lambda x: time.sleep({sleep}) or (x % 10, 1))"
        ".reduceByKey(lambda a, b: a + b, 2).collect()"
    )


def quick_job(group: str) -> str:
    return (
        f"sc.setJobGroup('oracle-{group}', 'oracle')\n"
        "spark.range(0, 10_000, numPartitions=4).selectExpr('sum(id)').collect()"
    )


def expected_rows(app: dict, cell_ids: list[str]) -> list[dict]:
    """What the page must show for `app`'s jobs under these cells, from Spark's REST API (sorted like ROWS)."""
    rows = []
    jobs = wait_until(lambda: spark_jobs(app["uiUrl"], app["appId"]), 120, "Spark's REST API to answer")
    for j in jobs:
        group = (j.get("jobGroup") or "").removeprefix("oracle-")
        if group in cell_ids:
            rows.append({"cell": group, "app": app["appId"], "job": j["jobId"], **shown_job(j)})
    return sorted(rows, key=lambda r: (r["cell"] + r["app"], r["job"]))


def apps_of(jupyter, notebook: str) -> list[dict]:
    return [a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith(notebook)]


def the_app(jupyter, notebook: str) -> dict:
    apps = apps_of(jupyter, notebook)
    assert len(apps) == 1, f"one Spark application expected for {notebook}, monitor lists {apps}"
    return apps[0]


def open_notebook(browser, jupyter, path: str, track_sockets: bool = False):
    """Opens the notebook, waits for an idle kernel and starts Run All; returns (page, kernel id)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    if track_sockets:
        page.add_init_script(TRACK_MONITOR_SOCKETS)
    page.goto(f"{jupyter.url}lab/tree/{path}?token={jupyter.token}")
    kernel_id = page.wait_for_function(NOTEBOOK_READY, arg=path, timeout=120_000, polling=250).json_value()
    run_all(page)
    return page, kernel_id


def run_all(page):
    # Not awaited: the command resolves only when every cell has run.
    page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def monitor_processes(jupyter, ingest: str) -> list[int]:
    """Pids of the monitor binaries jupyter-server-proxy started for this server (its children, with its ingest)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        state = stat.rsplit(")", 1)[1].split()[0]
        if (
            ppid == jupyter.proc.pid
            and state != "Z"
            and argv[0].decode(errors="replace").endswith("/sparkmonitor")
            and f"--ingest={ingest}".encode() in argv
        ):
            pids.append(int(entry.name))
    return pids


def rows_of(page, app_id: str) -> list[dict]:
    return [r for r in page.evaluate(ROWS) if r["app"] == app_id]


@pytest.fixture(scope="module")
def jupyter(tmp_path_factory):
    server = start_jupyter(tmp_path_factory.mktemp("jupyter-faults"))
    yield server
    stop_jupyter(server)


# Watches the page for a cell monitor saying its connection to the monitor is down; keeps the first message seen.
OFFLINE_PROBE = """() => {
  const probe = { seen: null };
  window.__smOffline = probe;
  const check = () => {
    const m = document.querySelector('.sm-cell-monitor[data-connection="unavailable"] .sm-offline:not([hidden])');
    if (m && probe.seen === null) probe.seen = m.textContent;
  };
  new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true });
  check();
}"""


def open_long_job_notebook(jupyter, browser, name: str, prefix: str):
    """Writes notebook `name` with cells {prefix}1-session, {prefix}2-long (a 200-task two-stage job) and
    {prefix}3-after (a quick job), opens it and runs all. Returns the cell ids, the page, the kernel id and the long
    job's RUNNING row (a locator: wait for it)."""
    cells = [f"{prefix}1-session", f"{prefix}2-long", f"{prefix}3-after"]
    write_notebook(
        jupyter.root / name,
        [
            {"id": cells[0], "source": session_code(cells[0])},
            {"id": cells[1], "source": slow_two_stage_job(cells[1], 200, 0.15)},
            {"id": cells[2], "source": quick_job(cells[2])},
        ],
    )
    page, kernel_id = open_notebook(browser, jupyter, name)
    return cells, page, kernel_id, monitor(page, cells[1]).locator('tr.sm-job[data-status="RUNNING"]')


def test_monitor_killed_mid_job_restarts_and_shows_sparks_numbers(jupyter, browser):
    """SIGKILL of the monitor binary in the middle of a 200-task job: the job still succeeds and the cell finishes
    (Spark's REST API says so); jupyter-server-proxy starts a new binary (same ingest socket path, same secrets); the
    listener reconnects and resyncs; the page's WebSocket reconnects; and every cell monitor then shows exactly Spark's
    jobs and task counts: the job that ended before the kill, the killed-through job (SUCCEEDED, all its tasks, both
    stages), and a job run after the restart, each once."""
    cells, page, kernel_id, long_row = open_long_job_notebook(jupyter, browser, "kill.ipynb", "f")
    try:
        long_row.first.wait_for(timeout=180_000)
        wait_until(
            lambda: int(long_row.first.locator("[data-total]").get_attribute("data-completed")) >= 20,
            120,
            "20 of the long job's tasks to be done",
        )
        app = wait_until(lambda: the_app(jupyter, "kill.ipynb"), 120, "the monitor to list the application")
        ingest = wait_until(lambda: jupyter.get_json("sparkmonitor/api/health")["data"]["ingest"], 120, "health")
        assert ingest.startswith("unix:"), ingest
        old = monitor_processes(jupyter, ingest)
        assert len(old) == 1, f"one monitor process expected, found {old}"
        # Spark says the job is running, with most of its tasks still to do: the kill comes in the middle of it.
        running = wait_until(lambda: spark_jobs(app["uiUrl"], app["appId"]), 120, "Spark's jobs")
        running = [j for j in running if j["status"] == "RUNNING"]
        assert running and running[0]["numCompletedTasks"] < 150, f"the job runs, far from its end: {running}"

        # Records whether a monitor said it lost its connection (a MutationObserver: the window may be short).
        page.evaluate(OFFLINE_PROBE)
        os.kill(old[0], signal.SIGKILL)

        # jupyter-server-proxy starts the binary again, with the same ingest socket, and it answers.
        new = wait_until(
            lambda: [p for p in monitor_processes(jupyter, ingest) if p != old[0]], 120, "a new monitor process"
        )
        assert len(new) == 1, new
        assert (
            wait_until(lambda: jupyter.get_json("sparkmonitor/api/health")["data"]["ingest"], 120, "health") == ingest
        )
        # The listener reconnects to it (same secret): the application is RUNNING again in the new monitor.
        wait_until(lambda: the_app(jupyter, "kill.ipynb")["state"] == "RUNNING", 120, "the listener to reconnect")

        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)
        truth = expected_rows(app, cells)
        long_jobs = [r for r in truth if r["cell"] == "f2-long"]
        assert [r["status"] for r in long_jobs] == ["SUCCEEDED"] and long_jobs[0]["completed"] == 202, long_jobs
        assert {r["cell"] for r in truth} == set(cells), truth
        try:
            wait_until(
                lambda: rows_of(page, app["appId"]) == truth, 120, "the page to show Spark's jobs after the kill"
            )
        finally:
            save_screenshot(page, "faults-kill.png")
        assert monitor_processes(jupyter, ingest) == new, "still the one restarted monitor"
        # While the monitor was down the cell monitors said so; now that it is back, none does.
        seen = page.evaluate("() => window.__smOffline.seen")
        assert seen and "Reconnecting" in seen, (
            f"a monitor said it was reconnecting while the binary was down: {seen!r}"
        )
        assert page.locator(".sm-cell-monitor .sm-offline:visible").count() == 0
        assert page.locator('.sm-cell-monitor[data-connection="live"]').count() == len(cells)
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)


def test_kernel_restart_monitors_the_new_application(jupyter, browser):
    """Restarting the kernel (from the page, as JupyterLab's "Restart Kernel") while a cell's job runs, then running
    the cells again: the old Spark application shows as ended (FINISHED or DISCONNECTED, never RUNNING; none of its
    jobs RUNNING, no Spark UI link), the new one is monitored under the same cells with Spark's own jobs and counts,
    and each cell's header shows the new application."""
    cells, page, kernel_id, long_row = open_long_job_notebook(jupyter, browser, "restart.ipynb", "r")
    try:
        long_row.first.wait_for(timeout=180_000)
        old = wait_until(lambda: the_app(jupyter, "restart.ipynb"), 120, "the monitor to list the application")
        assert old["state"] == "RUNNING" and old["kernelId"] == kernel_id, old

        # Restart the kernel from the page, as JupyterLab's "Restart Kernel" does once its dialog is accepted.
        page.evaluate("() => { void window.jupyterapp.shell.currentWidget.sessionContext.restartKernel(); }")
        page.wait_for_function(NOTEBOOK_READY, arg="restart.ipynb", timeout=180_000, polling=250)
        wait_until(
            lambda: (
                next(a for a in apps_of(jupyter, "restart.ipynb") if a["appId"] == old["appId"])["state"]
                in ("FINISHED", "DISCONNECTED")
            ),
            120,
            "the old application to end in the monitor",
        )

        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        run_all(page)
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)
        apps = wait_until(lambda: apps_of(jupyter, "restart.ipynb"), 120, "the monitor's applications")
        new = [a for a in apps if a["appId"] != old["appId"]]
        assert len(apps) == 2 and len(new) == 1, f"the old and one new application: {apps}"
        new = new[0]
        assert new["state"] == "RUNNING" and new["kernelId"] == kernel_id, new
        ended = next(a for a in apps if a["appId"] == old["appId"])
        assert ended["state"] in ("FINISHED", "DISCONNECTED") and not ended.get("uiPath"), ended

        # The old application's jobs are still shown under their cells, none of them RUNNING: its running job ended
        # with the application (FINISHED), or when the kernel's new application connected (DISCONNECTED: the driver
        # was killed with the kernel's process group).
        wait_until(
            lambda: rows_of(page, old["appId"]) and all(r["status"] != "RUNNING" for r in rows_of(page, old["appId"])),
            120,
            "none of the old application's jobs to show RUNNING",
        )
        truth = expected_rows(new, cells)
        assert {r["cell"] for r in truth} == set(cells) and all(r["status"] == "SUCCEEDED" for r in truth), truth
        try:
            wait_until(lambda: rows_of(page, new["appId"]) == truth, 120, "the page to show the new application's jobs")
        finally:
            save_screenshot(page, "faults-kernel-restart.png")
        for cell in cells:
            header = monitor(page, cell).locator(".sm-header")
            assert header.locator(".sm-app").inner_text().endswith("RUNNING"), header.inner_text()
            link = header.locator('a.sm-ui-link[data-kind="app"]').get_attribute("href")
            assert f"/sparkmonitor/ui/{new['appId']}/" in link, link
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)


def test_reload_and_dropped_socket_restore_the_full_state(jupyter, browser):
    """A page reload while a job runs, a dropped monitor WebSocket while it runs, and a reload after it ended: each
    time the monitors come back from the server's snapshot (the running job RUNNING with at least the tasks shown
    before; at the end exactly Spark's jobs and counts under each cell), with no job row shown twice."""
    cells = ["s1-session", "s2-long", "s3-after"]
    write_notebook(
        jupyter.root / "reload.ipynb",
        [
            {"id": "s1-session", "source": session_code("s1-session")},
            {"id": "s2-long", "source": slow_two_stage_job("s2-long", 300, 0.15)},
            {"id": "s3-after", "source": quick_job("s3-after")},
        ],
    )
    page, kernel_id = open_notebook(browser, jupyter, "reload.ipynb", track_sockets=True)
    try:
        bar = monitor(page, "s2-long").locator('tr.sm-job[data-status="RUNNING"] [data-total]').first
        bar.wait_for(timeout=180_000)
        wait_until(lambda: int(bar.get_attribute("data-completed")) >= 10, 120, "10 of the long job's tasks done")
        before = int(bar.get_attribute("data-completed"))
        app = wait_until(lambda: the_app(jupyter, "reload.ipynb"), 120, "the monitor to list the application")

        # Reload while the job runs (the kernel is busy; the page does not own the running cell any more). The job
        # may end while the page loads: its row comes back either way, with at least the tasks done before.
        page.reload()
        page.wait_for_function(NOTEBOOK_OPEN, arg="reload.ipynb", timeout=120_000, polling=250)
        any_bar = monitor(page, "s2-long").locator("tr.sm-job [data-total]").first
        any_bar.wait_for(timeout=120_000)
        assert int(any_bar.get_attribute("data-completed")) >= before, (
            "the snapshot has the tasks done before the reload"
        )
        rows = page.evaluate(ROWS)
        assert len(rows) == len({(r["app"], r["job"]) for r in rows}), f"no job row twice: {rows}"

        # Drop the WebSocket while the job runs: the page reconnects and gets a fresh snapshot.
        sockets = page.evaluate("() => window.__smSockets.length")
        page.evaluate("() => window.__smSockets.forEach(s => s.close())")
        wait_until(
            lambda: page.evaluate(
                "n => window.__smSockets.length > n && window.__smSockets.at(-1).readyState === WebSocket.OPEN", sockets
            ),
            120,
            "the page to open a new monitor WebSocket",
        )

        # The cells go on in the kernel (queued by Run All before the reload): wait for Spark's last job to end.
        def all_done():
            truth = expected_rows(app, cells)
            done = {r["cell"] for r in truth} == set(cells) and all(r["status"] != "RUNNING" for r in truth)
            return done and jupyter.get_json(f"api/kernels/{kernel_id}")["execution_state"] == "idle" and truth

        truth = wait_until(all_done, 300, "every cell's job to end in Spark")
        assert all(r["status"] == "SUCCEEDED" for r in truth), truth
        try:
            wait_until(
                lambda: rows_of(page, app["appId"]) == truth, 120, "the page to show Spark's jobs after the drop"
            )
        finally:
            save_screenshot(page, "faults-reconnect.png")

        # Reload once everything ended: the same state, each job once.
        page.reload()
        page.wait_for_function(NOTEBOOK_READY, arg="reload.ipynb", timeout=120_000, polling=250)
        wait_until(lambda: rows_of(page, app["appId"]) == truth, 120, "the page to show Spark's jobs after a reload")
        assert [r for r in page.evaluate(ROWS) if r["cell"] in cells] == truth, "nothing else, nothing twice"
    finally:
        page.close()
        shutdown_kernel(jupyter, kernel_id)
