# Sourced by listener/test.sh and listener/format.sh: the pinned jars they run, from Maven Central into the project's
# Maven cache ($SPARKMONITOR_CACHE/m2, as scripts/spark_runtimes.sh uses), each checked against its SHA-256.

# tool_jar GROUP ARTIFACT VERSION CLASSIFIER SHA256: prints the path of the jar, fetched first if it is not cached.
tool_jar() {
  local group="$1" artifact="$2" version="$3" classifier="$4" sha="$5"
  local m2="${SPARKMONITOR_CACHE:-$HOME/.cache/sparkmonitor-go}/m2"
  local path="$m2/${group//.//}/$artifact/$version/$artifact-$version${classifier:+-$classifier}.jar"
  if [ ! -f "$path" ]; then
    if ! command -v mvn >/dev/null 2>&1; then
      echo "listener: installing Maven (apt)" >&2
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo="sudo"
      $sudo apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends maven >&2
    fi
    echo "listener: fetching $group:$artifact:$version${classifier:+:$classifier} into $m2" >&2
    # -C: a checksum that does not match Maven Central's fails the fetch.
    mvn -B -q -C -Dstyle.color=never -Dmaven.repo.local="$m2" \
      org.apache.maven.plugins:maven-dependency-plugin:3.6.1:get -Dtransitive=false \
      -Dartifact="$group:$artifact:$version:jar${classifier:+:$classifier}" >&2
  fi
  if ! echo "$sha  $path" | sha256sum --check --quiet - >&2; then
    echo "listener: $path is not the pinned $artifact $version (SHA-256 $sha); delete it to fetch it again" >&2
    return 1
  fi
  echo "$path"
}
