"""Fixtures: a clean process environment around every test (proxy.server() writes os.environ on purpose), stand-in
build outputs, and a wheel built from this tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .support import TOUCHED, add_artifacts, build_wheel, copy_sources


@pytest.fixture
def clean_env():
    """Runs the test with the TOUCHED variables unset and restores the whole os.environ afterwards."""
    saved = dict(os.environ)
    for key in TOUCHED:
        os.environ.pop(key, None)
    try:
        yield os.environ
    finally:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def fake_artifacts(tmp_path, clean_env):
    """A stand-in binary and jar (for tests that only look at configuration, not at what the artifacts do)."""
    binary = tmp_path / "artifacts" / "sparkmonitor"
    jar = tmp_path / "artifacts" / "listener.jar"
    binary.parent.mkdir()
    binary.write_text("#!/bin/sh\nexit 0\n")
    binary.chmod(0o755)
    jar.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    clean_env["SPARKMONITOR_BINARY"] = str(binary)
    clean_env["SPARKMONITOR_JAR"] = str(jar)
    clean_env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")  # where the monitor's config file is looked for
    return binary, jar


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = copy_sources(tmp / "src")
    add_artifacts(src)
    result = build_wheel(src, tmp / "dist")
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = (tmp / "dist").glob("*.whl")
    return built
