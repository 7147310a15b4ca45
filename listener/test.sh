#!/usr/bin/env bash
# Real-JVM tests of the listener: a local SparkContext with the pyspark jars, and a fake monitor on a unix socket.
# Usage: listener/test.sh [PYSPARK_JARS_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jars="${1:-$root/.venv/lib/python3.11/site-packages/pyspark/jars}"
jar="$root/build/sparkmonitor-listener.jar"
bash "$root/listener/build.sh" "$jars" "$jar"
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
javac --release 17 -nowarn -d "$classes" -cp "$jars/*:$jar" $(find "$root/listener/src/test/java" -name '*.java')
# Spark on Java 17 needs these opens (as pyspark's launcher adds them).
java --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -cp "$classes:$jar:$jars/*" io.sparkmonitor.listener.ListenerTest
