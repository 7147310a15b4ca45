"""The kernel side of Spark configuration profiles (docs/user-guide.md § Spark profiles), in a real IPython kernel
started like Jupyter Server starts it: the chooser's silent execute of `use_profile` (read back through
user_expressions, as extension-js/src/profiles.ts does), and the profile reaching the conf of the next SparkContext, the
user's own settings winning. PySpark is a small stand-in with PySpark 4's SparkContext signature (real Spark:
integration/test_profiles.py)."""

from __future__ import annotations

import json
import queue
import time

import pytest

from .kernels import Kernel
from .test_kernel import kernel_env

FAKE_CONTEXT = """
class SparkConf:
    def __init__(self):
        self.values = {}
    def set(self, key, value):
        self.values[key] = value
        return self
    def contains(self, key):
        return key in self.values
    def get(self, key, default=None):
        return self.values.get(key, default)


class SparkContext:
    _active_spark_context = None

    def __init__(self, master=None, appName=None, sparkHome=None, pyFiles=None, environment=None, batchSize=0,
                 serializer=None, conf=None, gateway=None, jsc=None):
        if SparkContext._active_spark_context is not None:
            raise ValueError("Cannot run multiple SparkContexts at once")
        self.conf = dict(conf.values) if conf is not None else {}
        if master:
            self.conf["spark.master"] = master
        SparkContext._active_spark_context = self

    def setLocalProperty(self, key, value):
        pass

    def stop(self):
        SparkContext._active_spark_context = None
"""

REPORT = "__import__('sparkmonitor_go.kernel').kernel.profile_report()"


@pytest.fixture
def kernel(fake_artifacts, tmp_path):
    env = kernel_env(tmp_path, None)
    (tmp_path / "fake-pyspark" / "pyspark" / "core" / "context.py").write_text(FAKE_CONTEXT)
    k = Kernel(env, tmp_path / "runtime", tmp_path / "kernel.log")
    yield k
    k.shutdown()


def silent(kernel: Kernel, code: str, timeout: float = 60) -> dict:
    """A silent execute with the chooser's user expression; returns the reply's content."""
    msg_id = kernel.client.execute(code, silent=True, store_history=False, user_expressions={"report": REPORT})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = kernel.client.get_shell_msg(timeout=0.5)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]
    raise AssertionError(f"no reply to {code!r}")


def use(kernel: Kernel, name, conf) -> dict:
    payload = json.dumps(json.dumps({"name": name, "conf": conf}))
    reply = silent(kernel, f"__import__('sparkmonitor_go.kernel').kernel.use_profile({payload})")
    assert reply["status"] == "ok", reply
    report = reply["user_expressions"]["report"]
    assert report["status"] == "ok", report
    assert json.loads(report["data"]["text/plain"]) == report["data"]["application/json"]
    return report["data"]["application/json"]


def run_ok(kernel: Kernel, code: str) -> str:
    result = kernel.execute(code, cell_id="c1")
    assert result.status == "ok", result
    return result.value


def test_the_chosen_profile_reaches_the_next_spark_context_and_the_users_settings_win(kernel):
    conf = {"spark.master": "local[3]", "spark.executor.cores": "2", "spark.sql.shuffle.partitions": "7"}
    assert use(kernel, "small", conf) == {"profile": "small", "sessionActive": False, "appliedProfile": None}
    # Nothing in the user's namespace, no history entry.
    assert run_ok(kernel, "[n for n in globals() if 'sparkmonitor' in n], len(In)") == repr(([], 2))

    got = run_ok(
        kernel,
        "import pyspark\nfrom pyspark.core.context import SparkConf\n"
        "sc = pyspark.SparkContext(conf=SparkConf().set('spark.executor.cores', '8'))\nstr(sorted(sc.conf.items()))",
    )
    assert got == repr(
        str([("spark.executor.cores", "8"), ("spark.master", "local[3]"), ("spark.sql.shuffle.partitions", "7")])
    )
    assert use(kernel, "small", conf)["appliedProfile"] == "small"

    # Another profile while the context runs: it is for the next one, and the report says which one runs.
    report = use(kernel, "big", {"spark.master": "local[4]"})
    assert report == {"profile": "big", "sessionActive": True, "appliedProfile": "small"}

    # The master given to SparkContext wins too; after stop(), the next context gets the new profile.
    got = run_ok(kernel, "sc.stop()\nsc = pyspark.SparkContext()\nsc.conf")
    assert got == repr({"spark.master": "local[4]"})
    got = run_ok(kernel, "sc.stop()\nsc = pyspark.SparkContext('local[1]')\nsc.conf")
    assert got == repr({"spark.master": "local[1]"})

    # No profile: nothing is added.
    assert use(kernel, None, {})["profile"] is None
    assert run_ok(kernel, "sc.stop()\nsc = pyspark.SparkContext()\nsc.conf") == repr({})
    assert use(kernel, None, {}) == {"profile": None, "sessionActive": True, "appliedProfile": None}


def test_a_bad_payload_is_an_error_reply_and_changes_nothing(kernel):
    use(kernel, "small", {"spark.master": "local[2]"})
    reply = silent(
        kernel, '__import__(\'sparkmonitor_go.kernel\').kernel.use_profile(\'{"name": "x", "conf": {"a": 1}}\')'
    )
    assert reply["status"] == "error" and reply["ename"] == "TypeError", reply
    assert run_ok(kernel, "import pyspark\npyspark.SparkContext().conf") == repr({"spark.master": "local[2]"})
