"""The generated Spark conf dir: the user's configuration is kept, our plugin is added, bad input is survivable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from sparkmonitor_go import sparkconf

PLUGIN = "io.sparkmonitor.listener.MonitorPlugin"
JAR = "/opt/sparkmonitor/listener.jar"


def generate(tmp_path: Path, source: Path | None) -> sparkconf.Generated:
    dest = tmp_path / "generated"
    dest.mkdir()
    return sparkconf.generate(dest, source, PLUGIN, JAR)


def effective(conf_dir: Path) -> dict:
    props, problems = sparkconf.parse_properties((conf_dir / "spark-defaults.conf").read_text())
    assert problems == []
    return props


def test_user_defaults_kept_verbatim_and_their_plugin_list_merged(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    original = (
        "# team settings\n"
        "spark.extraListeners   org.apache.spark.scheduler.StatsReportListener\n"
        "spark.plugins.defaultList=com.example.Early\n"
        "spark.myteam.flag 42\n"
        "spark.plugins.defaultList  com.example.TeamPlugin , com.example.Other\n"
        "spark.driver.extraClassPath /opt/team/*\n"
    )
    (user / "spark-defaults.conf").write_text(original)

    result = generate(tmp_path, user)

    text = (result.conf_dir / "spark-defaults.conf").read_text()
    assert text.startswith(original)
    props = effective(result.conf_dir)
    assert props["spark.plugins.defaultList"] == f"com.example.TeamPlugin,com.example.Other,{PLUGIN}"
    assert props["spark.extraListeners"] == "org.apache.spark.scheduler.StatsReportListener"
    assert props["spark.driver.extraClassPath"] == "/opt/team/*"
    assert props["spark.myteam.flag"] == "42"
    assert "spark.plugins" not in props
    assert result.warnings == []


def test_our_plugin_is_never_listed_twice(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "spark-defaults.conf").write_text(f"spark.plugins.defaultList {PLUGIN},com.example.Team\n")

    once = generate(tmp_path, user)
    # A conf dir generated from an already generated one (a Jupyter Server started inside another) stays the same.
    again_dest = tmp_path / "again"
    again_dest.mkdir()
    again = sparkconf.generate(again_dest, once.conf_dir, PLUGIN, JAR)

    assert effective(once.conf_dir)["spark.plugins.defaultList"] == f"{PLUGIN},com.example.Team"
    assert effective(again.conf_dir)["spark.plugins.defaultList"] == f"{PLUGIN},com.example.Team"


def test_without_any_user_configuration_only_our_line_is_written(tmp_path):
    result = generate(tmp_path, None)

    assert sorted(os.listdir(result.conf_dir)) == ["spark-defaults.conf"]
    assert effective(result.conf_dir) == {"spark.plugins.defaultList": PLUGIN}


@pytest.mark.parametrize(
    "tail",
    [
        "spark.myteam.flag 42",  # no final newline
        "spark.myteam.flag 42 \\\n",  # a dangling line continuation must not swallow our line
        "spark.myteam.flag 42\r\n",  # Windows line ends
    ],
)
def test_our_line_survives_the_end_of_the_users_file(tmp_path, tail):
    user = tmp_path / "user"
    user.mkdir()
    (user / "spark-defaults.conf").write_bytes(tail.encode())

    props = effective(generate(tmp_path, user).conf_dir)

    assert props["spark.plugins.defaultList"] == PLUGIN
    assert props["spark.myteam.flag"].rstrip() == "42"


def test_other_files_are_symlinked_and_spark_env_is_wrapped(tmp_path):
    user = tmp_path / "user"
    (user / "sub").mkdir(parents=True)
    (user / "log4j2.properties").write_text("rootLogger.level = warn\n")
    (user / "hive-site.xml").write_text("<configuration/>\n")
    (user / ".hidden").write_text("x\n")
    (user / "sub" / "file").write_text("y\n")
    (user / "spark-env.sh").write_text("export SPARK_DIST_CLASSPATH=/opt/hadoop/lib/*\nexport TEAM_VAR=1\n")

    result = generate(tmp_path, user)

    for name in ("log4j2.properties", "hive-site.xml", ".hidden", "sub"):
        link = result.conf_dir / name
        assert link.is_symlink() and os.readlink(link) == str(user / name)
    assert (result.conf_dir / "log4j2.properties").read_text() == "rootLogger.level = warn\n"
    # The wrapper runs the user's script, then puts the jar back in front of what it exported.
    env = {"PATH": os.environ["PATH"], "SPARK_DIST_CLASSPATH": JAR}
    out = subprocess.run(
        ["sh", "-c", f'set -a; . "{result.conf_dir}/spark-env.sh"; echo "$SPARK_DIST_CLASSPATH|$TEAM_VAR"'],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == f"{JAR}:/opt/hadoop/lib/*|1"


def test_spark_env_that_keeps_the_classpath_does_not_duplicate_the_jar(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "spark-env.sh").write_text('export SPARK_DIST_CLASSPATH="$SPARK_DIST_CLASSPATH:/opt/extra.jar"\n')

    result = generate(tmp_path, user)

    out = subprocess.run(
        ["sh", "-c", f'. "{result.conf_dir}/spark-env.sh"; echo "$SPARK_DIST_CLASSPATH"'],
        env={"PATH": os.environ["PATH"], "SPARK_DIST_CLASSPATH": JAR},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == f"{JAR}:/opt/extra.jar"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_user_defaults_warns_and_still_writes_ours(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    defaults = user / "spark-defaults.conf"
    defaults.write_text("spark.myteam.flag 42\n")
    defaults.chmod(0)
    try:
        result = generate(tmp_path, user)
    finally:
        defaults.chmod(0o644)

    assert effective(result.conf_dir) == {"spark.plugins.defaultList": PLUGIN}
    assert len(result.warnings) == 1 and f"cannot read {defaults}" in result.warnings[0]


def test_user_defaults_that_cannot_be_read_warns_and_still_writes_ours(tmp_path):
    # Works for root too: a spark-defaults.conf that is a directory cannot be read by anyone.
    user = tmp_path / "user"
    (user / "spark-defaults.conf").mkdir(parents=True)
    (user / "log4j2.properties").write_text("x\n")

    result = generate(tmp_path, user)

    assert effective(result.conf_dir) == {"spark.plugins.defaultList": PLUGIN}
    assert (result.conf_dir / "log4j2.properties").is_symlink()
    assert len(result.warnings) == 1
    assert "cannot read" in result.warnings[0] and "only sparkmonitor's settings" in result.warnings[0]


def test_broken_user_defaults_are_kept_loadable_with_a_warning_naming_the_line(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    broken = b"spark.ok 1\nspark.bad value\\u12G4\n\xff\xfe not utf-8\nspark.plugins.defaultList com.example.Team\n"
    (user / "spark-defaults.conf").write_bytes(broken)

    result = generate(tmp_path, user)

    content = (result.conf_dir / "spark-defaults.conf").read_bytes()
    # Java refuses the whole file over one malformed \\u escape (Spark's driver would not start): the copy has it
    # as plain text, and every other byte of the user's file as it is.
    assert content.startswith(broken.replace(b"value\\u12G4", b"value\\\\u12G4"))
    props, problems = sparkconf.parse_properties(content.decode("utf-8", errors="replace"))
    assert problems == [] and props["spark.bad"] == "value\\u12G4" and props["spark.ok"] == "1"
    assert result.plugins == f"com.example.Team,{PLUGIN}"
    assert len(result.warnings) == 1
    assert "line 2" in result.warnings[0] and "malformed \\uxxxx escape" in result.warnings[0]
    assert "fix your file" in result.warnings[0]


def test_unlistable_source_dir_warns_and_still_writes_ours(tmp_path):
    missing = tmp_path / "gone"

    result = generate(tmp_path, missing)

    assert effective(result.conf_dir) == {"spark.plugins.defaultList": PLUGIN}
    assert len(result.warnings) == 1 and f"cannot list the Spark conf dir {missing}" in result.warnings[0]


def test_source_is_spark_conf_dir_then_spark_home_conf(tmp_path):
    home = tmp_path / "spark"
    (home / "conf").mkdir(parents=True)
    own = tmp_path / "own"
    own.mkdir()

    assert sparkconf.find_source(str(own), str(home)) == (own, None)
    assert sparkconf.find_source(None, str(home)) == (home / "conf", None)
    assert sparkconf.find_source("", str(tmp_path / "pip-pyspark")) == (None, None)
    source, warning = sparkconf.find_source(str(tmp_path / "typo"), str(home))
    assert source is None and "is not a directory" in warning


@pytest.mark.parametrize(
    "line, key, value",
    [
        ("a b", "a", "b"),
        ("a=b", "a", "b"),
        ("a : b", "a", "b"),
        ("  a\t  b c  ", "a", "b c  "),
        ("a\\ b=c", "a b", "c"),
        ("a=\\u0041\\tb", "a", "A\tb"),
        ("a", "a", ""),
        ("a= b,\\\n    c", "a", "b,c"),
    ],
)
def test_parse_follows_java_properties(line, key, value):
    assert sparkconf.parse_properties(line) == ({key: value}, [])


def test_parse_skips_comments_and_keeps_the_last_value():
    text = "# a 1\n! a 2\n\n a 3\na 4\n#a 5\n"
    assert sparkconf.parse_properties(text) == ({"a": "4"}, [])


def test_merged_value_round_trips_through_escaping(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "spark-defaults.conf").write_text("spark.plugins.defaultList \\u00e9.Plugin\n")

    result = generate(tmp_path, user)

    assert effective(result.conf_dir)["spark.plugins.defaultList"] == f"\u00e9.Plugin,{PLUGIN}"
