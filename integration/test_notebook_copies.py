"""End to end: two copies of one notebook (the same cell ids, as "Duplicate" or a file copy gives) open side by side in
one JupyterLab page, each with its own kernel and SparkSession (local[1]).

Cell ids are unique within a notebook only, so the monitor tells the copies apart by kernel and notebook path. The
oracle is each application's own REST API: under its cells, each copy must show exactly its application's jobs and
none of the other's; "cancel this cell's jobs" in one copy must stop that copy's job and leave the other copy's job,
running under the same cell id, running.
"""

from __future__ import annotations

from conftest import save_screenshot, spark_jobs, wait_until, write_notebook

COPIES = ("original.ipynb", "original-Copy1.ipynb")

CELLS = [
    {
        "id": "copy-session",
        "source": (
            "import os, time\n"
            "os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'\n"
            "from pyspark.sql import SparkSession\n"
            "spark = (SparkSession.builder.master('local[1]')"
            ".appName(os.path.basename(os.environ['JPY_SESSION_NAME']))\n"
            "    .config('spark.driver.memory', '512m')"
            ".config('spark.ui.showConsoleProgress', 'false').getOrCreate())\n"
            "sc = spark.sparkContext\n"
            "name = os.path.basename(os.environ['JPY_SESSION_NAME'])"
        ),
    },
    {
        "id": "copy-jobs",
        "source": (
            "for k in range(2):\n"
            "    sc.setJobDescription(f'{name} job {k}')\n"
            "    sc.parallelize(range(4), 2).map(lambda x: time.sleep(0.2) or x).count()"
        ),
    },
    {
        "id": "copy-long",
        "source": (
            "sc.setJobDescription(f'{name} long job')\n"
            "try:\n"
            "    sc.parallelize(range(2), 2).map(lambda x: time.sleep(900) or x).count()\n"
            "except Exception as e:\n"
            "    print('stopped:', type(e).__name__)"
        ),
    },
]

# Opens the second copy to the right of the first, so that both notebooks are on screen.
OPEN_SIDE_BY_SIDE = """async ([left, right]) => {
  const app = window.jupyterapp;
  await app.commands.execute('docmanager:open', {path: left});
  await app.commands.execute('docmanager:open', {path: right, options: {mode: 'split-right'}});
}"""

# The panel of a notebook path, with its kernel id once the kernel is idle (null before).
KERNEL_OF = """path => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  if (!panel || !panel.context.isReady || !panel.sessionContext.session) return null;
  const k = panel.sessionContext.session.kernel;
  return k && k.status === 'idle' ? k.id : null;
}"""

# Activates the notebook at this path; true once it is the current widget (notebook commands act on that one).
ACTIVATE = """path => {
  const app = window.jupyterapp;
  const panel = [...app.shell.widgets('main')].find(w => w.context && w.context.path === path);
  if (app.shell.currentWidget === panel) return true;
  app.shell.activateById(panel.id);
  return false;
}"""

# Whether the cell with this id has finished running in the notebook at this path (it has an execution count; while
# it runs, JupyterLab shows none).
CELL_DONE = """([path, cellId]) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  const cell = panel.content.widgets.find(c => c.model.id === cellId);
  return cell.model.executionCount !== null;
}"""

# The job rows under a cell of one notebook: {jobId: {description, status, app (from the job's Spark UI link)}}
JOB_ROWS = """([path, cellId]) => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  return Object.fromEntries([...panel.node.querySelectorAll(
      `.sm-cell-monitor[data-cell-id="${cellId}"] tr.sm-job`)].map(row => {
    const link = row.querySelector('.sm-job-id a.sm-ui-link');
    const app = link ? decodeURIComponent(new URL(link.href).pathname.split('/ui/')[1].split('/')[0]) : null;
    const description = row.querySelector('.sm-job-name').dataset.description;
    return [row.dataset.jobId, {description, status: row.dataset.status, app}];
  }));
}"""


# What each notebook's cells have: execution count and output text (printed when the test fails).
OUTPUTS = """paths => paths.map(path => {
  const panel = [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path);
  return [path, panel.content.widgets.map(c => [
    c.model.id, c.model.executionCount, c.node.querySelector('.jp-OutputArea')?.textContent.slice(0, 300),
  ])];
})"""


def test_copies_of_a_notebook_show_and_cancel_only_their_own_jobs(jupyter, browser):
    for path in COPIES:
        write_notebook(jupyter.root / path, CELLS)
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    try:
        page.goto(f"{jupyter.url}lab/workspaces/copies?reset&token={jupyter.token}", timeout=120_000)
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')",
            timeout=120_000,
            polling=250,
        )
        page.evaluate(OPEN_SIDE_BY_SIDE, list(COPIES))
        kernels = {
            p: page.wait_for_function(KERNEL_OF, arg=p, timeout=180_000, polling=250).json_value() for p in COPIES
        }
        assert kernels[COPIES[0]] != kernels[COPIES[1]], kernels
        for path in COPIES:
            page.wait_for_function(ACTIVATE, arg=path, timeout=30_000, polling=100)
            page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        for path in COPIES:
            page.wait_for_function(CELL_DONE, arg=[path, "copy-jobs"], timeout=200_000, polling=500)

        def app_of(path):
            apps = [a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["kernelId"] == kernels[path]]
            return apps[0] if len(apps) == 1 else None

        apps = {p: wait_until(lambda p=p: app_of(p), 60, f"the monitor to know {p}'s application") for p in COPIES}
        for path, app in apps.items():
            assert app["notebookPath"].endswith("/" + path), app

        # Each copy shows under "copy-jobs" exactly its application's jobs, as Spark has them.
        for path, app in apps.items():
            truth = [
                j for j in spark_jobs(app["uiUrl"], app["appId"]) if j.get("description", "").startswith(f"{path} job")
            ]
            assert sorted(j["description"] for j in truth) == [f"{path} job 0", f"{path} job 1"], truth
            expected = {
                str(j["jobId"]): {"description": j["description"], "status": "SUCCEEDED", "app": app["appId"]}
                for j in truth
            }
            try:
                wait_until(
                    lambda path=path, expected=expected: page.evaluate(JOB_ROWS, [path, "copy-jobs"]) == expected,
                    60,
                    f"{path} to show only its own jobs {expected}",
                )
            except Exception:
                print(path, "shows", page.evaluate(JOB_ROWS, [path, "copy-jobs"]))
                raise

        # Both copies run their long job under the same cell id; cancelling it in the first copy stops only that one.
        def long_job(path):
            app = apps[path]
            jobs = [j for j in spark_jobs(app["uiUrl"], app["appId"]) if j.get("description") == f"{path} long job"]
            return jobs[0] if len(jobs) == 1 else None

        for path in COPIES:
            wait_until(lambda p=path: (j := long_job(p)) and j["status"] == "RUNNING", 120, f"{path}'s long job to run")
        first, second = COPIES
        long_rows = {p: page.evaluate(JOB_ROWS, [p, "copy-long"]) for p in COPIES}
        assert all(len(rows) == 1 for rows in long_rows.values()), long_rows
        button = page.evaluate_handle(
            """path => [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path)
                 .node.querySelector('.sm-cell-monitor[data-cell-id="copy-long"] button.sm-cancel-cell')""",
            first,
        ).as_element()
        assert button is not None, "the first copy's long cell offers a cell cancel"
        button.click()
        page.wait_for_function(CELL_DONE, arg=[first, "copy-long"], timeout=60_000, polling=250)
        assert long_job(first)["status"] == "FAILED", long_job(first)
        assert long_job(second)["status"] == "RUNNING", f"the other copy's job kept running: {long_job(second)}"
        wait_until(
            lambda: (
                [r["status"] for r in page.evaluate(JOB_ROWS, [first, "copy-long"]).values()] == ["CANCELLED"]
                and [r["status"] for r in page.evaluate(JOB_ROWS, [second, "copy-long"]).values()] == ["RUNNING"]
            ),
            20,
            "the first copy to show its long job CANCELLED and the second copy its own still RUNNING",
        )
        save_screenshot(page, "notebook-copies.png")

        # The second copy's own cancel button stops its job.
        page.evaluate(
            """path => [...window.jupyterapp.shell.widgets('main')].find(w => w.context && w.context.path === path)
                 .node.querySelector('.sm-cell-monitor[data-cell-id="copy-long"] button.sm-cancel-cell').click()""",
            second,
        )
        page.wait_for_function(CELL_DONE, arg=[second, "copy-long"], timeout=60_000, polling=250)
        assert long_job(second)["status"] == "FAILED", long_job(second)
    except Exception:
        save_screenshot(page, "notebook-copies-failed.png")
        print("outputs:", page.evaluate(OUTPUTS, list(COPIES)))
        raise
    finally:
        page.close()
