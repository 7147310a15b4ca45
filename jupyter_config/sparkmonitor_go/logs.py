"""Forwards the Python `logging` records of a cell's code to the driver, for the monitor's Logs tab.

A log record factory (wrapping Python's: no handler is added, so `logging.basicConfig` and Python's printing of
unhandled warnings work as before) copies each record of WARNING and above — time, level, logger, thread, message
(at most 4 096 characters, with the exception's class and message) and the cell the kernel is running — into a bounded
queue (1 000 records; a full queue drops the record and counts it in `dropped`) and returns: the logging thread never
waits for the JVM. The daemon thread `sparkmonitor-logs` hands each record to the listener jar through py4j
(`LogCapture.python`), which sends it to the monitor at or above `spark.sparkmonitor.logLevel`
(spark/event/PROTOCOL.md, "Driver log lines"). Records logged while no SparkContext runs are dropped.

Never recursive: records of py4j's and this package's loggers, and any record logged by the forwarding thread itself
(a py4j error), are not forwarded. Never breaks a cell: every error is swallowed; a driver without the listener jar
is asked once per SparkContext.
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable

QUEUE_SIZE = 1000
MESSAGE_CHARS = 4096
_SKIPPED = ("py4j", "sparkmonitor_go")


class Forwarder:
    """Sees every log record Python creates (a record factory wrapping the current one: no handler is added, so
    `logging.basicConfig` and Python's printing of unhandled warnings work as before). `context()` is the active
    SparkContext (or None)."""

    def __init__(self, context: Callable[[], object | None], level: int = logging.WARNING, size: int = QUEUE_SIZE):
        self.level = level
        self.cell_id: str | None = None  # the cell the kernel runs now (pre_run_cell / post_run_cell)
        self.dropped = 0
        self._context = context
        self._queue: queue.Queue = queue.Queue(size)
        self._unreachable = None  # a SparkContext whose JVM has no LogCapture
        self._previous = logging.getLogRecordFactory()
        self._thread = threading.Thread(target=self._forward, name="sparkmonitor-logs", daemon=True)
        self._thread.start()

    def install(self) -> None:
        self._previous = logging.getLogRecordFactory()
        logging.setLogRecordFactory(self._make)

    def pre_run_cell(self, info) -> None:
        self.cell_id = getattr(info, "cell_id", None) or None

    def post_run_cell(self, result=None) -> None:
        self.cell_id = None

    def _make(self, *args, **kwargs) -> logging.LogRecord:
        record = self._previous(*args, **kwargs)
        self.offer(record)
        return record

    def offer(self, record: logging.LogRecord) -> None:
        """Queues the record if it is at the level or above and not ours; never raises, never waits."""
        try:
            if record.levelno < self.level or record.name.startswith(_SKIPPED) or record.thread == self._thread.ident:
                return
            message = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                message += "\n" + "".join(traceback.format_exception_only(*record.exc_info[:2])).strip()
            item = (
                self.cell_id,
                int(record.created * 1000),
                record.levelname,
                record.name,
                record.threadName or "",
                message[:MESSAGE_CHARS],
            )
            self._queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
        except Exception:  # noqa: BLE001 - a record we cannot copy is not forwarded; the caller's logging goes on
            pass

    def close(self) -> None:
        """Puts the previous record factory back (if no one replaced ours since) and ends the thread."""
        if logging.getLogRecordFactory() == self._make:
            logging.setLogRecordFactory(self._previous)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass

    def _forward(self) -> None:
        while (item := self._queue.get()) is not None:
            sc = self._context()
            if sc is None or sc is self._unreachable:
                continue
            try:
                sc._jvm.io.sparkmonitor.listener.LogCapture.python(*item)
            except Exception:  # noqa: BLE001 - e.g. a driver without the listener jar: one try per SparkContext
                self._unreachable = sc


def install(ipython, context: Callable[[], object | None]) -> Forwarder:
    """Starts forwarding (the record factory) and follows the shell's cells; returns the forwarder (for `uninstall`)."""
    forwarder = Forwarder(context)
    forwarder.install()
    ipython.events.register("pre_run_cell", forwarder.pre_run_cell)
    ipython.events.register("post_run_cell", forwarder.post_run_cell)
    return forwarder


def uninstall(ipython, forwarder: Forwarder | None) -> None:
    if forwarder is None:
        return
    for name, callback in (("pre_run_cell", forwarder.pre_run_cell), ("post_run_cell", forwarder.post_run_cell)):
        try:
            ipython.events.unregister(name, callback)
        except ValueError:
            pass
    forwarder.close()
