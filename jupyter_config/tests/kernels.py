"""Runs real IPython kernels the way Jupyter Server does (jupyter_client MultiKernelManager, connection file
`kernel-<id>.json`, environment passed at start) and executes code with JupyterLab's execute_request metadata."""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

from jupyter_client.multikernelmanager import MultiKernelManager


@dataclass
class Result:
    status: str
    stdout: str = ""
    stderr: str = ""
    error: str = ""
    value: str = ""  # text/plain of the execute_result, if any
    outputs: list = field(default_factory=list)


class Kernel:
    def __init__(self, env: dict, runtime_dir: Path, log_path: Path):
        runtime_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.manager = MultiKernelManager(connection_dir=str(runtime_dir))
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.id = self.manager.start_kernel(kernel_name="python3", env=env, stdout=self._log, stderr=self._log)
        self.client = self.manager.get_kernel(self.id).client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def execute(self, code: str, cell_id: str | None = None, timeout: float = 120) -> Result:
        """Sends an execute_request like JupyterLab does (metadata.cellId) and collects the cell's outputs."""
        metadata = {"cellId": cell_id} if cell_id is not None else {}
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        deadline = time.monotonic() + timeout
        result = Result(status="")
        idle = False
        while not (idle and result.status):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"cell did not finish in {timeout}s: {code!r}; so far {result}; log {self.log_path}"
                )
            if not result.status:
                try:
                    reply = self.client.get_shell_msg(timeout=min(remaining, 0.5))
                    if reply["parent_header"].get("msg_id") == msg_id:
                        result.status = reply["content"]["status"]
                except queue.Empty:
                    pass
            try:
                out = self.client.get_iopub_msg(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if out["parent_header"].get("msg_id") != msg_id:
                continue
            kind, data = out["msg_type"], out["content"]
            result.outputs.append((kind, data))
            if kind == "stream":
                if data["name"] == "stdout":
                    result.stdout += data["text"]
                else:
                    result.stderr += data["text"]
            elif kind == "error":
                result.error = f"{data['ename']}: {data['evalue']}"
            elif kind == "execute_result":
                result.value = data["data"].get("text/plain", "")
            elif kind == "status" and data["execution_state"] == "idle":
                idle = True
        return result

    def shutdown(self):
        try:
            self.client.stop_channels()
            self.manager.shutdown_kernel(self.id, now=False)
        finally:
            self._log.close()
