#!/usr/bin/env bash
# Headless end-to-end suite of the Neovim client against the real language server.
#   clients/neovim/tests/run.sh            (builds the server with scripts/build-server.sh)
#   LOOM_SERVER=/path/to/loom-language-server clients/neovim/tests/run.sh
# Prints one line per test, the measured speed figures ("bench ..."), and a
# closing line "neovim: N passed, N failed"; exits non-zero on failure.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLUGIN="$(dirname "$HERE")"
ROOT="$(cd "$PLUGIN/../.." && pwd)"

die() {
  echo "neovim: $1" >&2
  echo "neovim: 0 passed, 1 failed"
  exit 1
}

if ! command -v nvim >/dev/null 2>&1; then
  echo "neovim: nvim is not installed; installing it with apt-get (Debian's neovim package)"
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
    $SUDO apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq neovim >/dev/null || die "apt-get install neovim failed"
  else
    die "nvim not found and apt-get is not available; install Neovim 0.7 or later"
  fi
fi
echo "neovim: $(nvim --version | head -1)"

if [ -z "${LOOM_SERVER:-}" ]; then
  if [ -f "$ROOT/scripts/build-server.sh" ] && [ "${LOOM_SKIP_BUILD:-}" != "1" ]; then
    echo "neovim: building the server (scripts/build-server.sh)"
    bash "$ROOT/scripts/build-server.sh" || die "scripts/build-server.sh failed"
  fi
  LOOM_SERVER="$ROOT/.artifacts/server/loom-language-server"
fi
[ -x "$LOOM_SERVER" ] || die "no server executable at $LOOM_SERVER (build it with scripts/build-server.sh or set LOOM_SERVER)"
export LOOM_SERVER
echo "neovim: server $LOOM_SERVER"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/loom-nvim-test.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
export LOOM_TEST_DIR="$TMP/work"
export XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" XDG_STATE_HOME="$TMP/state" XDG_CACHE_HOME="$TMP/cache"
export LOOM_BENCH_OUT="${LOOM_BENCH_OUT:-$TMP/bench.txt}"
unset LOOM_DB
mkdir -p "$LOOM_TEST_DIR" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"

cd "$PLUGIN"
OUT="$TMP/out.txt"
timeout "${LOOM_TEST_TIMEOUT:-600}" nvim --headless --clean -u tests/minimal_init.lua -c 'luafile tests/e2e.lua' 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
if ! grep -q '^neovim: [0-9]* passed, [0-9]* failed' "$OUT"; then
  echo "neovim: nvim exited with code $rc before the suite finished"
  LOG="$XDG_STATE_HOME/nvim/lsp.log"
  [ -f "$LOG" ] && { echo "--- tail of the LSP log"; tail -n 40 "$LOG" | cut -c1-400; }
  echo "neovim: 0 passed, 1 failed"
  exit 1
fi
if [ "$rc" != "0" ]; then
  LOG="$XDG_STATE_HOME/nvim/lsp.log"
  [ -f "$LOG" ] || LOG="$XDG_CACHE_HOME/nvim/lsp.log"
  [ -f "$LOG" ] && { echo "--- tail of the LSP log ($LOG)"; tail -n 40 "$LOG" | cut -c1-400; }
fi
exit "$rc"
