"""End to end: five notebooks run Spark jobs at the same time, each in its own kernel and SparkSession (local[1]),
opened in five pages of one browser; "Run All" is started in all five before any of them finishes.

Notebook i runs i jobs, each described as "notebook i job k" (`sc.setJobDescription`), so every job says where it
belongs. The oracle is each application's own REST API (`/api/v1/applications/<app>/jobs`): under its cell, each page
must show exactly its application's jobs (their ids, descriptions, and Spark UI links into that application) and none
of the other four's; the monitor's dashboard must list the five applications with their notebooks and job counts.
"""

from __future__ import annotations

from conftest import ALL_CELLS_DONE, NOTEBOOK_READY, monitor, save_screenshot, spark_jobs, wait_until, write_notebook

NOTEBOOKS = 5


def cells(i: int) -> list[dict]:
    return [
        {
            "id": f"nb{i}-session",
            "source": (
                "import os, time\n"
                "os.environ['SPARK_LOCAL_IP'] = '127.0.0.1'\n"
                "from pyspark.sql import SparkSession\n"
                f"spark = (SparkSession.builder.master('local[1]').appName('notebook-{i}')\n"
                "    .config('spark.driver.memory', '512m')"
                ".config('spark.ui.showConsoleProgress', 'false').getOrCreate())\n"
                "sc = spark.sparkContext"
            ),
        },
        {
            "id": f"nb{i}-jobs",
            "source": (
                f"for k in range({i}):\n"
                f"    sc.setJobDescription(f'notebook {i} job {{k}}')\n"
                "    sc.parallelize(range(4), 2).map(lambda x: time.sleep(0.5) or x).count()"
            ),
        },
    ]


# The job rows under a cell: {jobId: {description (Spark's, kept beside the line), app (from the job's Spark UI link)}}
JOB_ROWS = """cellId => Object.fromEntries([...document.querySelectorAll(
    `.sm-cell-monitor[data-cell-id="${cellId}"] tr.sm-job`)].map(row => {
  const link = row.querySelector('.sm-job-id a.sm-ui-link');
  const app = link ? decodeURIComponent(new URL(link.href).pathname.split('/ui/')[1].split('/')[0]) : null;
  const description = row.querySelector('.sm-job-name').dataset.description;
  return [row.dataset.jobId, {description, status: row.dataset.status, app}];
}))"""


def test_five_notebooks_at_once_each_show_only_their_own_jobs(jupyter, browser):
    pages, kernels = {}, {}
    try:
        for i in range(1, NOTEBOOKS + 1):
            write_notebook(jupyter.root / f"nb{i}.ipynb", cells(i))
        # Each page its own workspace, so that no page restores another's notebook.
        for i in range(1, NOTEBOOKS + 1):
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            pages[i] = page
            page.goto(
                f"{jupyter.url}lab/workspaces/many-{i}/tree/nb{i}.ipynb?reset&token={jupyter.token}", timeout=120_000
            )
        for i, page in pages.items():
            kernels[i] = page.wait_for_function(
                NOTEBOOK_READY, arg=f"nb{i}.ipynb", timeout=180_000, polling=250
            ).json_value()
        # Run All in the five notebooks, one right after the other: the five drivers start and run together.
        for page in pages.values():
            page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        for page in pages.values():
            page.wait_for_function(ALL_CELLS_DONE, timeout=400_000, polling=500)

        apps = jupyter.get_json("sparkmonitor/api/apps")["data"]
        assert len(apps) == NOTEBOOKS, f"five applications expected, the monitor lists {apps}"
        by_notebook = {}
        for i in pages:
            mine = [a for a in apps if a["notebookPath"].endswith(f"nb{i}.ipynb")]
            assert len(mine) == 1 and mine[0]["kernelId"] == kernels[i], (i, apps)
            by_notebook[i] = mine[0]
        assert len({a["appId"] for a in apps}) == NOTEBOOKS

        for i, page in pages.items():
            app = by_notebook[i]
            # Five drivers on two busy cores: a REST call may time out once; the answer is what counts.
            truth = wait_until(
                lambda app=app: spark_jobs(app["uiUrl"], app["appId"]), 120, f"notebook {i}'s Spark REST API"
            )
            assert sorted(j["description"] for j in truth) == [f"notebook {i} job {k}" for k in range(i)], truth
            expected = {
                str(j["jobId"]): {"description": j["description"], "status": j["status"], "app": app["appId"]}
                for j in truth
            }
            try:
                wait_until(
                    lambda page=page, i=i, expected=expected: page.evaluate(JOB_ROWS, f"nb{i}-jobs") == expected,
                    60,
                    f"notebook {i}'s page to show its application's jobs {expected}",
                )
            finally:
                save_screenshot(page, f"many-notebooks-{i}.png")
            # Only this notebook's cell has a monitor, and its header counts this application's jobs only.
            shown = page.evaluate("() => [...document.querySelectorAll('.sm-cell-monitor')].map(m => m.dataset.cellId)")
            assert shown == [f"nb{i}-jobs"], shown
            title = monitor(page, f"nb{i}-jobs").locator(".sm-title").inner_text()
            assert title.startswith(f"Spark jobs: {i} "), title

        # The dashboard lists the five applications, each with its notebook, kernel and job count.
        dash = pages[1]  # its checks are done; signed in to Jupyter
        dash.goto(f"{jupyter.url}sparkmonitor/", timeout=120_000)

        def dashboard_rows():
            return dash.locator("#apps .app").evaluate_all(
                """rows => rows.map(r => ({app: r.dataset.appId, state: r.dataset.state,
                     notebook: r.querySelector('.app-notebook').textContent,
                     kernel: r.querySelector('.app-kernel').textContent,
                     jobs: Number(r.querySelector('.app-jobs').dataset.total)}))"""
            )

        def dashboard_lists_all():
            rows = {r["app"]: r for r in dashboard_rows()}
            return len(rows) == NOTEBOOKS and all(
                (r := rows.get(by_notebook[i]["appId"]))
                and r["state"] == "RUNNING"
                and r["notebook"].endswith(f"nb{i}.ipynb")
                and r["kernel"] == kernels[i]
                and r["jobs"] == i
                for i in by_notebook
            )

        try:
            wait_until(dashboard_lists_all, 60, "the dashboard to list the five applications")
        finally:
            save_screenshot(dash, "many-notebooks-dashboard.png")
        assert len(dashboard_rows()) == NOTEBOOKS
    finally:
        for page in pages.values():
            page.close()
