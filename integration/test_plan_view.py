"""End to end: the plan view under a cell (extension-js/src/plan-*.ts) in real JupyterLab and Chromium, fed by the
monitor's live plan endpoint, with Spark's REST API as the oracle.

A join + aggregate query waits on a gate (partition 0 of its first stage, a Python UDF waiting for a file) so that it
is still running while the test looks: the user presses the SQL row's "Plan" button and the plan graph shows under
the cell while the query runs, its output rows never going down. The gate opens; once the view shows the final plan,
its operators (boxes and codegen cluster boxes) are as many as Spark's REST API `sql/{id}?details=true` has nodes, each
operator shows REST's "number of output rows", and the side panel of a "Top 3" operator shows its metrics as REST.
"""

from __future__ import annotations

import json
import urllib.request

from conftest import (
    ALL_CELLS_DONE,
    monitor,
    open_and_run_all,
    save_screenshot,
    shutdown_kernel,
    wait_until,
    write_notebook,
)
from docs_screenshots import docs_screenshot
from test_sql_plan import cells, rest_rows, the_app, the_query

# What the view shows of each drawn plan node: its id, its name, whether it is a codegen cluster's box, its detail
# line ("200,000 rows · 1.2 s (45%)") and the rows it was drawn with.
SHOWN = """pane => [...pane.querySelectorAll('svg [data-node-id]')].map(g => ({
  id: Number(g.getAttribute('data-node-id')),
  cluster: g.classList.contains('sm-plan-cluster'),
  name: (g.querySelector('.sm-plan-node-name, .sm-plan-cluster-name') || {}).textContent || '',
  detail: (g.querySelector('.sm-plan-node-detail, .sm-plan-cluster-time') || {}).textContent || '',
}))"""


def shown_rows(node: dict) -> int | None:
    """The output rows an operator's box shows ("1,000 rows · …"), or None."""
    first = node["detail"].split(" · ")[0]
    return int(first.removesuffix(" rows").replace(",", "")) if first.endswith(" rows") else None


def test_plan_graph_under_the_cell_live_then_equal_to_spark(jupyter, browser, tmp_path):
    gate = tmp_path / "gate"
    write_notebook(jupyter.root / "plan.ipynb", cells(str(gate)))
    page, kernel_id = open_and_run_all(browser, f"{jupyter.url}lab/tree/plan.ipynb?token={jupyter.token}", "plan.ipynb")
    try:
        app_id = wait_until(lambda: the_app(jupyter), 180, "the notebook's Spark application in the monitor")
        app, x = wait_until(
            lambda: the_query(jupyter, app_id), 180, "the query's SQL execution in the monitor", interval=0.1
        )
        cell = monitor(page, "p2-query")
        row = cell.locator(f'tr.sm-sql[data-execution-id="{x["executionId"]}"]')
        row.locator("button.sm-plan-open").click()
        pane = cell.locator(f'.sm-plan-pane[data-execution-id="{x["executionId"]}"]')

        # While the query runs (its gate is closed): the graph is drawn and its rows never go down.
        seen: dict[int, int] = {}

        def live_graph():
            assert not gate.exists()
            shown = pane.evaluate(SHOWN)
            for n in shown:
                rows = shown_rows(n)
                if rows is not None:
                    assert rows >= seen.get(n["id"], 0), f"{n} went down from {seen[n['id']]}"
                    seen[n["id"]] = rows
            state = pane.get_attribute("data-state")
            assert pane.get_attribute("data-final") != "true", "the query ended with its gate closed"
            return len(shown) > 0 and state == "ready" and sum(seen.values()) > 0

        wait_until(live_graph, 60, "the live plan graph with rows counted", interval=0.2)
        assert row.get_attribute("data-status") == "RUNNING"
        assert pane.locator(".sm-plan-state").inner_text() == "live"
        save_screenshot(page, "plan-view-live.png")
        gate.touch()

        # After the end: the view shows the final plan, equal to Spark's REST API's.
        page.wait_for_function(ALL_CELLS_DONE, timeout=120_000, polling=250)
        pane.locator("xpath=self::*[@data-final='true']").wait_for(timeout=60_000)
        url = f"{app['uiUrl']}/api/v1/applications/{app['appId']}/sql/{x['executionId']}?details=true"

        def rest_final():
            with urllib.request.urlopen(url, timeout=10) as resp:
                r = json.loads(resp.read().decode())
            return r if r["status"] == "COMPLETED" and any(n["metrics"] for n in r["nodes"]) else None

        rest = wait_until(rest_final, 30, "Spark's REST API's final plan")
        shown = {n["id"]: n for n in pane.evaluate(SHOWN)}
        assert len(shown) == len(rest["nodes"]), (sorted(shown), [n["nodeId"] for n in rest["nodes"]])
        for n in rest["nodes"]:
            assert n["nodeId"] in shown, f"REST node {n['nodeId']} {n['nodeName']} is not drawn"
            got = shown[n["nodeId"]]
            assert got["cluster"] == n["nodeName"].startswith("WholeStageCodegen"), (got, n)
            assert n["nodeName"].startswith(got["name"].rstrip("…")), (got, n)
            assert shown_rows(got) == rest_rows(n), f"{n['nodeName']} {n['nodeId']}: shown {got}, REST {rest_rows(n)}"
        assert max(rest_rows(n) or 0 for n in rest["nodes"]) >= 200_000
        # Laid out in the Web Worker (the extension's chunks load in JupyterLab), not on the page's main thread.
        assert pane.locator("svg.sm-plan-svg").get_attribute("data-layout") == "worker"

        # The first of the Top 3 opens its side panel: every REST metric of it, with REST's text for row counts.
        top = pane.locator("button.sm-plan-top").first
        top_id = int(top.get_attribute("data-node-id"))
        top.click()
        panel = pane.locator(f'.sm-plan-panel[data-node-id="{top_id}"]')
        panel.wait_for(timeout=10_000)
        rest_node = next(n for n in rest["nodes"] if n["nodeId"] == top_id)
        names = panel.locator(".sm-plan-metric-name").all_inner_texts()
        assert names == [m["name"] for m in rest_node["metrics"]], (names, rest_node)
        assert shown[top_id]["detail"], f"a top operator shows its time: {shown[top_id]}"
        save_screenshot(page, "plan-view-final.png")
        docs_screenshot(cell, "plan.png")
    finally:
        gate.touch()
        page.close()
        shutdown_kernel(jupyter, kernel_id)
