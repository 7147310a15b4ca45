"""Benchmark P7 (issue 23): the browser cost of drawing a large SQL plan. Not a test: `make test` never collects it,
nothing asserts a timing; the figures go to build/bench/P7.json (results.py).

    .venv/bin/python -m pytest -q -o python_files='bench_*.py' integration/bench/bench_plan.py

A page served over HTTP (workers need an origin) runs the extension's own PlanGraphView (extension-js/lib, bundled
with its layout worker by plan/bundle.cjs) in real headless Chromium, with the extension's stylesheet. The plan is
synthetic but made of real data: copies of the sort-merge join plan that spark/plan.Build makes of a real recording,
side by side under one Union: PLAN_NODES operators. The page draws it, applies ten live updates (same operators,
growing values), opens the side panel of the top operator, then draws a plan with 28 more operators (as AQE adds
them). A PerformanceObserver('longtask') installed before it records every main-thread task over 50 ms. Run twice:
the layout in the Web Worker (the extension's default), and on the main thread (before the worker), to compare.
"""

from __future__ import annotations

import functools
import http.server
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_browser import main_thread_tasks  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from results import Result, Row  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "bench" / "plan"
PLAN_NODES = 500
LONG_TASK_MS = 50

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="index.css">
<style>body { --jp-layout-color1: #fff; --jp-layout-color2: #eee; --jp-ui-font-color1: #212121;
--jp-ui-font-color2: #616161; --jp-border-color1: #bdbdbd; --jp-border-color2: #e0e0e0; --jp-error-color1: #d32f2f;
--jp-brand-color1: #1976d2; --jp-ui-font-family: sans-serif; }</style>
<script>
window.longTasks = [];
new PerformanceObserver(list => {
  for (const e of list.getEntries()) window.longTasks.push([e.startTime, e.duration]);
})
  .observe({ type: 'longtask', buffered: true });
</script>
<script src="bench.js"></script></head>
<body><div class="sm-cell-monitor"></div></body></html>"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def build_page() -> None:
    subprocess.run(["npx", "tsc", "-p", "tsconfig.json"], cwd=ROOT / "extension-js", check=True)
    subprocess.run(["node", "integration/bench/plan/bundle.cjs"], cwd=ROOT, check=True)
    (OUT / "index.css").write_text((ROOT / "extension-js" / "style" / "index.css").read_text())
    (OUT / "index.html").write_text(PAGE)


def run_once(browser, base: str, off_thread: bool) -> dict:
    page = browser.new_page()
    try:
        page.goto(f"{base}/index.html")
        page.wait_for_function("typeof window.runPlanBench === 'function'")
        page.evaluate("() => { window.longTasks.length = 0; }")
        # A trace gives each main-thread task's CPU time too: on a busy machine a task's wall time is mostly waiting.
        browser.start_tracing(page=page, categories=["toplevel"])
        marks = page.evaluate(f"() => window.runPlanBench({PLAN_NODES}, {str(off_thread).lower()})")
        marks["trace"] = main_thread_tasks(browser.stop_tracing())
        # The tasks over 50 ms from the first draw on (loading the page is not the view's work), by phase.
        tasks = [t for t in page.evaluate("() => window.longTasks.slice()") if t[0] + t[1] >= marks["start"]]
        marks["longTasks"] = [round(d) for _, d in tasks]
        marks["longTasksByPhase"] = {
            name: [round(d) for s, d in tasks if s < end and s + d > start]
            for name, (start, end) in marks["phases"].items()
        }
        return marks
    finally:
        page.close()


def test_plan_draw_cost():
    from playwright.sync_api import sync_playwright

    build_page()
    handler = functools.partial(QuietHandler, directory=str(OUT))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                worker = run_once(browser, base, True)
                main = run_once(browser, base, False)
            finally:
                browser.close()
    finally:
        httpd.shutdown()
    assert worker["drawnNodes"] == worker["planNodes"], worker  # every operator drawn: the figures are of a full plan
    rows = []
    for label, m in (("layout in a Web Worker", worker), ("layout on the main thread", main)):
        longest = max(m["longTasks"], default=0)
        cpu = m["trace"]["longest_cpu_ms"]
        rows.append(
            Row(
                f"{m['planNodes']} operators, {label}: longest main-thread task, CPU time",
                f"{cpu:.0f} ms ({m['trace']['over_50ms_cpu']} over {LONG_TASK_MS} ms)",
                f"none over {LONG_TASK_MS} ms",
                cpu <= LONG_TASK_MS,
            )
        )
        rows.append(
            Row(
                f"{label}: longest main-thread task, wall time (PerformanceObserver)",
                f"{longest:.0f} ms ({len(m['longTasks'])} over {LONG_TASK_MS} ms)",
            )
        )
        rows.append(
            Row(
                f"{label}: first draw / 10 updates / relayout (+28 operators)",
                f"{m['firstDrawMs']:.0f} ms / {m['tenUpdatesMs']:.0f} ms / {m['relayoutMs']:.0f} ms",
            )
        )
    rows.append(Row("plan view's DOM elements (505 operators)", str(worker["elements"])))
    path = Result(
        "P7",
        "Drawing a 500-operator SQL plan (issue 23)",
        rows,
        command="python -m pytest -q -o python_files='bench_*.py' integration/bench/bench_plan.py",
        raw={"worker": worker, "mainThread": main},
    ).write()
    print(path.read_text())
