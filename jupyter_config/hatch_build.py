"""Wheel build hook: refuse to build a wheel without the build outputs it ships, and tag it for this platform.

The Go binary, the listener jar and the prebuilt labextension are made by other parts of the repository (`make build`
at its root) and are git-ignored, so a plain `pip install ./jupyter_config` on a fresh clone would otherwise produce a
wheel that installs fine and then fails at run time.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

REQUIRED = {
    "sparkmonitor_go/bin/sparkmonitor": "the Go binary (build/sparkmonitor)",
    "sparkmonitor_go/jars/sparkmonitor-listener.jar": "the Spark listener jar (build/sparkmonitor-listener.jar)",
    "sparkmonitor_go/labextension/package.json": "the prebuilt JupyterLab extension (extension-js)",
}


def missing_artifacts(root: Path) -> list[str]:
    """Returns one line per required build output that is absent under `root`."""
    return [f"  {path}  ({what})" for path, what in REQUIRED.items() if not (root / path).is_file()]


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        missing = missing_artifacts(Path(self.root))
        if missing:
            raise RuntimeError(
                "sparkmonitor-go: cannot build the wheel, these build outputs are missing:\n"
                + "\n".join(missing)
                + "\nRun `make build` at the repository root first (it builds them and copies them here)."
            )
        # The Go binary is native code but does not depend on the Python version or ABI.
        platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform}"
