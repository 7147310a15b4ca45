"""The kernel side, in real IPython kernels started like Jupyter Server starts them, with the environment that
proxy.server() exports: PYTHONSTARTUP loads the cell-tagging extension, the user's own startup file still runs, and
the tagging hook follows the cells. PySpark is replaced here by a small recording stand-in (the same hook against real
Spark is in test_spark.py), so these tests run without a JVM."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sparkmonitor_go import proxy

from .kernels import Kernel
from .support import PACKAGE_ROOT

FAKE_CONTEXT = '''
"""Records what the monitor's kernel extension does to SparkContexts."""
import types


class SparkContext:
    _active_spark_context = None

    def __init__(self, fail=False):
        if fail:
            raise RuntimeError("the user's own SparkContext error")
        self.calls = []
        self.marks = []  # the listener jar's CellMarks calls, through py4j in the real thing
        marks = types.SimpleNamespace(
            started=lambda jsc, cell: self.marks.append(("started", cell, jsc)),
            ended=lambda jsc, cell: self.marks.append(("ended", cell, jsc)),
        )
        self.logs = []  # the listener jar's LogCapture.python calls (kernel hook's logs.py)
        capture = types.SimpleNamespace(python=lambda *line: self.logs.append(line))
        listener = types.SimpleNamespace(CellMarks=marks, LogCapture=capture)
        sparkmonitor = types.SimpleNamespace(listener=listener)
        self._jvm = types.SimpleNamespace(io=types.SimpleNamespace(sparkmonitor=sparkmonitor))
        self._jsc = types.SimpleNamespace(sc=lambda: "the JVM SparkContext")
        SparkContext._active_spark_context = self

    def setLocalProperty(self, key, value):
        self.calls.append((key, value))

    def stop(self):
        SparkContext._active_spark_context = None
'''


FAKE_CONNECT_SESSION = """
# Records the Spark Connect tags the monitor's kernel extension gives sessions (per thread, like the real client).
import threading


class SparkSession:
    _active_session = threading.local()
    _default_session = None

    def __init__(self, connection, userId=None):
        self._tags = threading.local()
        self.is_stopped = False
        if SparkSession._default_session is None:
            SparkSession._default_session = self

    def _set(self):
        if not hasattr(self._tags, "set"):
            self._tags.set = set()
        return self._tags.set

    def addTag(self, tag):
        if not tag or "," in tag:
            raise ValueError(f"invalid tag {tag!r}")
        self._set().add(tag)

    def removeTag(self, tag):
        self._set().remove(tag)

    def getTags(self):
        return self._set()

    def stop(self):
        self.is_stopped = True
"""


def write_fake_pyspark(root: Path, layout: str):
    """PySpark 4 defines SparkContext in pyspark.core.context (aliased as pyspark.context); PySpark 3 in
    pyspark.context."""
    fake = root / "pyspark"
    fake.mkdir(parents=True)
    if layout == "pyspark-4":
        (fake / "core").mkdir()
        (fake / "core" / "__init__.py").write_text("")
        (fake / "core" / "context.py").write_text(FAKE_CONTEXT)
        (fake / "__init__.py").write_text(
            "import sys\nfrom pyspark.core.context import SparkContext\nfrom pyspark.core import context\n"
            "sys.modules['pyspark.context'] = context\n"
        )
    else:
        (fake / "context.py").write_text(FAKE_CONTEXT)
        (fake / "__init__.py").write_text("from pyspark.context import SparkContext\n")
    (fake / "sql" / "connect").mkdir(parents=True)
    (fake / "sql" / "__init__.py").write_text("")
    (fake / "sql" / "connect" / "__init__.py").write_text("")
    (fake / "sql" / "connect" / "session.py").write_text(FAKE_CONNECT_SESSION)


def kernel_env(tmp_path: Path, user_startup: str | None, layout: str = "pyspark-4") -> dict:
    fake = tmp_path / "fake-pyspark" / "pyspark"
    write_fake_pyspark(fake.parent, layout)
    if user_startup is not None:
        (tmp_path / "team_startup.py").write_text(user_startup)
        os.environ["PYTHONSTARTUP"] = str(tmp_path / "team_startup.py")
    proxy.server()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), str(fake.parent)])
    env["IPYTHONDIR"] = str(tmp_path / "ipython")
    return env


@pytest.fixture
def kernel(fake_artifacts, tmp_path, request):
    layout = getattr(request, "param", "pyspark-4")
    env = kernel_env(tmp_path, "TEAM_STARTUP = 'ran'\nimport sys as _team_sys\n", layout)
    k = Kernel(env, tmp_path / "runtime", tmp_path / "kernel.log")
    yield k
    k.shutdown()


def run_ok(kernel: Kernel, code: str, cell_id: str | None = None) -> str:
    result = kernel.execute(code, cell_id=cell_id)
    assert result.status == "ok", result
    return result.value


def test_startup_loads_the_extension_runs_the_users_file_and_leaves_no_names(kernel):
    value = run_ok(
        kernel,
        "import os, sys\n"
        "(TEAM_STARTUP, os.environ['SPARKMONITOR_KERNEL_ID'], 'sparkmonitor_go.kernel' in "
        "get_ipython().extension_manager.loaded, sorted(n for n in globals() if 'sparkmonitor' in n), "
        "'pyspark' in sys.modules)",
        cell_id="c0",
    )
    assert value == repr(("ran", kernel.id, True, [], False))


@pytest.mark.parametrize("kernel", ["pyspark-4", "pyspark-3"], indirect=True)
def test_each_cell_tags_the_spark_context_with_its_id(kernel):
    # The cell that creates the context is tagged right after SparkContext.__init__ (the import happens in the cell).
    assert run_ok(kernel, "import pyspark, sys\nsc = pyspark.SparkContext()\nsc.calls", "c1") == repr(
        [("sparkmonitor.cellId", "c1")]
    )
    assert run_ok(kernel, "sc.calls[-1]", "c2") == repr(("sparkmonitor.cellId", "c2"))
    # The import hook now waits only for the Spark Connect module, and left the context module's loader as it was.
    assert run_ok(
        kernel,
        "[f.waiting_for for f in sys.meta_path if 'sparkmonitor' in type(f).__module__], "
        "type(sys.modules[pyspark.SparkContext.__module__].__loader__).__name__",
    ) == repr(([["pyspark.sql.connect.session"]], "SourceFileLoader"))
    # A cell without an id clears the property instead of leaving the previous cell's.
    assert run_ok(kernel, "sc.calls[-1]") == repr(("sparkmonitor.cellId", None))
    # A stopped context is left alone; a new one created in a later cell gets that cell's id.
    assert run_ok(
        kernel, "sc.stop()\nn = len(sc.calls)\nsc2 = pyspark.SparkContext()\n(len(sc.calls) - n, sc2.calls)", "c3"
    ) == repr((0, [("sparkmonitor.cellId", "c3")]))


def test_each_cell_tells_the_driver_when_it_starts_and_ends(kernel):
    # The cell that creates the context says so right after SparkContext.__init__, and each cell after it.
    run_ok(kernel, "import pyspark\nsc = pyspark.SparkContext()\nsc.marks[:]", "c1")
    assert run_ok(kernel, "[m[:2] for m in sc.marks]", "c2") == repr(
        [("started", "c1"), ("ended", "c1"), ("started", "c2")]
    )
    assert run_ok(kernel, "sc.marks[-1][2]", "c3") == repr("the JVM SparkContext")
    # A cell without an id runs too: jobs started meanwhile are under no cell.
    run_ok(kernel, "1")
    assert run_ok(kernel, "[m[:2] for m in sc.marks[5:]]", "c4") == repr(
        [("ended", "c3"), ("started", None), ("ended", None), ("started", "c4")]
    )
    # A stopped context gets no end; the next one is told from its creation on.
    run_ok(kernel, "sc.stop()\nn = len(sc.marks)\nsc2 = pyspark.SparkContext()", "c5")
    assert run_ok(kernel, "(len(sc.marks) - n, [m[:2] for m in sc2.marks])", "c6") == repr(
        (0, [("started", "c5"), ("ended", "c5"), ("started", "c6")])
    )


def test_a_driver_without_cell_marks_is_reported_once_and_not_asked_again(kernel):
    first = kernel.execute(
        "import pyspark\nsc = pyspark.SparkContext()\ndel sc._jvm.io.sparkmonitor.listener.CellMarks", cell_id="c1"
    )
    second = kernel.execute("[m[:2] for m in sc.marks], sc.calls[-1]", cell_id="c2")
    assert first.status == "ok", first
    assert "sparkmonitor: telling Spark that the cell ended failed (AttributeError" in first.stderr
    assert (second.status, second.value, second.stderr) == (
        "ok",
        repr(([("started", "c1")], ("sparkmonitor.cellId", "c2"))),
        "",
    ), second


def test_errors_in_the_hook_never_break_a_cell_and_are_reported_once(kernel):
    run_ok(kernel, "import pyspark\nsc = pyspark.SparkContext()", "c1")
    run_ok(kernel, "def boom(*a):\n    raise ConnectionError('py4j gateway gone')\nsc.setLocalProperty = boom", "c2")

    first = kernel.execute("1 + 1", cell_id="c3")
    second = kernel.execute("2 + 2", cell_id="c4")

    assert (first.status, first.value, second.status, second.value) == ("ok", "2", "ok", "4")
    assert "sparkmonitor: tagging the cell's Spark jobs failed (ConnectionError: py4j gateway gone)" in first.stderr
    assert "sparkmonitor" not in second.stderr


def test_the_users_spark_context_errors_are_untouched(kernel):
    result = kernel.execute("import pyspark\npyspark.SparkContext(fail=True)", cell_id="c1")
    assert result.status == "error"
    assert result.error == "RuntimeError: the user's own SparkContext error"


def test_a_broken_user_startup_file_is_reported_and_the_kernel_still_works(fake_artifacts, tmp_path):
    env = kernel_env(tmp_path, "TEAM_STARTUP = 'partly'\nraise ValueError('team startup is broken')\n")
    k = Kernel(env, tmp_path / "runtime", tmp_path / "kernel.log")
    try:
        value = run_ok(k, "(TEAM_STARTUP, 'sparkmonitor_go.kernel' in get_ipython().extension_manager.loaded)", "c1")
    finally:
        k.shutdown()
    assert value == repr(("partly", True))
    log = k.log_path.read_text()
    assert f"Unknown error in handling PYTHONSTARTUP file {tmp_path / 'team_startup.py'}" in log


def run_python_repl(env: dict, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-i", "-q"], input=stdin, env=env, capture_output=True, text=True, timeout=60
    )


def test_plain_python_repl_runs_the_users_startup_and_reports_its_errors(fake_artifacts, tmp_path):
    env = kernel_env(tmp_path, "TEAM_STARTUP = 'ran'\n")
    ok = run_python_repl(env, "print(TEAM_STARTUP, [n for n in globals() if 'sparkmonitor' in n])\n")
    assert ok.stdout.strip() == "ran []" and ok.returncode == 0, ok

    (tmp_path / "team_startup.py").write_text("raise ValueError('team startup is broken')\n")
    broken = run_python_repl(env, "print('repl still works')\n")
    assert "ValueError: team startup is broken" in broken.stderr
    assert 'team_startup.py", line 1' in broken.stderr
    assert broken.stdout.strip() == "repl still works"


def test_each_cell_tags_its_spark_connect_operations(kernel):
    # A session created in a cell (its module imported there) is tagged with that cell and the kernel (percent-encoded).
    tags = run_ok(
        kernel,
        "import sys\nfrom pyspark.sql.connect.session import SparkSession\nspark = SparkSession('sc://host')\n"
        "tags = lambda: ' '.join(sorted(spark.getTags()))\ntags()",
        "c/1,x",
    )
    assert tags == repr(f"sparkmonitor-cell-c%2F1%2Cx sparkmonitor-kernel-{kernel.id}")
    # The import hook is gone once both modules were imported.
    run_ok(kernel, "import pyspark", "c2")
    assert run_ok(kernel, "[f for f in sys.meta_path if 'sparkmonitor' in type(f).__module__]", "c3") == "[]"
    # The next cell replaces the cell tag; the user's own tags stay.
    run_ok(kernel, "spark.addTag('mine')", "c4")
    assert run_ok(kernel, "tags()", "c5") == repr(f"mine sparkmonitor-cell-c5 sparkmonitor-kernel-{kernel.id}")
    # A cell without an id leaves no cell tag; a stopped session is left alone.
    assert run_ok(kernel, "tags()") == repr(f"mine sparkmonitor-kernel-{kernel.id}")
    run_ok(kernel, "spark.stop()\nbefore = set(spark.getTags())", "c6")
    assert run_ok(kernel, "spark.getTags() == before", "c7") == "True"
