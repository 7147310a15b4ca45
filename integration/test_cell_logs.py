"""End to end, the cell monitor's Logs tab: a cell's log4j WARN (through py4j, as a cell logs to the driver's log4j)
and its Python logging warning appear in that cell's Logs tab, not in another cell's; the level filter hides them at
ERROR; the search finds each.

Real JupyterLab, a real PySpark driver with the listener jar, real Chromium. The oracle is what the cell logged.
"""

from __future__ import annotations

import pytest

from conftest import ALL_CELLS_DONE, monitor, open_and_run_all, save_screenshot, wait_until, write_notebook
from docs_screenshots import docs_screenshot

CELLS = [
    {
        "id": "log-a",
        "source": (
            "import logging\n"
            "from pyspark.sql import SparkSession\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "spark._jvm.org.apache.log4j.LogManager.getLogger('nb.cell').warn('sm-jvm-warning from cell a')\n"
            "logging.getLogger('nb.python').warning('sm-python-warning from cell %s', 'a')\n"
            "spark.range(10).count()"
        ),
    },
    {
        "id": "log-b",
        "source": (
            "logging.getLogger('nb.python').warning('sm-python-warning from cell %s', 'b')\nspark.range(20).count()"
        ),
    },
]

ROWS = """cellId => [...document.querySelectorAll(
  `.sm-cell-monitor[data-cell-id="${cellId}"] .sm-pane-logs .sm-log-line`)].map(r => ({
    level: r.querySelector('.sm-log-level').textContent,
    logger: r.querySelector('.sm-log-logger').textContent,
    message: r.querySelector('.sm-log-message').textContent,
    time: r.querySelector('.sm-log-time').textContent,
  }))"""


@pytest.fixture(scope="module")
def page(jupyter, browser):
    write_notebook(jupyter.root / "logs.ipynb", CELLS)
    page, _ = open_and_run_all(browser, f"{jupyter.url}lab/tree/logs.ipynb?token={jupyter.token}", "logs.ipynb")
    page.wait_for_function(ALL_CELLS_DONE, timeout=300_000, polling=500)
    yield page
    page.close()


def ours(page, cell_id: str) -> list[tuple[str, str, str]]:
    """The cell's Logs rows that the notebook logged (Spark's own WARNs may be there too): (level, logger, message)."""
    return sorted(
        (r["level"], r["logger"], r["message"]) for r in page.evaluate(ROWS, cell_id) if r["logger"].startswith("nb.")
    )


def test_a_cells_log4j_and_python_warnings_are_in_its_logs_tab(page):
    for cell in ("log-a", "log-b"):
        monitor(page, cell).locator('.sm-tab[data-tab="logs"]').click()
    want_a = [("WARN", "nb.cell", "sm-jvm-warning from cell a"), ("WARN", "nb.python", "sm-python-warning from cell a")]
    wait_until(lambda: ours(page, "log-a") == want_a, 30, f"cell log-a's Logs tab to show {want_a}")
    want_b = [("WARN", "nb.python", "sm-python-warning from cell b")]
    wait_until(lambda: ours(page, "log-b") == want_b, 30, f"cell log-b's Logs tab to show only its own {want_b}")
    assert all(len(r["time"]) == len("00:00:00.000") for r in page.evaluate(ROWS, "log-a")), "each line has its time"
    save_screenshot(page, "cell-logs.png")
    docs_screenshot(monitor(page, "log-a"), "logs.png")

    logs_a = monitor(page, "log-a").locator(".sm-pane-logs")
    logs_a.locator(".sm-logs-level").select_option("ERROR")
    wait_until(lambda: ours(page, "log-a") == [], 10, "the ERROR filter to hide the WARN lines")
    logs_a.locator(".sm-logs-level").select_option("")
    logs_a.locator(".sm-logs-search").fill("SM-JVM-WARNING")
    wait_until(lambda: ours(page, "log-a") == want_a[:1], 10, "the search to find the log4j line only")
    logs_a.locator(".sm-logs-search").fill("python-warning")
    wait_until(lambda: ours(page, "log-a") == want_a[1:], 10, "the search to find the Python line only")
