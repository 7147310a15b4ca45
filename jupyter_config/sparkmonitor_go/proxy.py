"""The jupyter-server-proxy entry point `sparkmonitor` (served at `{base_url}sparkmonitor/`).

jupyter-server-proxy calls `server()` once, inside the Jupyter Server process, while it loads its server extension
(`_load_jupyter_server_extension` -> `get_entrypoint_server_processes`). The monitor binary itself starts lazily, on the
first request to `{base_url}sparkmonitor/`; it listens on unix sockets only, in a directory of mode 0700 (see
server_block), so no other local user can connect to it, and jsp adds a per-server secret header as a second lock.
Because `server()` runs at server start, it is also where kernels get configured: everything it puts into `os.environ`
is inherited by every kernel the server starts afterwards, and by the Spark driver JVM each kernel launches:

- SPARKMONITOR_INGEST / SPARKMONITOR_SECRET: where and how the listener jar reports (read by the jar);
- SPARK_CONF_DIR: a generated conf dir (see sparkconf.py) that enables our Spark plugin on top of the user's config;
- SPARK_DIST_CLASSPATH: the listener jar, prepended to any existing value;
- PYTHONSTARTUP: startup.py, which loads the cell-tagging IPython extension and then runs the user's own startup file.

`SPARKMONITOR_DISABLE=1` turns all of that off (the launcher entry stays). `SPARKMONITOR_READ_ONLY=1` starts the monitor
with `--read-only` (no cancel buttons; cancel requests are refused). The monitor reads its config file
(docs/configuration.md) from `{jupyter config dir}/sparkmonitor.yaml`, or from `SPARKMONITOR_CONFIG`.
`SPARKMONITOR_BINARY` and `SPARKMONITOR_JAR` point at build outputs outside the package (development and tests).
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import shutil
import stat
import tempfile
from pathlib import Path

from . import sparkconf

PACKAGE_DIR = Path(__file__).resolve().parent
BINARY = PACKAGE_DIR / "bin" / "sparkmonitor"
JAR = PACKAGE_DIR / "jars" / "sparkmonitor-listener.jar"
ICON = PACKAGE_DIR / "icon.svg"
STARTUP = PACKAGE_DIR / "startup.py"
PLUGIN_CLASS = "io.sparkmonitor.listener.MonitorPlugin"
PROXY_SECRET_HEADER = "X-Sparkmonitor-Proxy-Secret"

# Environment variables read here (besides the standard Spark/Python ones).
DISABLE = "SPARKMONITOR_DISABLE"
READ_ONLY = "SPARKMONITOR_READ_ONLY"
CONFIG = "SPARKMONITOR_CONFIG"
CONFIG_FILE = "sparkmonitor.yaml"
BINARY_OVERRIDE = "SPARKMONITOR_BINARY"
JAR_OVERRIDE = "SPARKMONITOR_JAR"
# Exported for kernels and the driver JVM.
INGEST = "SPARKMONITOR_INGEST"
SECRET = "SPARKMONITOR_SECRET"
PROXY_SECRET = "SPARKMONITOR_PROXY_SECRET"
USER_PYTHONSTARTUP = "SPARKMONITOR_USER_PYTHONSTARTUP"
# Bookkeeping, so that a second server() in the same environment (a Jupyter Server started from a terminal of another
# one, or a test) builds on the user's settings rather than on ours.
GENERATED_CONF_DIR = "SPARKMONITOR_CONF_DIR"
USER_SPARK_CONF_DIR = "SPARKMONITOR_USER_SPARK_CONF_DIR"

# The monitor's sockets in the private workdir: the browser's HTTP API (through jupyter-server-proxy) and the
# listeners' ingest.
HTTP_SOCKET = "http.sock"
INGEST_SOCKET = "ingest.sock"
# Unix socket paths are limited to 108 bytes on Linux (104 on macOS).
_MAX_SOCKET_PATH = 100


def server() -> dict:
    """Returns the jupyter-server-proxy server block; configures kernels as a side effect. Never raises."""
    log = _logger()
    env = os.environ
    binary = Path(env.get(BINARY_OVERRIDE) or BINARY)
    jar = Path(env.get(JAR_OVERRIDE) or JAR)
    ingest_secret = secrets.token_hex(32)
    proxy_secret = secrets.token_hex(32)
    try:
        _ensure_executable(binary, log)
    except Exception as e:  # never fail the server start over the launcher
        log.warning("sparkmonitor: could not check %s: %s", binary, e)

    workdir = None
    try:
        workdir = _make_workdir()
    except Exception as e:
        log.warning(
            "sparkmonitor: cannot create a private temporary directory (%s); Spark applications started from this "
            "server are not monitored (the monitor opens no TCP port, so its sockets need that directory).",
            e,
        )

    if _truthy(env.get(DISABLE)):
        log.info("sparkmonitor: %s is set, kernels are not configured for monitoring.", DISABLE)
    elif workdir is not None:
        try:
            configure_kernels(env, workdir, _ingest(workdir), ingest_secret, jar, log)
        except Exception:
            log.warning(
                "sparkmonitor: configuring kernels failed; Spark applications started from this server are not "
                "monitored (your Spark configuration is untouched).",
                exc_info=True,
            )
    return server_block(
        binary,
        workdir,
        ingest_secret,
        proxy_secret,
        read_only=_truthy(env.get(READ_ONLY)),
        config=config_path(env, log),
    )


def config_path(env, log) -> str | None:
    """The monitor's config file: $SPARKMONITOR_CONFIG, else sparkmonitor.yaml in Jupyter's config dir (which may not
    exist: the monitor then runs with its defaults, and picks the file up when it appears)."""
    if env.get(CONFIG):
        return str(Path(env[CONFIG]).expanduser().absolute())
    try:
        from jupyter_core.paths import jupyter_config_dir

        return str(Path(jupyter_config_dir()) / CONFIG_FILE)
    except Exception as e:  # never fail the server start over the config file
        log.warning("sparkmonitor: cannot find Jupyter's config dir (%s); the monitor runs with its defaults.", e)
        return None


def server_block(
    binary: Path,
    workdir: Path | None,
    ingest_secret: str,
    proxy_secret: str,
    *,
    read_only: bool = False,
    config: str | None = None,
) -> dict:
    """The dict jupyter-server-proxy turns into a ServerProcess.

    The monitor listens on unix sockets only, both in `workdir` (mode 0700): the browser's HTTP API on http.sock
    (jsp's `unix_socket`, which jsp connects to and renders as `{unix_socket}`) and the listeners' ingest on
    ingest.sock. Without a workdir, jsp makes the private directory itself (`unix_socket: True`: a mkdtemp folder,
    mode 0700, with the socket named `socket`), and the ingest socket goes beside it; no kernel reports to it then.

    jsp runs str.format({port}, {base_url}, {unix_socket}) over every string of command, environment and
    request_headers_override, so braces in our own values are escaped.
    """
    if workdir is not None:
        unix_socket, ingest = str(workdir / HTTP_SOCKET), "--ingest=" + _literal(_ingest(workdir))
    else:
        unix_socket, ingest = True, "--ingest=unix:{unix_socket}-ingest"
    return {
        "command": [
            _literal(str(binary)),
            "--listen=unix:{unix_socket}",
            "--base-url={base_url}",
            ingest,
        ]
        + (["--config=" + _literal(config)] if config else [])
        + (["--read-only"] if read_only else []),
        "unix_socket": unix_socket,
        "environment": {SECRET: ingest_secret, PROXY_SECRET: proxy_secret},
        "request_headers_override": {PROXY_SECRET_HEADER: proxy_secret},
        "absolute_url": True,
        "update_last_activity": False,
        "timeout": 30,
        "new_browser_tab": False,
        "launcher_entry": {
            "title": "Spark Monitor",
            "icon_path": str(ICON),
            "path_info": "sparkmonitor/",
            "category": "Other",
        },
    }


def _ingest(workdir: Path) -> str:
    return f"unix:{workdir / INGEST_SOCKET}"


def configure_kernels(env, workdir: Path, ingest: str, ingest_secret: str, jar: Path, log) -> Path | None:
    """Generates the Spark conf dir and exports the variables kernels inherit. Returns the conf dir, or None when the
    listener jar is missing (then nothing is exported: a plugin class Spark cannot load would fail every
    SparkContext)."""
    if not jar.is_file():
        log.warning(
            "sparkmonitor: the listener jar %s is missing, so Spark applications are not monitored (reinstall "
            "sparkmonitor-go, or set %s).",
            jar,
            JAR_OVERRIDE,
        )
        return None
    jar_path = str(jar.resolve())

    if env.get(GENERATED_CONF_DIR) and env.get("SPARK_CONF_DIR") == env.get(GENERATED_CONF_DIR):
        user_conf_dir = env.get(USER_SPARK_CONF_DIR) or None
    else:
        user_conf_dir = env.get("SPARK_CONF_DIR") or None
    source, problem = sparkconf.find_source(user_conf_dir, env.get("SPARK_HOME"))
    if problem:
        log.warning("sparkmonitor: %s", problem)
    conf_dir = workdir / "conf"
    conf_dir.mkdir()
    generated = sparkconf.generate(conf_dir, source, PLUGIN_CLASS, jar_path)
    for warning in generated.warnings:
        log.warning("sparkmonitor: %s", warning)

    env[INGEST] = ingest
    env[SECRET] = ingest_secret
    env["SPARK_CONF_DIR"] = str(conf_dir)
    env[GENERATED_CONF_DIR] = str(conf_dir)
    _set_or_unset(env, USER_SPARK_CONF_DIR, user_conf_dir)
    classpath = [p for p in env.get("SPARK_DIST_CLASSPATH", "").split(":") if p and p != jar_path]
    env["SPARK_DIST_CLASSPATH"] = ":".join([jar_path, *classpath])
    current_startup = env.get("PYTHONSTARTUP") or None
    if current_startup != str(STARTUP):
        _set_or_unset(env, USER_PYTHONSTARTUP, current_startup)
    env["PYTHONSTARTUP"] = str(STARTUP)
    log.info(
        "sparkmonitor: kernels started from now on report Spark applications to %s (SPARK_CONF_DIR=%s, based on %s; "
        "spark.plugins.defaultList=%s).",
        ingest,
        conf_dir,
        source or "no user configuration",
        generated.plugins,
    )
    return conf_dir


def _make_workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="sparkmonitor-"))  # mode 0700
    if (
        len(str(path / INGEST_SOCKET)) > _MAX_SOCKET_PATH
    ):  # the longer of the two names  # a long $TMPDIR (macOS); /tmp is short
        shutil.rmtree(path, ignore_errors=True)
        path = Path(tempfile.mkdtemp(prefix="sparkmonitor-", dir="/tmp"))
    atexit.register(shutil.rmtree, path, True)
    return path


def _ensure_executable(binary: Path, log) -> None:
    if not binary.is_file():
        log.warning(
            "sparkmonitor: the monitor binary %s is missing; the Spark Monitor launcher will fail (reinstall "
            "sparkmonitor-go, or set %s).",
            binary,
            BINARY_OVERRIDE,
        )
        return
    if os.access(binary, os.X_OK):
        return
    mode = binary.stat().st_mode
    # Give execute permission to whoever may read it (some installers drop the bit).
    wanted = mode | ((mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)) >> 2)
    try:
        binary.chmod(wanted)
    except OSError as e:
        log.warning(
            "sparkmonitor: %s is not executable and cannot be made so (%s); run `chmod +x %s`.", binary, e, binary
        )


def _logger():
    """Jupyter Server's own log when we run inside it (so warnings appear with the server's), else a module logger."""
    try:
        from jupyter_server.serverapp import ServerApp

        if ServerApp.initialized():
            return ServerApp.instance().log
    except Exception:
        pass
    return logging.getLogger("sparkmonitor_go")


def _literal(s: str) -> str:
    return s.replace("{", "{{").replace("}", "}}")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _set_or_unset(env, key: str, value: str | None) -> None:
    if value:
        env[key] = value
    else:
        env.pop(key, None)
