#!/usr/bin/env bash
# Builds the listener jar with plain javac against the Spark jars of a pyspark install (no Spark download: the jar is
# compiled against exactly the Spark the demo runs). Usage: listener/build.sh [PYSPARK_JARS_DIR] [OUT_JAR]
# Java 8 class files (--release 8): they load on every JVM Spark 3.5 supports; the one jar serves Spark 3.5 (Scala 2.12
# and 2.13) and 4.x, which integration/test_spark_versions.py checks (listener/linkcheck.py and real drivers).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jars="${1:-$root/.venv/lib/python3.11/site-packages/pyspark/jars}"
out="${2:-$root/build/sparkmonitor-listener.jar}"
src="$root/listener/src/main/java"
[ -d "$jars" ] || { echo "listener/build.sh: no Spark jars at $jars (run make bootstrap)" >&2; exit 1; }
if [ -f "$out" ] && [ -z "$(find "$src" -newer "$out" -type f)" ]; then
  exit 0
fi
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
# -classfile: log4j2's class files (Log4j2Tap compiles against them) name annotations of tools not on the class path.
javac --release 8 -Xlint:all,-serial,-processing,-path,-options,-classfile -Werror -d "$classes" -cp "$jars/*" $(find "$src" -name '*.java')
mkdir -p "$(dirname "$out")"
jar --create --file "$out" -C "$classes" .
echo "built $out"
