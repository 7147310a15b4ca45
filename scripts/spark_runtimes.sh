#!/usr/bin/env bash
# Installs the extra Spark runtimes that integration/test_spark_versions.py loads the listener jar into, idempotently,
# from the package registries, cached in $SPARKMONITOR_CACHE/spark-runtimes (default ~/.cache/sparkmonitor-go):
#   pyspark-3.5.9           a venv with PyPI pyspark 3.5.9, whose jars are Spark's Scala 2.12 build
#   spark-3.5.9-scala2.13   a SPARK_HOME for that venv's pyspark: its bin/ scripts, plus spark-core_2.13 and
#                           spark-sql_2.13 3.5.9 with their runtime dependencies from Maven Central (resolved by Maven)
#   pyspark-4.0.1           a venv with PyPI pyspark 4.0.1 (Scala 2.13)
# and writes runtimes.json there (name, python, SPARK_HOME or null, Spark and Scala versions), which the test reads.
# Spark 4.1 is the project's own .venv (requirements.txt). Usage: scripts/spark_runtimes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SPARKMONITOR_CACHE:-$HOME/.cache/sparkmonitor-go}"
DIR="$CACHE/spark-runtimes"
SPARK35=3.5.9
SPARK40=4.0.1
DEPENDENCY_PLUGIN=3.6.1
mkdir -p "$DIR"

# venv NAME PYSPARK_VERSION: a venv with that pyspark, made once (a stamp names the version it holds).
venv() {
  local dest="$DIR/$1" version="$2"
  if [ "$(cat "$dest/.installed" 2>/dev/null)" = "$version" ]; then return; fi
  echo "spark_runtimes: creating $dest (pyspark $version)"
  rm -rf "$dest"
  python3 -m venv "$dest"
  PIP_CACHE_DIR="$CACHE/pip" "$dest/bin/pip" install -q --disable-pip-version-check "pyspark==$version"
  echo "$version" > "$dest/.installed"
}

venv "pyspark-$SPARK35" "$SPARK35"
venv "pyspark-$SPARK40" "$SPARK40"

# Spark 3.5 for Scala 2.13: PyPI has only the 2.12 build, Maven Central has both. The pyspark package's bin/ scripts
# (spark-submit, spark-class, load-spark-env.sh) run any SPARK_HOME whose jars/ holds a Spark build.
home="$DIR/spark-$SPARK35-scala2.13"
if [ "$(cat "$home/.installed" 2>/dev/null)" != "$SPARK35" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    echo "spark_runtimes: installing Maven (apt)"
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends maven
  fi
  echo "spark_runtimes: resolving Spark $SPARK35 for Scala 2.13 from Maven Central into $home"
  work="$(mktemp -d "$DIR/.scala213.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  cat > "$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>io.sparkmonitor</groupId>
  <artifactId>spark-runtime-scala213</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <!-- Spark's own pinned versions of its dependencies (else Maven's nearest-wins picks e.g. slf4j-api 1.7). -->
  <dependencyManagement><dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-parent_2.13</artifactId><version>$SPARK35</version>
      <type>pom</type><scope>import</scope></dependency>
  </dependencies></dependencyManagement>
  <dependencies>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-core_2.13</artifactId><version>$SPARK35</version></dependency>
    <dependency><groupId>org.apache.spark</groupId><artifactId>spark-sql_2.13</artifactId><version>$SPARK35</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>$DEPENDENCY_PLUGIN</version>
  </plugin></plugins></build>
</project>
EOF
  mvn -B -q -Dstyle.color=never -f "$work/pom.xml" -Dmaven.repo.local="$CACHE/m2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$work/home/jars"
  cp -r "$DIR/pyspark-$SPARK35/lib/"python3*/site-packages/pyspark/bin "$work/home/bin"
  for want in "spark-core_2.13-$SPARK35" "scala-library-2.13" "slf4j-api-2"; do
    ls "$work/home/jars" | grep -q "^$want" || { echo "spark_runtimes: resolved no $want jar" >&2; exit 1; }
  done
  rm -rf "$home"
  mv "$work/home" "$home"
  echo "$SPARK35" > "$home/.installed"
fi

cat > "$DIR/runtimes.json.tmp" <<EOF
[
  {"name": "spark-$SPARK35-scala2.12", "python": "$DIR/pyspark-$SPARK35/bin/python", "sparkHome": null, "spark": "$SPARK35", "scala": "2.12"},
  {"name": "spark-$SPARK35-scala2.13", "python": "$DIR/pyspark-$SPARK35/bin/python", "sparkHome": "$home", "spark": "$SPARK35", "scala": "2.13"},
  {"name": "spark-$SPARK40-scala2.13", "python": "$DIR/pyspark-$SPARK40/bin/python", "sparkHome": null, "spark": "$SPARK40", "scala": "2.13"}
]
EOF
mv "$DIR/runtimes.json.tmp" "$DIR/runtimes.json"
