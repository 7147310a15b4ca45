"""End to end: the Spark UI of a real PySpark application, reached through the real jupyter-server-proxy URL
`{base_url}sparkmonitor/ui/{appId}/` with Jupyter's token, works page by page: a crawler follows every same-origin
link of every page (and Spark's REST API), none is broken and none leaves the prefix; the executors page's own
JavaScript loads its data through the proxy; two notebooks' applications are both reachable; a stopped application
answers a clear error while a new one in the same kernel is reachable; unknown applications and hostile paths are
refused. Under `/` and under a JupyterHub-like base URL `/user/alice/`.
"""

from __future__ import annotations

import json
import urllib.parse

import pytest

from conftest import ARTIFACTS, start_jupyter, stop_jupyter, wait_until
from spark_ui_support import Kernel, crawl, fetch, monitor_app

# A session that leaves something on every tab of the Spark UI: jobs (one failed), stages, a cached RDD (Storage),
# SQL queries (SQL tab), the driver (Executors), the environment.
SETUP = """
from pyspark.sql import SparkSession
spark = SparkSession.builder.master('local[2]').appName('{name}').getOrCreate()
sc = spark.sparkContext
spark.range(0, 100_000, numPartitions=4).selectExpr('sum(id)').collect()
spark.sql('SELECT id % 5 AS k, count(*) AS n FROM range(1000) GROUP BY id % 5').collect()
cached = sc.parallelize(range(10_000), 4).setName('cached-numbers').cache()
cached.count()
try:
    sc.parallelize(range(10), 2).map(lambda x: 1 // 0).count()
except Exception:
    pass
print(sc.applicationId, sc.uiWebUrl)
"""


class Env:
    def __init__(self, jupyter, kernel, app):
        self.jupyter, self.kernel, self.app = jupyter, kernel, app

    def ui(self, app_id: str | None = None) -> str:
        return f"{self.jupyter.url}sparkmonitor/ui/{app_id or self.app['appId']}/"

    def prefix_path(self, app_id: str | None = None) -> str:
        return urllib.parse.urlsplit(self.ui(app_id)).path


@pytest.fixture(scope="module", params=["/", "/user/alice/"], ids=["root", "hub"])
def env(request, tmp_path_factory):
    jupyter = start_jupyter(tmp_path_factory.mktemp("jupyter-ui"), base_url=request.param)
    kernels = []
    try:
        kernel = Kernel(jupyter, "first.ipynb")
        kernels.append(kernel)
        kernel.run(SETUP.format(name="crawled"))
        app = monitor_app(jupyter, kernel.id)
        assert app["uiPath"] == f"ui/{app['appId']}/", app
        e = Env(jupyter, kernel, app)
        e.kernels = kernels
        yield e
    finally:
        for k in kernels:
            k.close()
        stop_jupyter(jupyter)


def spark_rest_urls(env) -> list[str]:
    """Spark's REST API for the app, as the pages' JavaScript calls it (uiRoot + /api/v1/...)."""
    app_id = env.app["appId"]
    base = env.ui() + f"api/v1/applications/{app_id}/"
    jobs = json.loads(fetch(env.jupyter, base + "jobs").body)
    stages = json.loads(fetch(env.jupyter, base + "stages").body)
    rdds = json.loads(fetch(env.jupyter, base + "storage/rdd").body)
    sql = json.loads(fetch(env.jupyter, base + "sql").body)
    assert jobs and stages and rdds and sql, "the app should have jobs, stages, a cached RDD and SQL queries"
    urls = [env.ui() + "api/v1/applications", env.ui() + "api/v1/version", base[:-1]]
    urls += [base + p for p in ("jobs", "stages", "executors", "allexecutors", "storage/rdd", "environment", "sql")]
    urls += [base + f"jobs/{j['jobId']}" for j in jobs]
    urls += [base + f"stages/{s['stageId']}/{s['attemptId']}" for s in stages]
    urls += [base + f"stages/{s['stageId']}/{s['attemptId']}/taskList" for s in stages]
    urls += [base + f"storage/rdd/{r['id']}" for r in rdds]
    urls += [base + f"sql/{q['id']}" for q in sql]
    # Pages only the executors page's JavaScript links to.
    urls += [
        env.ui() + "executors/threadDump/?executorId=driver",
        env.ui() + "executors/heapHistogram/?executorId=driver",
    ]
    return urls


def test_crawl_every_spark_ui_link(env):
    res = crawl(env.jupyter, env.ui(), env.prefix_path(), spark_rest_urls(env))
    ARTIFACTS.mkdir(exist_ok=True)
    report = {"visited": res.visited, "external": sorted(res.external), "broken": res.broken, "escaped": res.escaped}
    name = env.jupyter.base_url.strip("/").replace("/", "-") or "root"
    (ARTIFACTS / f"spark-ui-crawl-{name}.json").write_text(json.dumps(report, indent=1))
    assert not res.broken, "broken links:\n" + "\n".join(map(str, res.broken))
    assert not res.escaped, "links leaving the prefix:\n" + "\n".join(map(str, res.escaped))
    pages = [u for u in res.visited if "/api/v1/" not in u]
    assert len(pages) >= 20, f"too few pages crawled: {pages}"
    for tab in (
        "jobs/",
        "stages/",
        "storage/",
        "environment/",
        "executors/",
        "SQL/",
        "jobs/job/",
        "stages/stage/",
        "storage/rdd/",
        "SQL/execution/",
    ):
        assert any(urllib.parse.urlsplit(u).path.endswith("/" + tab) for u in pages), f"no {tab} page crawled: {pages}"
    driver = env.app["uiUrl"].rstrip("/")
    assert not [u for u in res.external if u.startswith(driver)], f"links straight to the driver: {res.external}"


def test_ui_root_and_spark_redirects(env):
    # The UI root lands on the jobs page without a redirect; Spark's own redirect (/jobs -> /jobs/) stays in the prefix.
    for url in (env.ui(), env.ui()[:-1]):
        r = fetch(env.jupyter, url)
        assert r.status == 200 and "Spark Jobs" in r.text, (url, r.status, r.text[:300])
    r = fetch(env.jupyter, env.ui() + "jobs")
    assert r.status in (301, 302, 307), r.status
    assert r.headers["Location"].endswith(env.prefix_path() + "jobs/"), r.headers["Location"]
    assert urllib.parse.urlsplit(r.headers["Location"]).path == env.prefix_path() + "jobs/"


def test_pages_load_their_data_through_the_proxy(env, browser):
    context = browser.new_context(extra_http_headers={"Authorization": f"token {env.jupyter.token}"})
    page = context.new_page()
    failed = []
    page.on("response", lambda r: failed.append((r.url, r.status)) if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure)))
    try:
        expected = env.ui() + f"api/v1/applications/{env.app['appId']}/allexecutors"
        with page.expect_response(lambda r: "/allexecutors" in r.url, timeout=60_000) as info:
            page.goto(env.ui() + "executors/")
        assert info.value.url == expected and info.value.status == 200, (info.value.url, info.value.status)
        page.locator("#active-executors-table td", has_text="driver").first.wait_for(timeout=60_000)
        # The stage page builds its task table from the REST API too.
        with page.expect_response(lambda r: "/taskTable" in r.url, timeout=60_000) as info:
            page.goto(env.ui() + "stages/stage/?id=0&attempt=0")
        assert info.value.url.startswith(env.ui() + "api/v1/") and info.value.status == 200, info.value.url
        page.locator("#active-tasks-table tbody tr").first.wait_for(timeout=60_000)
        assert not failed, f"requests that failed: {failed}"
    finally:
        context.close()


def test_unknown_app_and_hostile_paths_are_refused(env):
    r = fetch(env.jupyter, env.ui("local-0000000000000") + "jobs/")
    assert r.status == 404 and json.loads(r.body)["errorType"] == "not_found", (r.status, r.text)
    r = fetch(env.jupyter, env.ui() + "jobs/", headers={})  # sanity: the real app answers
    assert r.status == 200
    ui = env.prefix_path()
    hostile = [
        ui + "../../api/apps",
        ui + "%2e%2e/%2e%2e/api/apps",
        ui + "..%2f..%2fapi%2fapps",
        ui + "/127.0.0.1:1/",
        ui + "http://127.0.0.1:1/",
        ui + "@127.0.0.1:1/jobs/",
        ui[:-1] + "@127.0.0.1:1/jobs/",
        ui + "jobs/%0d%0aX-Injected:%20yes",
        env.prefix_path("127.0.0.1:8888") + "api/",
        env.prefix_path("..") + "api/apps",
    ]
    origin = f"http://127.0.0.1:{env.jupyter.port}"
    seen = {}
    for path in hostile:
        r = fetch(env.jupyter, origin + path)
        seen[path] = [r.status, r.headers.get("Location"), r.text[:200]]
        (ARTIFACTS / "spark-ui-hostile.json").write_text(json.dumps(seen, indent=1))
        assert r.status < 500, (path, r.status, r.text[:300])
        assert "X-Injected" not in r.headers, path
        loc = r.headers.get("Location")
        if loc:
            assert urllib.parse.urlsplit(loc).path.startswith(env.jupyter.base_url), (path, loc)
        if r.status == 200:  # whatever answered is this app's Spark UI (its own 404 page included) or the monitor
            assert "Spark" in r.text or '"status"' in r.text, (path, r.text[:300])
    # Spark's kill links: refused to a cross-site request (a link on another site must not kill a job with the user's
    # cookies); followed for a same-origin page, as the cancel buttons are enabled (Spark redirects back to its list).
    for kill in ("jobs/job/kill/?id=0", "stages/stage/kill/?id=0"):
        r = fetch(env.jupyter, env.ui() + kill, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status == 403 and json.loads(r.body)["errorType"] == "forbidden", (kill, r.status, r.text)
        r = fetch(env.jupyter, env.ui() + kill, headers={"Sec-Fetch-Site": "same-origin"})
        assert r.status == 302 and urllib.parse.urlsplit(r.headers["Location"]).path.startswith(env.prefix_path()), (
            kill,
            r.status,
            r.headers,
        )


def test_two_notebooks_then_stop_and_restart(env):
    second = Kernel(env.jupyter, "second.ipynb")
    env.kernels.append(second)
    second.run(SETUP.format(name="second"))
    other = monitor_app(env.jupyter, second.id)
    first = env.app
    assert other["appId"] != first["appId"] and other["uiUrl"] != first["uiUrl"], (first, other)
    for app, name in ((first, "crawled"), (other, "second")):
        r = fetch(env.jupyter, env.ui(app["appId"]) + "environment/")
        assert r.status == 200 and name in r.text, (app["appId"], r.status)

    env.kernel.run("spark.stop()")
    stopped = monitor_app(env.jupyter, env.kernel.id, running=False)
    assert stopped["appId"] == first["appId"] and stopped["uiPath"] is None, stopped
    r = fetch(env.jupyter, env.ui(first["appId"]) + "jobs/")
    assert r.status in (404, 502), r.status
    assert first["appId"] in json.loads(r.body)["error"], r.text

    env.kernel.run(SETUP.format(name="restarted"))
    restarted = wait_until(
        lambda: (a := monitor_app(env.jupyter, env.kernel.id)) and a["appId"] != first["appId"] and a,
        120,
        "the new application of the first notebook",
    )
    r = fetch(env.jupyter, env.ui(restarted["appId"]) + "environment/")
    assert r.status == 200 and "restarted" in r.text, r.status
    # The old id does not reach the new UI, even if it now listens on the old port.
    r = fetch(env.jupyter, env.ui(first["appId"]) + "environment/")
    assert r.status == 404, r.status
    assert fetch(env.jupyter, env.ui(other["appId"]) + "jobs/").status == 200
