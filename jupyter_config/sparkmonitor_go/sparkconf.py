"""The Spark configuration directory that kernels see: the user's own, plus the monitor's plugin.

Spark's launcher (spark-submit, which PySpark runs to start its driver JVM) reads `$SPARK_CONF_DIR/spark-defaults.conf`
and sources `$SPARK_CONF_DIR/spark-env.sh`. We point SPARK_CONF_DIR at a directory generated here:

- every entry of the user's conf dir is symlinked (log4j2.properties, hive-site.xml, ...), so nothing is hidden;
- `spark-defaults.conf` is the user's file verbatim, followed by our lines. Only `spark.plugins.defaultList` is set,
  merged with the user's value (Spark prepends it to `spark.plugins`, so the user's `spark.plugins`,
  `spark.extraListeners` and `spark.driver.extraClassPath` stay theirs);
- `spark-env.sh`, when the user has one, is a two-step wrapper: it sources theirs, then puts the listener jar back on
  SPARK_DIST_CLASSPATH if their script replaced the variable (Hadoop-free Spark builds do
  `export SPARK_DIST_CLASSPATH=$(hadoop classpath)`); without the jar, Spark could not load the plugin it is told to
  load.

The file format is `java.util.Properties` (what Spark uses to load it), so the user's effective value of a key is read
with the same rules: the last occurrence wins, `key value`, `key=value` and `key:value` all work, backslash escapes and
line continuations apply.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DEFAULTS_FILE = "spark-defaults.conf"
ENV_FILE = "spark-env.sh"
PLUGINS_DEFAULT_LIST = "spark.plugins.defaultList"
HEADER = "# ---- added by sparkmonitor-go (jupyter_config/sparkmonitor_go/sparkconf.py); the lines above are yours ----"


@dataclass
class Generated:
    """What `generate` produced; `warnings` are for the Jupyter Server log, one complete sentence each."""

    conf_dir: Path
    source: Path | None
    plugins: str
    warnings: list = field(default_factory=list)


def find_source(spark_conf_dir: str | None, spark_home: str | None) -> tuple:
    """Returns (the conf dir Spark would read without us or None, a warning or None).

    Spark's launcher uses $SPARK_CONF_DIR when set, else $SPARK_HOME/conf. pip-installed PySpark has no conf dir.
    """
    if spark_conf_dir:
        path = Path(spark_conf_dir)
        if path.is_dir():
            return path, None
        return None, (
            f"SPARK_CONF_DIR={spark_conf_dir} is not a directory; Spark would not read any configuration from it, "
            "so the generated configuration contains only sparkmonitor's settings."
        )
    if spark_home:
        path = Path(spark_home) / "conf"
        if path.is_dir():
            return path, None
    return None, None


def parse_properties(text: str) -> tuple:
    """Parses text the way java.util.Properties.load does.

    Returns (dict of key to value with the last occurrence winning, list of (line number, problem) for input that
    Java would reject). Malformed escapes are kept literally here so that parsing never fails.
    """
    props: dict = {}
    problems: list = []
    lines = re.split(r"\r\n|\r|\n", text)
    i = 0
    while i < len(lines):
        start = i
        line = lines[i].lstrip(" \t\f")
        i += 1
        if not line or line[0] in "#!":
            continue
        logical = line
        while _continues(logical) and i <= len(lines):
            logical = logical[:-1]
            if i == len(lines):
                break
            logical += lines[i].lstrip(" \t\f")
            i += 1
        key, value = _split_key_value(logical)
        key, key_problem = _unescape(key)
        value, value_problem = _unescape(value)
        for problem in (key_problem, value_problem):
            if problem:
                problems.append((start + 1, problem))
        props[key] = value
    return props, problems


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def _split_key_value(line: str) -> tuple:
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c in "=: \t\f":
            break
        i += 1
    key = line[:i]
    j = i
    while j < n and line[j] in " \t\f":
        j += 1
    if j < n and line[j] in "=:":
        j += 1
        while j < n and line[j] in " \t\f":
            j += 1
    return key, line[j:]


_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def _unescape(s: str) -> tuple:
    out = []
    problem = None
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = s[i + 1]
        if nxt == "u":
            digits = s[i + 2 : i + 6]
            if len(digits) == 4 and all(d in "0123456789abcdefABCDEF" for d in digits):
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            problem = (
                f"malformed \\uxxxx escape {s[i : i + 6]!r}: Spark refuses a file containing it, so the copy kernels "
                "read has it as plain text (the backslash doubled); fix your file"
            )
            out.append(s[i : i + 2])
            i += 2
            continue
        out.append(_ESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out), problem


def _escape_value(value: str) -> str:
    out = []
    for i, c in enumerate(value):
        if c == "\\":
            out.append("\\\\")
        elif c in _ESCAPES.values():
            out.append("\\" + {v: k for k, v in _ESCAPES.items()}[c])
        elif i == 0 and c in " \t\f":
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) > 0x7E:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def merge_list(user_value: str | None, ours: str) -> str:
    """Appends `ours` to the user's comma-separated class list, keeping the user's entries and never duplicating."""
    items = [item.strip() for item in (user_value or "").split(",")]
    items = [item for item in items if item]
    if ours not in items:
        items.append(ours)
    return ",".join(items)


# A `\u` escape not followed by four hex digits, after an even number of backslashes (`\\u` is an escaped backslash
# and a `u`). java.util.Properties.load throws on it, and then spark-submit refuses the whole file: the driver never
# starts.
_MALFORMED_UNICODE = re.compile(rb"(?<!\\)((?:\\\\)*)\\u(?![0-9a-fA-F]{4})")


def defaults_text(user_bytes: bytes | None, plugin_class: str) -> tuple:
    """Returns (the bytes of the generated spark-defaults.conf, the merged plugin list, problems in the user's file).

    The user's bytes come first, unchanged except for what Java cannot load: a malformed `\\uxxxx` escape, which would
    make Spark refuse the whole file, gets its backslash doubled (the text is then read literally), so that the
    user's other settings and Spark itself keep working; each such line is a problem for the log. Our block follows
    after a blank line (which also ends a dangling line continuation of theirs, so it cannot swallow our lines).
    """
    user_bytes = user_bytes or b""
    props, problems = parse_properties(user_bytes.decode("utf-8", errors="replace"))
    if problems:
        user_bytes = _MALFORMED_UNICODE.sub(rb"\1\\\\u", user_bytes)
    merged = merge_list(props.get(PLUGINS_DEFAULT_LIST), plugin_class)
    ours = f"{HEADER}\n{PLUGINS_DEFAULT_LIST} {_escape_value(merged)}\n"
    sep = b"" if not user_bytes else (b"\n" if user_bytes.endswith((b"\n", b"\r")) else b"\n\n")
    return user_bytes + sep + ours.encode("utf-8"), merged, problems


def env_wrapper(user_env: Path, jar: str) -> str:
    """A spark-env.sh that sources the user's, then makes sure SPARK_DIST_CLASSPATH still starts with the jar."""
    q_env, q_jar = shlex.quote(str(user_env)), shlex.quote(jar)
    return (
        "# Generated by sparkmonitor-go: runs your spark-env.sh, then keeps the Spark monitor's listener jar on\n"
        "# SPARK_DIST_CLASSPATH (spark.plugins.defaultList names a class from it).\n"
        f". {q_env}\n"
        f'case ":${{SPARK_DIST_CLASSPATH:-}}:" in\n'
        f"  *:{q_jar}:*) ;;\n"
        f'  *) SPARK_DIST_CLASSPATH={q_jar}"${{SPARK_DIST_CLASSPATH:+:$SPARK_DIST_CLASSPATH}}" ;;\n'
        "esac\n"
        "export SPARK_DIST_CLASSPATH\n"
    )


def generate(dest: Path, source: Path | None, plugin_class: str, jar: str) -> Generated:
    """Fills the empty directory `dest` from `source` (may be None). Never raises for problems with the user's files:
    each becomes a warning, and our own spark-defaults.conf is always written."""
    result = Generated(conf_dir=dest, source=source, plugins="")
    user_defaults: bytes | None = None
    entries: list = []
    if source is not None:
        try:
            entries = sorted(os.listdir(source))
        except OSError as e:
            result.warnings.append(
                f"cannot list the Spark conf dir {source} ({e.strerror or e}); kernels get only sparkmonitor's "
                "spark-defaults.conf, without your other Spark configuration files."
            )
    for name in entries:
        src = source / name
        if name == DEFAULTS_FILE:
            try:
                user_defaults = src.read_bytes()
            except OSError as e:
                result.warnings.append(
                    f"cannot read {src} ({e.strerror or e}); Spark would fail on it as well. The generated "
                    "spark-defaults.conf contains only sparkmonitor's settings, so yours are not applied until the "
                    "file is readable and Jupyter Server is restarted."
                )
            continue
        if name == ENV_FILE and src.is_file():
            (dest / name).write_text(env_wrapper(src, jar))
            continue
        try:
            os.symlink(src, dest / name)
        except OSError as e:
            result.warnings.append(f"cannot link {src} into {dest} ({e.strerror or e}); Spark will not see it.")
    content, result.plugins, problems = defaults_text(user_defaults, plugin_class)
    for line, problem in problems:
        result.warnings.append(f"{source / DEFAULTS_FILE} line {line}: {problem}.")
    (dest / DEFAULTS_FILE).write_bytes(content)
    return result
