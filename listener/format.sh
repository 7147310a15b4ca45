#!/usr/bin/env bash
# Formats the listener's Java sources (main and test) in Google Java Style with google-java-format, a pinned jar
# (listener/tools.sh). Usage: listener/format.sh [--check]
#   --check  changes nothing: lists the files it would change and exits 1 if there is any (make lint-java)
#   (none)   rewrites those files in place
# 1.28.0: the newest that runs on Java 17 (later versions need Java 21). On Java 16 and later it reaches javac's
# internals, which the --add-exports below open to it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/listener/tools.sh"
gjf="$(tool_jar com.google.googlejavaformat google-java-format 1.28.0 all-deps \
  32342e7c1b4600f80df3471da46aee8012d3e1445d5ea1be1fb71289b07cc735)"
mode=(--replace)
if [ "${1:-}" = "--check" ]; then
  mode=(--dry-run --set-exit-if-changed)
elif [ -n "${1:-}" ]; then
  echo "usage: listener/format.sh [--check]" >&2
  exit 2
fi
exports=()
for pkg in api code file parser tree util; do
  exports+=("--add-exports=jdk.compiler/com.sun.tools.javac.$pkg=ALL-UNNAMED")
done
cd "$root"
files=()
while IFS= read -r f; do files+=("$f"); done < <(find listener/src -name '*.java' | sort)
if ! changed="$(java "${exports[@]}" -jar "$gjf" "${mode[@]}" "${files[@]}")"; then
  [ -n "$changed" ] && printf 'listener/format.sh: not formatted (run bash listener/format.sh):\n%s\n' "$changed" >&2
  exit 1
fi
