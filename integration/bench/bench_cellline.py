"""What the kernel hook's cell-line naming (jupyter_config/sparkmonitor_go/cellline.py) adds to each py4j call.

Measures, on a real local SparkContext (real py4j gateway):
- `before_call` alone (less the loop around it) in the steady state (the cell frame found, the same line as before:
  no property set), with the cell's frame 3 and 30 frames above the py4j call;
- a real py4j round trip (`SparkContext.isLocal()`) with and without the wrapper, interleaved runs;
- a line change (the wrapper then makes one more py4j call, setLocalProperty).

Usage: .venv/bin/python integration/bench/bench_cellline.py  (prints a Markdown table; medians of 7 runs)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "jupyter_config"))

from sparkmonitor_go import cellline  # noqa: E402

CELL = "<bench-cell>"
RUNS = 7


def cell_code(depth: int) -> dict:
    """`run(n, call)` compiled as a cell's code: calls `call` n times through `depth` frames of library code."""
    namespace: dict = {}
    library = "def nest(d, call):\n    return call() if d == 0 else nest(d - 1, call)\n"
    exec(compile(library, "<bench-library>", "exec"), namespace)
    cell = f"def run(n, call):\n    for _ in range(n):\n        nest({depth}, call)\n"
    exec(compile(cell, CELL, "exec"), namespace)
    return namespace


def per_call_ns(fn, n: int) -> float:
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter_ns()
        fn(n)
        samples.append((time.perf_counter_ns() - t0) / n)
    return statistics.median(samples)


def main() -> None:
    from py4j.java_gateway import JavaMember
    from pyspark import SparkConf, SparkContext

    sc = SparkContext(conf=SparkConf().setMaster("local[1]").set("spark.ui.enabled", "false"))
    try:
        tracker = cellline.LineTracker(lambda: sc, lambda what, e: print(f"error {what}: {e}", file=sys.stderr))
        tracker.cell = (CELL, ["x = 1"] * 10)
        rows = []
        for depth in (3, 30):
            # Python-side cost: before_call from a frame `depth` below the cell's, same line each time, less the same
            # loop calling a function that does nothing.
            ns = cell_code(depth)
            base, own = [], []
            for _ in range(RUNS):
                base.append(per_call_ns(lambda n, ns=ns: ns["run"](n, lambda: None), 50_000))
                own.append(
                    per_call_ns(lambda n, ns=ns: ns["run"](n, lambda: tracker.before_call(sys._getframe(1))), 50_000)
                )
            extra = statistics.median(own) - statistics.median(base)
            rows.append((f"before_call alone, cell frame {depth} frames up, line unchanged", extra))

        original = JavaMember.__call__
        member = sc._jsc.sc().isLocal
        cellline.wrap_java_member(JavaMember, lambda: tracker)
        wrapped = JavaMember.__call__
        ns = cell_code(3)
        plain, hooked = [], []
        for _ in range(RUNS):  # interleaved, so that drift on a shared machine hits both alike
            JavaMember.__call__ = original
            plain.append(per_call_ns(lambda n: ns["run"](n, member), 2_000))
            JavaMember.__call__ = wrapped
            hooked.append(per_call_ns(lambda n: ns["run"](n, member), 2_000))
        rows.append(("py4j call isLocal(), no hook", statistics.median(plain)))
        rows.append(("py4j call isLocal(), hooked, line unchanged", statistics.median(hooked)))

        # A line change each call: two lines of the cell alternate (the wrapper sets the property each time).
        src = "def flip(n, call):\n    for _ in range(n // 2):\n        call()\n        call()\n"
        flip_ns: dict = {}
        exec(compile(src, CELL, "exec"), flip_ns)
        rows.append(
            ("py4j call isLocal(), hooked, line changed", per_call_ns(lambda n: flip_ns["flip"](n, member), 2_000))
        )
        JavaMember.__call__ = original
    finally:
        sc.stop()
    print("| measure | per call |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value / 1000:.2f} µs |")


if __name__ == "__main__":
    main()
