"""Names the cell line that starts each Spark job: the local property `sparkmonitor.line` = "<line>\\t<source>".

Spark copies a thread's local properties into every job it starts (and into the jobs and SQL executions that Spark
starts for it on other threads: AQE's query stages, broadcasts), and the listener jar reports the property with
`jobStart` (spark/event/PROTOCOL.md). PySpark starts every job through a py4j call, so py4j's `JavaMember.__call__`
is wrapped: before each call it finds, in the Python stack, the innermost frame of the running cell's code (IPython
compiles each cell to a file name of its own: `shell.compile.get_code_name`) and, when that (cell, line) differs from
what this thread last set, calls `setLocalProperty` first. So a DataFrame action on line 3 of a cell starts its jobs
with "3\\tdf.groupBy("k").count()", and a call from no cell line (another cell's function in a thread, a callback)
clears the property. The source line is stripped and cut to MAX_SOURCE characters.

- Per thread: local properties are (PySpark's pinned thread mode maps each Python thread to its own JVM thread), so
  what was set is remembered in a `threading.local`.
- The cost per py4j call is a walk up the Python stack and a tuple compare (measured in docs/benchmarks.md, "The
  cell-line hook: cost per py4j call"); the extra py4j call is made only when the line changes.
- Spark Connect sessions make no py4j calls (their client speaks gRPC) and have no local properties: their jobs carry
  no line.
- Nothing here can break a cell: errors are reported once (by the caller's `report`) and swallowed.
"""

from __future__ import annotations

import functools
import sys
import threading

LINE_PROPERTY = "sparkmonitor.line"
MAX_SOURCE = 200  # characters of the source line; longer ones end with "…"
_WRAPPED_MARK = "_sparkmonitor_line_wrapped"


class LineTracker:
    """The running cell's code name and source, and what each thread last told its SparkContext."""

    def __init__(self, active_context, report):
        self._active_context = active_context
        self._report = report
        self.enabled = True
        # (code name, source lines) of the running cell, or None: one tuple, replaced whole, so that another thread
        # never reads a code name with the lines of another cell.
        self.cell: tuple | None = None
        self._local = threading.local()

    def pre_run_cell(self, shell, info) -> None:
        """Remembers the code name IPython compiles the cell to (its frames' co_filename) and its lines."""
        try:
            raw = getattr(info, "raw_cell", None) or ""
            self.cell = None
            if not raw or getattr(info, "silent", False):
                return
            transformed = getattr(info, "transformed_cell", None) or shell.transform_cell(raw)
            # run_cell has counted this cell already when it stores history (IPython's run_cell_async).
            number = shell.execution_count - 1 if getattr(info, "store_history", False) else shell.execution_count
            self.cell = (shell.compile.get_code_name(raw, transformed, number), raw.splitlines())
        except Exception as e:
            self._report("finding the cell's code name", e)

    def value(self, frame) -> tuple | None:
        """(cell, line) of the innermost frame of the running cell's code at or above `frame`, or None."""
        cell = self.cell
        if cell is None:
            return None
        cell_file = cell[0]
        while frame is not None:
            if frame.f_code.co_filename == cell_file:
                return cell, frame.f_lineno
            frame = frame.f_back
        return None

    @staticmethod
    def property_value(key) -> str | None:
        """The property's text for a (cell, line) key: "<line>\\t<stripped source, cut>"; None clears it."""
        if key is None:
            return None
        (_, lines), line = key
        source = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if len(source) > MAX_SOURCE:
            source = source[: MAX_SOURCE - 1] + "\u2026"
        return f"{line}\t{source}"

    def before_call(self, frame) -> None:
        """Called before each py4j call made from `frame`: sets this thread's line property when it changed."""
        local = self._local
        if not self.enabled or getattr(local, "busy", False):
            return
        key = self.value(frame)
        sc = self._active_context()
        if sc is None or (getattr(local, "key", None) == key and getattr(local, "sc", None) is sc):
            return
        if getattr(sc, "_jsc", None) is None:
            return  # a SparkContext being created: its JVM side does not exist yet
        local.busy = True
        try:
            sc.setLocalProperty(LINE_PROPERTY, self.property_value(key))
            local.key, local.sc = key, sc
        except Exception as e:
            self._report("naming the cell line of the Spark job", e)
        finally:
            local.busy = False


def wrap_java_member(member_class, tracker_of) -> None:
    """Wraps `member_class.__call__` (py4j's JavaMember, once): `tracker_of().before_call` runs before each call."""
    if member_class is None or getattr(member_class.__call__, _WRAPPED_MARK, False):
        return
    original = member_class.__call__

    @functools.wraps(original)
    def __call__(self, *args):
        __tracebackhide__ = True  # IPython leaves this frame out of the tracebacks the user reads
        try:
            tracker_of().before_call(sys._getframe(1))
        except Exception:  # before_call reports its own errors: this guards the wrapper's own lookups
            pass
        return original(self, *args)

    setattr(__call__, _WRAPPED_MARK, True)
    member_class.__call__ = __call__
