"""`pip install ./jupyter_config`: the wheel carries the binary, the jar and the labextension, registers the
jupyter-server-proxy entry point; in a checkout the build makes missing build outputs, elsewhere it refuses to produce a
wheel without them."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import zipfile

import pytest

from .support import LABEXT, add_artifacts, build_wheel, copy_sources


def test_wheel_contents(wheel):
    assert wheel.name.startswith("sparkmonitor_go-0.1.0-py3-none-")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        binary = z.getinfo("sparkmonitor_go/bin/sparkmonitor")
        entry_points = z.read("sparkmonitor_go-0.1.0.dist-info/entry_points.txt").decode()
        wheel_meta = z.read("sparkmonitor_go-0.1.0.dist-info/WHEEL").decode()
    data = f"sparkmonitor_go-0.1.0.data/data/share/jupyter/labextensions/{LABEXT}"
    assert {
        "sparkmonitor_go/__init__.py",
        "sparkmonitor_go/proxy.py",
        "sparkmonitor_go/sparkconf.py",
        "sparkmonitor_go/kernel.py",
        "sparkmonitor_go/startup.py",
        "sparkmonitor_go/icon.svg",
        "sparkmonitor_go/jars/sparkmonitor-listener.jar",
        f"{data}/package.json",
        f"{data}/static/remoteEntry.abc.js",
        f"{data}/install.json",
    } <= names
    assert not any(n.startswith("sparkmonitor_go/labextension/") for n in names)
    assert not any("tests/" in n or "hatch_build" in n for n in names)
    assert (binary.external_attr >> 16) & stat.S_IXUSR
    assert "[jupyter_serverproxy_servers]\nsparkmonitor = sparkmonitor_go.proxy:server" in entry_points
    assert "Root-Is-Purelib: false" in wheel_meta


def test_installed_wheel_is_found_by_jupyter_server_proxy(wheel, tmp_path):
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    probe = (
        "from jupyter_server_proxy.config import get_entrypoint_server_processes\n"
        "(p,) = [p for p in get_entrypoint_server_processes() if p.name == 'sparkmonitor']\n"
        "import os\n"
        "print(p.command[0]); print(os.access(p.command[0], os.X_OK)); print(p.launcher_entry.icon_path)\n"
        "print(os.environ['PYTHONSTARTUP'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARKMONITOR_", "SPARK_", "PYTHONSTARTUP"))}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    command, executable, icon, startup = out.stdout.split("\n")[:4]
    pkg = target / "sparkmonitor_go"
    assert (command, executable, icon, startup) == (
        str(pkg / "bin" / "sparkmonitor"),
        "True",
        str(pkg / "icon.svg"),
        str(pkg / "startup.py"),
    )
    assert (target / "share" / "jupyter" / "labextensions" / LABEXT / "package.json").is_file()


@pytest.mark.parametrize("missing", ["bin", "jar", "labextension"])
def test_build_without_an_artifact_fails_with_a_clear_message(tmp_path, missing):
    src = copy_sources(tmp_path / "src")
    add_artifacts(src, which=[w for w in ("bin", "jar", "labextension") if w != missing])

    result = build_wheel(src, tmp_path / "dist")

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "cannot build the wheel, these build outputs are missing" in output
    expected = {
        "bin": "sparkmonitor_go/bin/sparkmonitor",
        "jar": "sparkmonitor_go/jars/sparkmonitor-listener.jar",
        "labextension": "sparkmonitor_go/labextension/package.json",
    }[missing]
    assert expected in output and "make build" in output


def test_build_in_a_checkout_makes_the_missing_outputs(tmp_path):
    """In a checkout of the repository the wheel build makes what is missing: the labextension with npm (through
    hatch-jupyter-builder's npm_builder), the binary and the jar with the repository's make rules. Stand-ins here: a
    Makefile and an npm package whose build script write the files."""
    src = copy_sources(tmp_path / "src")
    repo = src.parent
    (repo / "Makefile").write_text(
        "jupyter_config/sparkmonitor_go/bin/sparkmonitor "
        "jupyter_config/sparkmonitor_go/jars/sparkmonitor-listener.jar:\n"
        "\tmkdir -p $(@D) && echo built-by-make > $@\n"
    )
    ext = repo / "extension-js"
    ext.mkdir()
    (ext / "package.json").write_text(
        json.dumps({"name": "stand-in", "version": "0.0.0", "private": True, "scripts": {"build": "node build.js"}})
    )
    (ext / "build.js").write_text(
        "const fs = require('fs');\n"
        "const out = '../jupyter_config/sparkmonitor_go/labextension';\n"
        "fs.mkdirSync(out + '/static', { recursive: true });\n"
        f"fs.writeFileSync(out + '/package.json', JSON.stringify({{ name: '{LABEXT}', version: '0.1.0' }}));\n"
        "fs.writeFileSync(out + '/static/remoteEntry.npm.js', '// built by npm\\n');\n"
    )

    result = build_wheel(src, tmp_path / "dist")

    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        binary = z.read("sparkmonitor_go/bin/sparkmonitor")
    data = f"sparkmonitor_go-0.1.0.data/data/share/jupyter/labextensions/{LABEXT}"
    assert {"sparkmonitor_go/jars/sparkmonitor-listener.jar", f"{data}/static/remoteEntry.npm.js"} <= names
    assert binary == b"built-by-make\n"
