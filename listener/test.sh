#!/usr/bin/env bash
# The listener's tests, on a real JVM under JUnit 5: a real local SparkContext with the pyspark jars (LocalSpark) and
# a fake monitor on a unix socket (FakeMonitor), and the listener's resync state fed directly (LiveStateTest).
# Usage: listener/test.sh [PYSPARK_JARS_DIR]. Exits non-zero when a test fails (or none ran).
#
# Run by the JUnit Platform console launcher, one pinned jar (listener/tools.sh), on the classpath the product is
# built against: the tests compile with javac against the same pyspark jars as the listener jar (listener/build.sh)
# and run on them. A pom with Surefire would have to be given those jars (they are pyspark's files, not Maven
# artifacts: one system-scoped entry per jar, or Spark resolved again from Maven Central at a version that may not
# be the one the product runs on), and would add a second build of the listener beside build.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jars="${1:-$root/.venv/lib/python3.11/site-packages/pyspark/jars}"
jar="$root/build/sparkmonitor-listener.jar"
source "$root/listener/tools.sh"
console="$(tool_jar org.junit.platform junit-platform-console-standalone 1.14.4 "" \
  7c6968cbcaf4301c729f202b23b7d736c5d88be625fc7d27ad5d746146a8bc28)"
bash "$root/listener/build.sh" "$jars" "$jar"
classes="$(mktemp -d)"
trap 'rm -rf "$classes"' EXIT
javac --release 17 -nowarn -d "$classes" -cp "$console:$jars/*:$jar" $(find "$root/listener/src/test/java" -name '*.java')
# Spark on Java 17 needs these opens (as pyspark's launcher adds them).
java --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED \
  -cp "$classes:$root/listener/src/test/resources:$jar:$jars/*:$console" \
  org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --fail-if-no-tests --details=tree \
  --select-package=io.sparkmonitor.listener
