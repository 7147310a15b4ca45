"""End to end: Spark configuration profiles (docs/user-guide.md § Spark profiles) with real JupyterLab, PySpark and
Chromium.

JupyterLab starts with a `sparkmonitor.yaml` holding one invalid profile. The notebook's toolbar button opens the
chooser: the invalid profile is listed with its reason (file and line) and cannot be chosen. A valid profile saved
into the file while the dialog is open appears in it without a restart. Chosen, it is kept in the notebook's metadata
(on disk once saved, and back after a page reload) and the notebook's next SparkSession has its settings, as Spark's
own REST API (/environment) shows them, except the one the cell sets itself (the user's .config() wins). Choosing
another profile while that session runs says it applies to the next session.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    NOTEBOOK_READY,
    save_screenshot,
    spark_api,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot

SPARK_START_S = 240  # a cold JVM on two cores shared with other tests
RELOAD_S = 60

BROKEN = """profiles:
  broken:
    description: Too much memory, badly written
    executor:
      memory: 4gb
"""
TEAM = """  team:
    description: One core, small shuffles
    master: local[1]
    driver:
      memory: 900m
    conf:
      spark.sql.shuffle.partitions: 3
      spark.myteam.profile: team
      spark.myteam.override: from-profile
"""

CELLS = [
    {
        "id": "p1",
        "source": (
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.config('spark.myteam.override', 'from-cell').getOrCreate()\n"
            "print('conf', spark.sparkContext.master, spark.conf.get('spark.sql.shuffle.partitions'),"
            " spark.conf.get('spark.myteam.override'))\n"
            "spark.range(0, 100, numPartitions=2).count()"
        ),
    }
]


def write_config(path: Path, text: str):
    tmp = path.with_name(".sparkmonitor.yaml.tmp")  # as editors save: a new file renamed over the old one
    tmp.write_text(text)
    os.replace(tmp, path)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("jupyter-profiles")
    config_dir = tmp / "jupyter-config"  # start_jupyter's JUPYTER_CONFIG_DIR
    config_dir.mkdir()
    config = config_dir / "sparkmonitor.yaml"
    config.write_text(BROKEN)
    jupyter = start_jupyter(tmp)
    try:
        write_notebook(jupyter.root / "prof.ipynb", CELLS)
        yield jupyter, config
    finally:
        stop_jupyter(jupyter)


def open_notebook(page, jupyter):
    page.goto(f"{jupyter.url}lab/tree/prof.ipynb?token={jupyter.token}")
    page.wait_for_function(NOTEBOOK_READY, arg="prof.ipynb", timeout=120_000, polling=250)


def test_profiles_are_chosen_in_the_notebook_and_reach_the_next_spark_session(lab, browser):
    jupyter, config = lab
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        open_notebook(page, jupyter)
        button = page.locator(".sm-profile-button")
        button.wait_for(timeout=30_000)
        assert button.inner_text() == "Spark: default"

        # The chooser lists the invalid profile with its reason; it cannot be chosen.
        button.click()
        dialog = page.locator(".jp-Dialog .sm-profile-dialog")
        broken = dialog.locator('.sm-profile-option[data-profile="broken"]')
        broken.wait_for(timeout=30_000)
        problems = broken.locator(".sm-profile-problems").inner_text()
        assert f'{config}:5: profile broken: executor.memory "4gb": write 4g' in problems, problems
        assert broken.locator("input").is_disabled()
        assert dialog.locator('.sm-profile-option[data-profile="team"]').count() == 0

        # A profile saved into the config file shows up in the open dialog, no restart.
        write_config(config, BROKEN + TEAM)
        team = dialog.locator('.sm-profile-option[data-profile="team"]')
        team.wait_for(timeout=RELOAD_S * 1000)
        assert "One core, small shuffles" in team.inner_text() and "spark.master=local[1]" in team.inner_text()
        save_screenshot(page, "profiles-dialog.png")
        docs_screenshot(page.locator(".jp-Dialog-content"), "profiles.png")
        team.locator("input").check()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        # The button says it, and "ok" once the kernel has the profile.
        wait_until(
            lambda: button.inner_text() == "Spark: team" and button.get_attribute("data-state") != "sending",
            60,
            "the kernel to take the profile",
        )
        assert button.get_attribute("data-state") == "ok", button.get_attribute("title")

        # Kept in the notebook's metadata: on disk once saved.
        page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")

        def saved():
            return json.loads((jupyter.root / "prof.ipynb").read_text())["metadata"].get("sparkmonitor")

        wait_until(lambda: saved() == {"profile": "team"}, 60, "the notebook saved with its profile")

        # The next SparkSession has the profile's settings, but the cell's own .config() wins.
        page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_function(ALL_CELLS_DONE, timeout=SPARK_START_S * 1000, polling=500)
        out = page.locator(".jp-OutputArea-output", has_text="conf ").first.inner_text()
        assert "conf local[1] 3 from-cell" in out, out
        apps = [
            a for a in jupyter.get_json("sparkmonitor/api/apps")["data"] if a["notebookPath"].endswith("prof.ipynb")
        ]
        assert len(apps) == 1 and apps[0]["uiUrl"], apps
        env = spark_api(apps[0]["uiUrl"], apps[0]["appId"], "environment")
        props = dict(env["sparkProperties"])
        assert {
            k: props.get(k)
            for k in (
                "spark.master",
                "spark.driver.memory",
                "spark.sql.shuffle.partitions",
                "spark.myteam.profile",
                "spark.myteam.override",
            )
        } == {
            "spark.master": "local[1]",
            "spark.driver.memory": "900m",
            "spark.sql.shuffle.partitions": "3",
            "spark.myteam.profile": "team",
            "spark.myteam.override": "from-cell",
        }, props

        # After a reload the notebook still has its profile, and the chooser knows the session runs with it.
        page.reload()
        page.wait_for_function(NOTEBOOK_READY, arg="prof.ipynb", timeout=120_000, polling=250)
        wait_until(lambda: button.inner_text() == "Spark: team", 60, "the profile back after a reload")
        button.click()
        session = dialog.locator(".sm-profile-session")
        wait_until(
            lambda: "already running in this kernel (with profile team)" in session.inner_text(),
            30,
            "the dialog to name the running session",
        )
        # Another choice applies to the next session, and the notebook says so.
        dialog.locator('.sm-profile-option[data-profile=""] input').check()
        page.locator(".jp-Dialog button.jp-mod-accept").click()
        note = page.locator(".Toastify__toast", has_text="No profile applies to the next SparkSession")
        note.wait_for(timeout=60_000)
        assert "restart the kernel" in note.inner_text()
        wait_until(lambda: button.get_attribute("data-state") == "next-session", 30, "the button to say next session")
        assert button.inner_text() == "Spark: default"
        save_screenshot(page, "profiles-next-session.png")
    finally:
        page.close()
