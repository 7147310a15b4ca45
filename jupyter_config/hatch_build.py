"""Build hooks: make the build outputs the wheel ships when they are missing, refuse to build a wheel without them,
and tag it for this platform.

The Go binary, the listener jar and the prebuilt labextension are made by other parts of the repository (`make build`
at its root) and are git-ignored. pyproject.toml runs hatch-jupyter-builder first, with `build_missing` below as its
build function (skipped when all three exist): in a checkout of the repository it builds the labextension with
hatch-jupyter-builder's npm_builder and the Go binary and the jar with the repository's own make rules. Without the
repository around (a copy of this folder) it fails with the list of what is missing, as CustomBuildHook does, so a
`pip install ./jupyter_config` never produces a wheel that installs fine and then fails at run time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

REQUIRED = {
    "sparkmonitor_go/bin/sparkmonitor": "the Go binary (build/sparkmonitor)",
    "sparkmonitor_go/jars/sparkmonitor-listener.jar": "the Spark listener jar (build/sparkmonitor-listener.jar)",
    "sparkmonitor_go/labextension/package.json": "the prebuilt JupyterLab extension (extension-js)",
}
LABEXTENSION = "sparkmonitor_go/labextension/package.json"
# The repository's make rules for the other two (Makefile at the repository root; its targets are relative to it).
MAKE_TARGETS = {
    "sparkmonitor_go/bin/sparkmonitor": "jupyter_config/sparkmonitor_go/bin/sparkmonitor",
    "sparkmonitor_go/jars/sparkmonitor-listener.jar": "jupyter_config/sparkmonitor_go/jars/sparkmonitor-listener.jar",
}


def missing_artifacts(root: Path) -> list[str]:
    """Returns one line per required build output that is absent under `root`."""
    return [f"  {path}  ({what})" for path, what in REQUIRED.items() if not (root / path).is_file()]


def missing_error(missing: list[str]) -> RuntimeError:
    return RuntimeError(
        "sparkmonitor-go: cannot build the wheel, these build outputs are missing:\n"
        + "\n".join(missing)
        + "\nRun `make build` at the repository root first (it builds them and copies them here)."
    )


def build_missing(target_name: str, version: str, root: str = ".") -> None:
    """hatch-jupyter-builder build function: builds the missing build outputs from the repository around `root` (the
    folder of pyproject.toml), or raises the list of what is missing when that is not a checkout of the repository."""
    package = Path(root).resolve()
    repo = package.parent
    missing = [path for path in REQUIRED if not (package / path).is_file()]
    if not missing:
        return
    if not ((repo / "Makefile").is_file() and (repo / "extension-js" / "package.json").is_file()):
        raise missing_error(missing_artifacts(package))
    if LABEXTENSION in missing:
        from hatch_jupyter_builder import npm_builder

        # The npm build script runs `jupyter-builder` (PyPI jupyter-builder, a dependency of JupyterLab and of this
        # hook): make the building environment's scripts reachable even when it is not on PATH.
        scripts = sysconfig.get_path("scripts")
        os.environ["PATH"] = os.pathsep.join([scripts, str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        npm_builder(target_name, version, path=str(repo / "extension-js"), build_cmd="build")
    targets = [MAKE_TARGETS[path] for path in missing if path in MAKE_TARGETS]
    if targets:
        make = shutil.which("make")
        if make is None:
            raise missing_error(missing_artifacts(package))
        subprocess.run([make, "-C", str(repo), *targets], check=True)


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        missing = missing_artifacts(Path(self.root))
        if missing:
            raise missing_error(missing)
        # The Go binary is native code but does not depend on the Python version or ABI.
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform}"
