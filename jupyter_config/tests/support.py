"""Helpers shared by the tests: paths, the environment variables proxy.server() touches, the real listener jar when it
exists, and wheels built from a copy of jupyter_config/ with stand-in build outputs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE_ROOT = REPO / "jupyter_config"
if str(PACKAGE_ROOT) not in sys.path:  # test the sources in this tree, whether or not the wheel is installed
    sys.path.insert(0, str(PACKAGE_ROOT))

# Variables that proxy.server() reads or writes; removed before each test so the developer's shell cannot leak in.
TOUCHED = (
    "SPARK_CONF_DIR",
    "SPARK_HOME",
    "SPARK_DIST_CLASSPATH",
    "PYTHONSTARTUP",
    "SPARKMONITOR_DISABLE",
    "SPARKMONITOR_READ_ONLY",
    "SPARKMONITOR_BINARY",
    "SPARKMONITOR_JAR",
    "SPARKMONITOR_CONFIG",
    "SPARKMONITOR_INGEST",
    "SPARKMONITOR_SECRET",
    "SPARKMONITOR_PROXY_SECRET",
    "SPARKMONITOR_KERNEL_ID",
    "SPARKMONITOR_USER_PYTHONSTARTUP",
    "SPARKMONITOR_CONF_DIR",
    "SPARKMONITOR_USER_SPARK_CONF_DIR",
    "PYSPARK_SUBMIT_ARGS",
    "PYSPARK_GATEWAY_PORT",
)


def real_jar() -> Path | None:
    path = Path(os.environ.get("SPARKMONITOR_TEST_JAR") or REPO / "build" / "sparkmonitor-listener.jar")
    return path if path.is_file() else None


def require_real_jar() -> Path:
    jar = real_jar()
    if jar is None:
        pytest.skip(
            "needs the listener jar build/sparkmonitor-listener.jar (built by `make build`, listener/build.sh); "
            "set SPARKMONITOR_TEST_JAR to use another one"
        )
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("needs a Java 17+ runtime for PySpark (run `make bootstrap`)")
    return jar


# ---- wheels built from a copy of jupyter_config/ with stand-in build outputs ----

LABEXT = "sparkmonitor-go-labextension"


def copy_sources(dest: Path) -> Path:
    """Copies jupyter_config/ into a fake checkout with the repository's .gitignore (which ignores the build outputs,
    so the build must name them as artifacts, as in the real tree)."""
    ignore = shutil.ignore_patterns(
        "tests", "bin", "jars", "labextension", "__pycache__", "*.egg-info", "build", "dist"
    )
    (dest / ".git").mkdir(parents=True)
    shutil.copy(PACKAGE_ROOT.parent / ".gitignore", dest / ".gitignore")
    shutil.copytree(PACKAGE_ROOT, dest / "jupyter_config", ignore=ignore)
    return dest / "jupyter_config"


def add_artifacts(src: Path, which=("bin", "jar", "labextension")):
    pkg = src / "sparkmonitor_go"
    if "bin" in which:
        (pkg / "bin").mkdir()
        (pkg / "bin" / "sparkmonitor").write_text("#!/bin/sh\necho fake monitor\n")
        (pkg / "bin" / "sparkmonitor").chmod(0o755)
    if "jar" in which:
        (pkg / "jars").mkdir()
        (pkg / "jars" / "sparkmonitor-listener.jar").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    if "labextension" in which:
        (pkg / "labextension" / "static").mkdir(parents=True)
        (pkg / "labextension" / "package.json").write_text(json.dumps({"name": LABEXT, "version": "0.1.0"}))
        (pkg / "labextension" / "static" / "remoteEntry.abc.js").write_text("// bundle\n")


def build_wheel(src: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
