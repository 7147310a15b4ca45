"""End to end: the monitor's config file (docs/configuration.md) and broken configuration.

JupyterLab starts with two broken files: the monitor's `sparkmonitor.yaml` (in Jupyter's config dir) has an unknown
key, and the user's own `spark-defaults.conf` (SPARK_CONF_DIR) has an escape Java cannot load. The monitor still
starts, with its defaults; api/health and the dashboard page say what is wrong and where (path:line); the Jupyter log
warns about the user's Spark file; a notebook's SparkSession starts with the user's other settings and its jobs show
under their cells. Then the file is fixed with `readOnly: true` and the running monitor picks it up (no restart: the
same application is still listed): health says read-only, the app's cancelEnabled turns false, a cancel is refused
(403), and the cell's cancel button disappears in the browser. With `readOnly: false` the button comes back and
cancels the cell's job. Broken again, the last good configuration stays and the dashboard says so.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    monitor,
    open_and_run_all,
    save_screenshot,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)

CSRF = {"X-Sparkmonitor-Csrf": "1"}
SPARK_START_S = 240  # a cold JVM on two cores shared with other tests
RELOAD_S = 60  # generous: the reload itself takes a debounce of 200 ms

BROKEN = "readOnly: true\nretention:\n  maxJobs: 5\n"
BROKEN_ERROR = "sparkmonitor.yaml:3: unknown key maxJobs"

CELLS = [
    {
        "id": "c1",
        "source": (
            "import time\n"
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "print('team flag', spark.conf.get('spark.myteam.flag'), '| bad', spark.conf.get('spark.myteam.bad'))\n"
            "spark.range(0, 1000, numPartitions=2).count()"
        ),
    },
    {
        "id": "c2",
        "tags": ["raises-exception"],  # cancelled at the end; Run All goes on
        # 4 tasks × 400 × 0.5 s: about 200 s unless cancelled (it is, at the end of the test).
        "source": "spark.range(0, 1600, numPartitions=4).rdd.map(lambda x: time.sleep(0.5) or x).count()",
    },
]


class Run:
    def __init__(self, jupyter, config: Path, page, dashboard):
        self.jupyter, self.config, self.page, self.dashboard = jupyter, config, page, dashboard

    def health(self) -> dict:
        return self.jupyter.get_json("sparkmonitor/api/health")["data"]

    def app(self) -> dict:
        apps = [
            a
            for a in self.jupyter.get_json("sparkmonitor/api/apps")["data"]
            if a["notebookPath"].endswith("conf.ipynb")
        ]
        assert len(apps) == 1, apps
        return apps[0]

    def write_config(self, text: str):
        # As editors save: a new file renamed over the old one.
        tmp = self.config.with_name(".sparkmonitor.yaml.tmp")
        tmp.write_text(text)
        os.replace(tmp, self.config)


@pytest.fixture(scope="module")
def run(tmp_path_factory, browser):
    tmp = tmp_path_factory.mktemp("jupyter-conf")
    config_dir = tmp / "jupyter-config"  # start_jupyter's JUPYTER_CONFIG_DIR
    config_dir.mkdir()
    config = config_dir / "sparkmonitor.yaml"
    config.write_text(BROKEN)
    user_conf = tmp / "user-spark-conf"
    user_conf.mkdir()
    # Line 2 has an escape java.util.Properties refuses ("Malformed \uxxxx encoding"): on its own, Spark would not
    # start a driver with this file.
    (user_conf / "spark-defaults.conf").write_bytes(
        b"spark.myteam.flag 42\nspark.myteam.bad C:\\users\nspark.ui.showConsoleProgress false\n"
    )
    jupyter = start_jupyter(tmp, extra_env={"SPARK_CONF_DIR": str(user_conf)})
    try:
        write_notebook(jupyter.root / "conf.ipynb", CELLS)
        page, _ = open_and_run_all(
            browser, f"{jupyter.url}lab/tree/conf.ipynb?token={jupyter.token}", "conf.ipynb", 1200
        )
        dashboard = browser.new_page(viewport={"width": 1400, "height": 700})
        yield Run(jupyter, config, page, dashboard)
        dashboard.close()
        page.close()
    finally:
        stop_jupyter(jupyter)


def test_broken_config_at_start_is_reported_and_spark_is_still_monitored(run):
    jupyter = run.jupyter
    # The monitor started (this request starts it) with its defaults, and says why.
    health = run.health()
    config = health["config"]
    assert config["path"] == str(run.config) and config["exists"] is True, config
    assert config["error"] and config["error"].startswith(f"{run.config}:3: unknown key maxJobs"), config
    assert config["loadedAt"] is None, "broken since start: the defaults are in use"
    assert health["readOnly"] is False, "the broken file's readOnly: true is not applied"

    # The dashboard page shows the error in a banner.
    run.dashboard.goto(f"{jupyter.url}sparkmonitor/?token={jupyter.token}")
    banner = run.dashboard.locator("#config-error")
    banner.wait_for(state="visible", timeout=30_000)
    text = banner.inner_text()
    assert "config file is broken; the defaults are in use" in text and BROKEN_ERROR in text, text

    # The user's Spark works: the session started with their other settings, the broken line read literally.
    page = run.page
    c1 = monitor(page, "c1")
    c1.locator('tr.sm-job[data-status="SUCCEEDED"]').first.wait_for(timeout=SPARK_START_S * 1000)
    out = page.locator(".jp-OutputArea-output", has_text="team flag").first
    out.wait_for(timeout=30_000)
    assert "team flag 42 | bad C:\\users" in out.inner_text(), out.inner_text()
    # ... and is monitored: the long job runs under its cell, with the cancel button (not read-only).
    c2 = monitor(page, "c2")
    c2.locator('tr.sm-job[data-status="RUNNING"]').first.wait_for(timeout=120_000)
    c2.locator("button.sm-cancel-cell").wait_for(timeout=30_000)
    assert run.app()["cancelEnabled"] is True

    # The Jupyter Server log says what is wrong with the user's file, and the monitor logged its own problem.
    log = jupyter.log.read_text(errors="replace")
    assert "spark-defaults.conf line 2: malformed \\uxxxx escape" in log and "fix your file" in log, log[-3000:]
    assert BROKEN_ERROR in log, "the monitor's log (in Jupyter's) names the config file's problem"
    save_screenshot(run.dashboard, "config-broken-dashboard.png")


def test_config_changes_apply_without_restart(run):
    jupyter, page = run.jupyter, run.page
    app_id = run.app()["appId"]
    c2 = monitor(page, "c2")
    job_id = c2.locator('tr.sm-job[data-status="RUNNING"]').first.get_attribute("data-job-id")

    # Fixed, with readOnly: true.
    run.write_config("readOnly: true\n")
    health = wait_until(lambda: (h := run.health())["readOnly"] and h, RELOAD_S, "health to say read-only")
    assert health["config"]["error"] is None and health["config"]["loadedAt"], health
    assert run.app()["appId"] == app_id, "same monitor process: the application is still known"
    wait_until(lambda: run.app()["cancelEnabled"] is False, RELOAD_S, "the app's cancelEnabled to turn false")
    status, body = jupyter.post(f"sparkmonitor/api/apps/{app_id}/jobs/{job_id}/cancel", CSRF)
    assert status == 403 and "read-only" in body["error"], (status, body)
    # The browser got it through the live stream: the cell's cancel button is gone, the job still runs.
    wait_until(lambda: c2.locator("button.sm-cancel-cell").count() == 0, RELOAD_S, "the cancel button to disappear")
    assert c2.locator(f'tr.sm-job[data-job-id="{job_id}"]').get_attribute("data-status") == "RUNNING"
    # The dashboard's banner goes away (it re-reads api/health every 5 s).
    run.dashboard.locator("#config-error").wait_for(state="hidden", timeout=RELOAD_S * 1000)

    # readOnly: false: cancel is back, and works.
    run.write_config("readOnly: false\n")
    wait_until(lambda: run.app()["cancelEnabled"] is True, RELOAD_S, "cancelEnabled to turn true again")
    assert run.health()["readOnly"] is False
    button = c2.locator("button.sm-cancel-cell")
    button.wait_for(timeout=RELOAD_S * 1000)
    button.click()
    row = c2.locator(f'tr.sm-job[data-job-id="{job_id}"]')
    wait_until(lambda: row.get_attribute("data-status") == "CANCELLED", 60, "the job to be cancelled")
    page.wait_for_function(ALL_CELLS_DONE, timeout=120_000, polling=500)

    # Broken again: the last good configuration (not read-only) stays, and both health and the dashboard say so.
    run.write_config("readOnly: true\nlogLevel: loud\n")
    health = wait_until(lambda: (h := run.health())["config"]["error"] and h, RELOAD_S, "the new error")
    assert health["config"]["error"] == f'{run.config}:2: logLevel "loud": must be debug, info, warn or error', health
    assert health["readOnly"] is False and health["config"]["loadedAt"], health
    assert run.app()["cancelEnabled"] is True
    banner = run.dashboard.locator("#config-error")
    banner.wait_for(state="visible", timeout=RELOAD_S * 1000)
    assert "the last good configuration is in use" in banner.inner_text(), banner.inner_text()
    save_screenshot(run.dashboard, "config-broken-again-dashboard.png")
