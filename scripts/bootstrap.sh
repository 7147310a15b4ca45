#!/usr/bin/env bash
# Installs what the project needs, idempotently, from the package registries:
#   - Debian packages (a JDK if `java` is missing, chromium for the browser tests) when run with `--system`
#   - a Python venv in .venv with requirements.txt and docs/requirements.txt
# Heavy downloads are cached outside the work tree (SPARKMONITOR_CACHE, default ~/.cache/sparkmonitor-go) so that a
# fresh clone installs from cache.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${SPARKMONITOR_CACHE:-$HOME/.cache/sparkmonitor-go}"
mkdir -p "$CACHE"

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ ! -f "$CACHE/.apt-updated" ]; then
    $sudo apt-get update -qq && touch "$CACHE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@"
}

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "bootstrap.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done

if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  echo "bootstrap: installing a JDK (default-jdk-headless)"
  apt_install default-jdk-headless
fi
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "bootstrap: installing chromium"
  apt_install chromium
fi

PY="${PYTHON:-python3}"
# requirements.txt for the product and its tests, docs/requirements.txt for `make docs` (Sphinx, MyST, the theme).
stamp=".venv/.requirements.sha256"
want="$(cat requirements.txt docs/requirements.txt | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: creating .venv from requirements.txt and docs/requirements.txt"
  [ -x .venv/bin/python ] || "$PY" -m venv .venv
  PIP_CACHE_DIR="$CACHE/pip" .venv/bin/pip install -q --upgrade pip
  PIP_CACHE_DIR="$CACHE/pip" .venv/bin/pip install -q -r requirements.txt -r docs/requirements.txt
  echo "$want" > "$stamp"
fi

# golangci-lint for `make lint`, pinned, built once into the cache with the Go the project builds with.
GOLANGCI_VERSION=v2.15.0
golangci="$CACHE/bin/golangci-lint-$GOLANGCI_VERSION"
if [ ! -x "$golangci" ]; then
  echo "bootstrap: building golangci-lint $GOLANGCI_VERSION (once, into $CACHE/bin)"
  tmp="$(mktemp -d)"
  GOBIN="$tmp" GOFLAGS=-buildvcs=false go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$GOLANGCI_VERSION"
  mkdir -p "$CACHE/bin" && mv "$tmp/golangci-lint" "$golangci" && rm -rf "$tmp"
fi
