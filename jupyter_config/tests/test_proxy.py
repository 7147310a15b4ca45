"""The jupyter-server-proxy entry point: the server block jsp receives and the environment kernels inherit."""

from __future__ import annotations

import logging
import os
import stat
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from sparkmonitor_go import proxy

PLUGIN = "io.sparkmonitor.listener.MonitorPlugin"


def config_arg() -> str:
    return "--config=" + str(Path(os.environ["JUPYTER_CONFIG_DIR"]) / "sparkmonitor.yaml")


def defaults_of(conf_dir: str) -> dict:
    from sparkmonitor_go.sparkconf import parse_properties

    return parse_properties((Path(conf_dir) / "spark-defaults.conf").read_text())[0]


def test_server_block_is_accepted_by_jupyter_server_proxy(fake_artifacts):
    from jupyter_server_proxy.config import ServerProcess

    binary, _ = fake_artifacts
    block = proxy.server()
    process = ServerProcess(name="sparkmonitor", **block)

    ingest = os.environ["SPARKMONITOR_INGEST"]
    assert block["command"] == [
        str(binary),
        "--listen=unix:{unix_socket}",
        "--base-url={base_url}",
        f"--ingest={ingest}",
        config_arg(),
    ]
    # The HTTP socket beside the ingest socket, in the private workdir; jsp connects to it (and opens no port).
    workdir = Path(ingest[len("unix:") :]).parent
    assert process.unix_socket == str(workdir / "http.sock") and process.port == 0
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700 and workdir.stat().st_uid == os.getuid()
    assert process.absolute_url is True and process.update_last_activity is False
    assert process.timeout == 30 and process.new_browser_tab is False
    assert process.launcher_entry.title == "Spark Monitor"
    assert process.launcher_entry.path_info == "sparkmonitor/"
    assert process.launcher_entry.category == "Other"
    icon = Path(process.launcher_entry.icon_path)
    assert icon.is_absolute() and icon.read_text().lstrip().startswith("<svg")
    secret = block["environment"]["SPARKMONITOR_PROXY_SECRET"]
    assert block["request_headers_override"] == {"X-Sparkmonitor-Proxy-Secret": secret}
    assert len(secret) == 64 and secret != block["environment"]["SPARKMONITOR_SECRET"]


def test_jsp_renders_the_command_with_socket_and_base_url(fake_artifacts, tmp_path):
    # jsp runs str.format over each string; a '{' in a path (or any value of ours) must come out unchanged.
    braced = tmp_path / "dir{x}"
    braced.mkdir()
    binary = braced / "sparkmonitor"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    os.environ["SPARKMONITOR_BINARY"] = str(binary)

    block = proxy.server()
    args = {"port": 0, "base_url": "/user/ana/", "unix_socket": block["unix_socket"]}  # jsp's process_args
    rendered = [part.format(**args) for part in block["command"]]

    assert rendered == [
        str(binary),
        "--listen=unix:" + block["unix_socket"],
        "--base-url=/user/ana/",
        "--ingest=" + os.environ["SPARKMONITOR_INGEST"],
        config_arg(),
    ]


def test_kernels_inherit_ingest_conf_dir_classpath_and_startup(fake_artifacts):
    _, jar = fake_artifacts
    os.environ["SPARK_DIST_CLASSPATH"] = "/opt/hadoop/*"

    block = proxy.server()

    env = os.environ
    ingest = env["SPARKMONITOR_INGEST"]
    assert ingest.startswith("unix:") and ingest.endswith("/ingest.sock")
    workdir = Path(ingest[len("unix:") :]).parent
    assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
    assert env["SPARKMONITOR_SECRET"] == block["environment"]["SPARKMONITOR_SECRET"]
    assert len(env["SPARKMONITOR_SECRET"]) == 64
    assert "SPARKMONITOR_PROXY_SECRET" not in env  # only the monitor process gets it, kernels must not
    assert Path(env["SPARK_CONF_DIR"]).parent == workdir
    assert defaults_of(env["SPARK_CONF_DIR"]) == {"spark.plugins.defaultList": PLUGIN}
    assert env["SPARK_DIST_CLASSPATH"] == f"{jar.resolve()}:/opt/hadoop/*"
    assert env["PYTHONSTARTUP"] == str(Path(proxy.__file__).parent / "startup.py")
    assert "SPARKMONITOR_USER_PYTHONSTARTUP" not in env


def test_users_startup_file_and_conf_dir_are_kept_for_later(fake_artifacts, tmp_path):
    user_conf = tmp_path / "conf"
    user_conf.mkdir()
    (user_conf / "spark-defaults.conf").write_text("spark.plugins.defaultList com.example.Team\n")
    os.environ["SPARK_CONF_DIR"] = str(user_conf)
    os.environ["PYTHONSTARTUP"] = "/home/ana/.pythonrc.py"

    proxy.server()

    assert os.environ["SPARKMONITOR_USER_PYTHONSTARTUP"] == "/home/ana/.pythonrc.py"
    assert os.environ["SPARK_CONF_DIR"] != str(user_conf)
    assert defaults_of(os.environ["SPARK_CONF_DIR"])["spark.plugins.defaultList"] == f"com.example.Team,{PLUGIN}"


def test_calling_server_again_builds_on_the_users_settings_not_ours(fake_artifacts, tmp_path):
    _, jar = fake_artifacts
    user_conf = tmp_path / "conf"
    user_conf.mkdir()
    (user_conf / "spark-defaults.conf").write_text("spark.myteam.flag 42\n")
    os.environ.update(SPARK_CONF_DIR=str(user_conf), PYTHONSTARTUP="/home/ana/.pythonrc.py", SPARK_DIST_CLASSPATH="/x")

    proxy.server()
    first_conf = os.environ["SPARK_CONF_DIR"]
    proxy.server()

    assert os.environ["SPARK_CONF_DIR"] != first_conf
    assert os.environ["SPARKMONITOR_USER_SPARK_CONF_DIR"] == str(user_conf)
    assert os.environ["SPARKMONITOR_USER_PYTHONSTARTUP"] == "/home/ana/.pythonrc.py"
    assert os.environ["SPARK_DIST_CLASSPATH"] == f"{jar.resolve()}:/x"
    assert (Path(os.environ["SPARK_CONF_DIR"]) / "spark-defaults.conf").read_text().count(PLUGIN) == 1


def test_spark_home_conf_is_the_source_when_spark_conf_dir_is_unset(fake_artifacts, tmp_path):
    home = tmp_path / "spark"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "spark-defaults.conf").write_text("spark.myteam.flag 42\n")
    (home / "conf" / "log4j2.properties").write_text("x\n")
    os.environ["SPARK_HOME"] = str(home)

    proxy.server()

    conf = Path(os.environ["SPARK_CONF_DIR"])
    assert defaults_of(conf) == {"spark.myteam.flag": "42", "spark.plugins.defaultList": PLUGIN}
    assert os.readlink(conf / "log4j2.properties") == str(home / "conf" / "log4j2.properties")
    assert "SPARKMONITOR_USER_SPARK_CONF_DIR" not in os.environ


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_read_only_starts_the_monitor_with_read_only(fake_artifacts, value):
    from jupyter_server_proxy.config import ServerProcess

    os.environ["SPARKMONITOR_READ_ONLY"] = value
    block = proxy.server()
    process = ServerProcess(name="sparkmonitor", **block)
    assert block["command"][-1] == "--read-only" and process.command[-1] == "--read-only"
    assert block["command"][:-1] == [
        str(fake_artifacts[0]),
        "--listen=unix:{unix_socket}",
        "--base-url={base_url}",
        "--ingest=" + os.environ["SPARKMONITOR_INGEST"],
        config_arg(),
    ]
    # Kernels are configured as usual: read-only only turns cancel off.
    assert os.environ["SPARK_CONF_DIR"]


def test_config_file_is_in_jupyters_config_dir_or_from_the_environment(fake_artifacts, tmp_path):
    # Jupyter's config dir (JUPYTER_CONFIG_DIR here) need not exist: the monitor then runs with its defaults.
    assert config_arg() in proxy.server()["command"]

    braced = tmp_path / "conf{x}" / "monitor.yaml"
    os.environ["SPARKMONITOR_CONFIG"] = str(braced)
    rendered = [part.format(port=1, base_url="/", unix_socket="") for part in proxy.server()["command"]]
    assert f"--config={braced}" in rendered


@pytest.mark.parametrize("value", ["", "0", "no"])
def test_without_read_only_the_command_has_no_flag(fake_artifacts, value):
    os.environ["SPARKMONITOR_READ_ONLY"] = value
    assert "--read-only" not in proxy.server()["command"]


@pytest.mark.parametrize("value", ["1", "true", "YES"])
def test_kill_switch_exports_nothing_but_keeps_the_launcher(fake_artifacts, value):
    os.environ["SPARKMONITOR_DISABLE"] = value
    os.environ["PYTHONSTARTUP"] = "/home/ana/.pythonrc.py"
    before = dict(os.environ)

    block = proxy.server()

    assert dict(os.environ) == before
    assert block["launcher_entry"]["title"] == "Spark Monitor"


def test_missing_jar_leaves_spark_alone_with_a_warning(fake_artifacts, tmp_path, caplog):
    os.environ["SPARKMONITOR_JAR"] = str(tmp_path / "nope.jar")
    before = dict(os.environ)

    with caplog.at_level(logging.WARNING, logger="sparkmonitor_go"):
        block = proxy.server()

    assert dict(os.environ) == before
    assert "the listener jar" in caplog.text and "nope.jar is missing" in caplog.text
    assert block["command"][0] == os.environ["SPARKMONITOR_BINARY"]


def test_unreadable_spark_conf_dir_is_a_warning_not_a_failure(fake_artifacts, tmp_path, caplog):
    os.environ["SPARK_CONF_DIR"] = str(tmp_path / "typo")

    with caplog.at_level(logging.WARNING, logger="sparkmonitor_go"):
        proxy.server()

    assert "is not a directory" in caplog.text
    assert defaults_of(os.environ["SPARK_CONF_DIR"]) == {"spark.plugins.defaultList": PLUGIN}


def test_internal_error_is_logged_and_the_server_block_still_returned(fake_artifacts, monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(proxy.sparkconf, "generate", explode)
    before = dict(os.environ)

    with caplog.at_level(logging.WARNING, logger="sparkmonitor_go"):
        block = proxy.server()

    assert "configuring kernels failed" in caplog.text and "disk on fire" in caplog.text
    assert dict(os.environ) == before
    assert block["command"][3].startswith("--ingest=unix:")


def test_without_a_private_directory_kernels_are_not_configured_and_no_port_is_opened(
    fake_artifacts, monkeypatch, caplog
):
    def no_tmp():
        raise PermissionError("[Errno 13] Permission denied: '/tmp/sparkmonitor-x'")

    monkeypatch.setattr(proxy, "_make_workdir", no_tmp)
    before = dict(os.environ)

    with caplog.at_level(logging.WARNING, logger="sparkmonitor_go"):
        block = proxy.server()

    assert "cannot create a private temporary directory" in caplog.text and "Permission denied" in caplog.text
    assert "are not monitored" in caplog.text
    assert dict(os.environ) == before  # no kernel is told where to report
    # Both sockets in the 0700 directory jsp makes for `unix_socket: True`; no TCP address anywhere.
    assert block["unix_socket"] is True
    rendered = [part.format(port=0, base_url="/", unix_socket="/tmp/jsp-x/socket") for part in block["command"]]
    assert rendered[1:4] == [
        "--listen=unix:/tmp/jsp-x/socket",
        "--base-url=/",
        "--ingest=unix:/tmp/jsp-x/socket-ingest",
    ]
    assert not any("127.0.0.1" in part or "{port}" in part for part in block["command"])


def test_binary_without_exec_bit_is_fixed(fake_artifacts):
    binary, _ = fake_artifacts
    binary.chmod(0o644)

    proxy.server()

    assert stat.S_IMODE(binary.stat().st_mode) == 0o755


def test_entry_point_is_registered_when_installed():
    eps = {ep.name: ep for ep in entry_points(group="jupyter_serverproxy_servers")}
    if "sparkmonitor" not in eps:
        pytest.skip("sparkmonitor-go is not installed in this environment (make install-dev)")
    assert eps["sparkmonitor"].value == "sparkmonitor_go.proxy:server"
