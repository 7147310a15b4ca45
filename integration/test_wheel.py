"""The wheel `make dist` builds, installed with nothing but `pip install` (no `jupyter labextension` command, no IPython
profile edit, no environment variable), into environments other than the project's .venv:

- a JupyterLab + PySpark environment without jupyter-server-proxy (the wheel brings it): a notebook cell creating a
  SparkSession shows its monitor with Spark's own job counts (oracle: the driver's REST API);
- an environment with the published `sparkmonitor` (swan-cern, PyPI) already installed: both packages install side by
  side (no file, module, labextension or entry point in common), both labextensions are enabled, and our
  jupyter-server-proxy entry runs the monitor.

The environments are made once and cached by the Makefile (`make test-envs`, in build/); each test uninstalls what a
previous run installed and checks it is gone before installing the wheel again.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import (
    ALL_CELLS_DONE,
    open_and_run_all,
    save_screenshot,
    shown_job,
    spark_jobs,
    start_jupyter,
    stop_jupyter,
    wait_until,
    write_notebook,
)
from test_cell_monitor import MONITORS

REPO = Path(__file__).resolve().parents[1]
WHEEL_VENV = REPO / "build" / "venv-wheel"
SIDE_VENV = REPO / "build" / "venv-side-by-side"
CACHE = Path(os.environ.get("SPARKMONITOR_CACHE") or Path.home() / ".cache" / "sparkmonitor-go")
LABEXT = "sparkmonitor-go-labextension"
SWAN_LABEXT = "sparkmonitor"

CELL = {
    "id": "only-cell",
    "source": (
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "spark.sparkContext.setJobGroup('oracle-only-cell', 'oracle')\n"
        "spark.range(0, 1_000_000, numPartitions=8).selectExpr('sum(id)').collect()\n"
        "spark.range(0, 1000, numPartitions=3).rdd.map(lambda x: x * 2).count()"
    ),
}


def the_wheel() -> Path:
    wheels = sorted((REPO / "dist").glob("sparkmonitor_go-*.whl"))
    if len(wheels) != 1:
        pytest.fail(f"expected one wheel in dist/, found {wheels}: run `make dist`")
    return wheels[0]


def cached_venv(path: Path) -> Path:
    if not (path / ".installed").is_file():
        pytest.fail(f"{path} is missing: run `make test-envs`")
    return path


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKMONITOR_", "SPARK_", "PYTHONSTARTUP"))}
    env.update(kwargs.pop("env", {}))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, **kwargs)


def labextensions(venv: Path) -> str:
    out = run([str(venv / "bin" / "jupyter"), "labextension", "list"])
    assert out.returncode == 0, out.stderr
    return re.sub(r"\x1b\[[0-9;]*m", "", out.stdout + out.stderr)  # without its colours


def enabled(listing: str, name: str) -> bool:
    return re.search(rf"^\s*{re.escape(name)} v\S+ enabled\s+OK", listing, re.MULTILINE) is not None


def fresh_install(venv: Path, wheel: Path, uninstall_first: list[str]):
    """Removes what a previous run installed (and checks it is gone), then `pip install`s the wheel and nothing else;
    versions of the dependencies it pulls come from requirements.txt (a pip constraints file)."""
    out = run([str(venv / "bin" / "python"), "-m", "pip", "uninstall", "-y", *uninstall_first])
    assert out.returncode == 0, out.stderr
    assert LABEXT not in labextensions(venv), "the labextension is still there after uninstalling sparkmonitor-go"
    out = run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--cache-dir", str(CACHE / "pip"), str(wheel)],
        env={"PIP_CONSTRAINT": str(REPO / "requirements.txt")},
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_pip_installed_wheel_shows_a_cells_spark_jobs(browser, tmp_path):
    venv = cached_venv(WHEEL_VENV)
    fresh_install(venv, the_wheel(), ["sparkmonitor-go", "jupyter-server-proxy"])
    assert enabled(labextensions(venv), LABEXT)

    server = start_jupyter(tmp_path, venv=venv)
    try:
        write_notebook(server.root / "wheel.ipynb", [CELL])
        page, kernel_id = open_and_run_all(
            browser, f"{server.url}lab/tree/wheel.ipynb?token={server.token}", "wheel.ipynb"
        )
        page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=250)

        apps = wait_until(lambda: server.get_json("sparkmonitor/api/apps")["data"], 60, "the monitor to list the app")
        assert [a["kernelId"] for a in apps] == [kernel_id]
        app = apps[0]
        truth = [j for j in spark_jobs(app["uiUrl"], app["appId"]) if j.get("jobGroup") == "oracle-only-cell"]
        assert len(truth) >= 2, f"Spark ran {truth}"  # the sum may take more than one job
        expected = {str(j["jobId"]): shown_job(j) for j in truth}
        shown = wait_until(
            lambda: (m := page.evaluate(MONITORS)).get(CELL["id"]) == expected and m,
            120,
            f"the cell's monitor to show Spark's jobs {expected}",
        )
        assert set(shown) == {CELL["id"]}
        save_screenshot(page, "wheel-cell-monitor.png")
        page.close()

        # What ran is the wheel's monitor binary and listener jar, from the environment pip installed it into.
        proxy = run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sparkmonitor_go.proxy as p; print(p.BINARY); print(p.JAR)",
            ]
        )
        assert proxy.returncode == 0, proxy.stderr
        binary, jar = proxy.stdout.split()
        assert binary.startswith(str(venv)) and jar.startswith(str(venv))
        assert Path(binary).is_file() and Path(jar).is_file()
    finally:
        stop_jupyter(server)


# Which module each name comes from, and the server-proxy entries, in the environment with both packages.
PROBE = """
import importlib.metadata as md, sparkmonitor, sparkmonitor_go
from jupyter_server_proxy.config import get_entrypoint_server_processes
print(sparkmonitor.__file__)
print(sparkmonitor_go.__file__)
print([(p.name, p.command[0]) for p in get_entrypoint_server_processes()])
files = {d: {str(f) for f in md.files(d) if '.dist-info' not in str(f)} for d in ('sparkmonitor', 'sparkmonitor-go')}
print(sorted(files['sparkmonitor'] & files['sparkmonitor-go']))
print(md.version('sparkmonitor'), md.version('sparkmonitor-go'))
"""


def test_installs_and_runs_next_to_the_published_sparkmonitor(tmp_path):
    venv = cached_venv(SIDE_VENV)
    fresh_install(venv, the_wheel(), ["sparkmonitor-go"])

    listing = labextensions(venv)
    assert enabled(listing, SWAN_LABEXT), listing
    assert enabled(listing, LABEXT), listing

    out = run([str(venv / "bin" / "python"), "-c", PROBE])
    assert out.returncode == 0, out.stderr
    swan_module, our_module, entries, common, versions = out.stdout.strip().split("\n")
    assert "/sparkmonitor/__init__.py" in swan_module and "/sparkmonitor_go/__init__.py" in our_module
    assert eval(entries) == [("sparkmonitor", str(Path(our_module).parent / "bin" / "sparkmonitor"))]
    assert common == "[]", f"files installed by both packages: {common}"
    assert versions.split()[0] == "3.3.0"
    check = run([str(venv / "bin" / "python"), "-m", "pip", "check"])
    assert check.returncode == 0, check.stdout

    # Our jupyter-server-proxy entry loads in a real server of that environment and starts the monitor.
    server = start_jupyter(tmp_path, venv=venv)
    try:
        health = wait_until(lambda: server.get_json("sparkmonitor/api/health"), 60, "the monitor's health")
        assert health["status"] == "success", health
        assert server.status("sparkmonitor/api/health", authenticated=False) in (302, 401, 403)
    finally:
        stop_jupyter(server)
