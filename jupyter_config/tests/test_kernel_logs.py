"""The kernel hook's forwarding of the cell's Python logging records to the driver (sparkmonitor_go/logs.py)."""

from __future__ import annotations

import logging
import threading

from sparkmonitor_go import logs

from .test_kernel import kernel, run_ok  # noqa: F401 - the kernel fixture

WAIT = (
    "import time\n_d = time.monotonic() + 10\n"
    "while len(sc.logs) < {n} and time.monotonic() < _d:\n    time.sleep(0.01)\n"
    "repr([(l[0], l[2], l[3], l[5]) for l in sc.logs])"
)


def test_a_cells_warnings_reach_the_driver_with_the_cell_id(kernel):  # noqa: F811
    first = kernel.execute(
        "import logging, pyspark\nsc = pyspark.SparkContext()\nlog = logging.getLogger('nb')\n"
        "log.warning('careful %s', 1)\nlog.info('below WARNING')\n"
        "logging.getLogger('py4j.clientserver').error('py4j')\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('failed')",
        cell_id="c1",
    )
    # With no handler of the user's, Python prints WARNING and above to stderr; the forwarder leaves that as it was.
    assert first.status == "ok" and "careful 1\n" in first.stderr and "below WARNING" not in first.stderr, first
    got = run_ok(kernel, "log.error('second')\n" + WAIT.format(n=3), "c2")
    assert got == repr(
        repr(
            [
                ("c1", "WARNING", "nb", "careful 1"),
                ("c1", "ERROR", "nb", "failed\nZeroDivisionError: division by zero"),
                ("c2", "ERROR", "nb", "second"),
            ]
        )
    )
    # No handler was added: logging.basicConfig in a cell still configures the root logger.
    assert run_ok(kernel, "logging.basicConfig()\nlen(logging.getLogger().handlers)", "c2b") == "1"
    # A driver without LogCapture: the cell runs on, nothing is reported, and the driver is not asked again.
    result = kernel.execute(
        "del sc._jvm.io.sparkmonitor.listener.LogCapture\nlog.warning('nowhere')\n'ran'", cell_id="c3"
    )
    assert (result.status, result.value, result.stderr) == ("ok", repr("ran"), "WARNING:nb:nowhere\n")


def test_a_full_queue_drops_and_counts_and_never_waits():
    gate = threading.Event()
    taken = threading.Event()

    def context():  # the forwarding thread waits here with the first record
        taken.set()
        gate.wait(10)

    f = logs.Forwarder(context, size=2)
    f.install()
    log = logging.getLogger("test-full")
    log.propagate = False  # no lastResort output in the test's stderr
    log.addHandler(logging.NullHandler())
    try:
        log.warning("first")
        assert taken.wait(10)
        for i in range(10):
            log.warning("line %d", i)  # two fit in the queue, eight are dropped
        assert f.dropped == 8
    finally:
        gate.set()
        f.close()


def test_what_the_forwarder_logs_itself_is_not_forwarded():
    calls = []
    done = threading.Event()

    class Capture:
        @staticmethod
        def python(*line):
            calls.append(line)
            logging.getLogger("nb").warning("logged while forwarding")  # e.g. a py4j error
            done.set()

    class Context:
        _jvm = type(
            "Jvm",
            (),
            {
                "io": type(
                    "Io", (), {"sparkmonitor": type("S", (), {"listener": type("L", (), {"LogCapture": Capture})})}
                )
            },
        )

    f = logs.Forwarder(lambda: Context)
    f.install()
    log = logging.getLogger("nb")
    try:
        log.warning("once")
        assert done.wait(10)
        f.close()
        f._thread.join(10)  # the close marker ends the thread after whatever was queued
        assert not f._thread.is_alive()
        assert [c[5] for c in calls] == ["once"]
        assert logging.getLogRecordFactory() is logging.LogRecord, "close puts Python's factory back"
    finally:
        f.close()
