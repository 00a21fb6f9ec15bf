#!/usr/bin/env bash
# Builds the Loom VS Code extension (.vsix) with the language server inside, and
# installs it into `code` or `code-server` when one is on PATH.
#
#   clients/vscode/scripts/install.sh            build (cached) + install
#   LOOM_VSIX_ONLY=1 clients/vscode/scripts/install.sh   build only
#
# Env: LOOM_SERVER            server executable (default <repo>/.artifacts/server/loom-language-server);
#                             its folder is bundled as server/fdd (framework-dependent, runs with dotnet)
#      LOOM_SELF_CONTAINED=0  skip the self-contained linux-x64 server (default: bundle it)
# Prints the vsix path on its last line.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
log() { echo "[vscode install] $*" >&2; }

# --- Node: any >= 20 works for building; else use the cached Node 24 -------------
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ]; then
  eval "$(bash "$HERE/scripts/e2e-setup.sh" --node-only --print-env)"
  export PATH="$NODE24_BIN:$PATH"
fi
command -v npm >/dev/null || { log "npm is missing: apt-get install -y npm (or install Node.js 20+)"; exit 1; }

# --- npm dependencies (cached by the lockfile's hash) -----------------------------
cd "$HERE"
lock_hash="$(sha256sum package-lock.json package.json | sha256sum | cut -c1-16)"
if [ ! -f node_modules/.loom-stamp ] || [ "$(cat node_modules/.loom-stamp)" != "$lock_hash" ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$lock_hash" > node_modules/.loom-stamp
fi

# --- the language server -----------------------------------------------------------
SERVER="${LOOM_SERVER:-$REPO/.artifacts/server/loom-language-server}"
if [ ! -e "$SERVER" ] && [ -z "${LOOM_SERVER:-}" ] && [ -f "$REPO/scripts/build-server.sh" ]; then
  log "building the server with scripts/build-server.sh"
  (cd "$REPO" && bash scripts/build-server.sh >&2)
fi
rm -rf server; mkdir -p server
if [ -e "$SERVER" ]; then
  SERVER_DIR="$(cd "$(dirname "$SERVER")" && pwd)"
  if [ -f "$SERVER_DIR/loom-language-server.dll" ]; then
    mkdir -p server/fdd
    cp -a "$SERVER_DIR/." server/fdd/
    log "bundled framework-dependent server from $SERVER_DIR"
  else
    log "WARNING: $SERVER_DIR has no loom-language-server.dll; not bundling it"
  fi
  if [ -d server/fdd ] && [ "${LOOM_SELF_CONTAINED:-1}" != "0" ] && [ -f "$REPO/src/Loom.LanguageServer/Loom.LanguageServer.csproj" ] && command -v dotnet >/dev/null; then
    SC="$REPO/.artifacts/server-linux-x64"
    src_hash="$(cd "$REPO" && find src Directory.Build.props Directory.Packages.props -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    if [ ! -f "$SC/.loom-stamp" ] || [ "$(cat "$SC/.loom-stamp")" != "$src_hash" ]; then
      log "publishing the self-contained linux-x64 server"
      rm -rf "$SC"
      dotnet publish "$REPO/src/Loom.LanguageServer/Loom.LanguageServer.csproj" -c Release -r linux-x64 --self-contained true \
        -p:PublishSingleFile=false -o "$SC" --nologo -v q >&2
      echo "$src_hash" > "$SC/.loom-stamp"
    fi
    mkdir -p server/linux-x64
    cp -a "$SC/." server/linux-x64/
    rm -f server/linux-x64/.loom-stamp
  fi
else
  log "WARNING: no server at $SERVER (run scripts/build-server.sh or set LOOM_SERVER); the vsix will need loom.server.path"
fi

# --- bundle + package (cached by the inputs' hash) --------------------------------
VERSION="$(node -p 'require("./package.json").version')"
VSIX="$HERE/dist/loom-branches-$VERSION.vsix"
in_hash="$( (find src syntaxes media server -type f -print0 | sort -z | xargs -0 sha256sum; sha256sum package.json esbuild.mjs language-configuration.json README.md .vscodeignore) | sha256sum | cut -c1-16)"
if [ ! -f "$VSIX" ] || [ ! -f dist/.vsix-stamp ] || [ "$(cat dist/.vsix-stamp)" != "$in_hash" ]; then
  log "bundling with esbuild and packaging with vsce"
  node esbuild.mjs --production >&2
  rm -f dist/*.vsix
  npx --no-install vsce package --no-dependencies --skip-license --allow-missing-repository -o "$VSIX" >&2
  echo "$in_hash" > dist/.vsix-stamp
else
  log "vsix is up to date"
fi

# --- install ------------------------------------------------------------------------
if [ "${LOOM_VSIX_ONLY:-0}" != "1" ]; then
  if command -v code >/dev/null; then
    log "installing into code"
    code --install-extension "$VSIX" --force >&2
  elif command -v code-server >/dev/null; then
    log "installing into code-server"
    code-server --install-extension "$VSIX" --force >&2
  else
    log "neither code nor code-server is on PATH; install the vsix yourself:"
    log "  code --install-extension $VSIX"
  fi
fi
echo "$VSIX"
