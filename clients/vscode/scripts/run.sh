#!/usr/bin/env bash
# "Run Loom in VS Code": builds and installs the extension into code-server (the VS Code
# workbench in a browser), opens a demo folder with demo.loom using the offline model
# offline/markov (no key, no network), and prints the address to open. Runs until Ctrl+C.
#
# Env: LOOM_PORT (default 8080), LOOM_DEMO_DIR (default ~/loom-demo), LOOM_SERVER (see install.sh)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${LOOM_PORT:-8080}"
DEMO="${LOOM_DEMO_DIR:-$HOME/loom-demo}"
STATE="${XDG_DATA_HOME:-$HOME/.local/share}/loom-vscode-demo"
log() { echo "[loom vscode] $*" >&2; }

VSIX="$(LOOM_VSIX_ONLY=1 bash "$HERE/scripts/install.sh" | tail -1)"
eval "$(bash "$HERE/scripts/e2e-setup.sh" --print-env)"
export PATH="$NODE24_BIN:$PATH"

mkdir -p "$DEMO" "$STATE/user/User" "$STATE/extensions"
[ -f "$DEMO/demo.loom" ] || printf 'The lighthouse keeper counted the gulls at dawn, and' > "$DEMO/demo.loom"
SETTINGS="$STATE/user/User/settings.json"
[ -f "$SETTINGS" ] || cat > "$SETTINGS" <<JSON
{
  "loom.model": "offline/markov",
  "loom.branches": 3,
  "loom.maxTokens": 48,
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off"
}
JSON
log "installing $VSIX"
"$CODE_SERVER" --user-data-dir "$STATE/user" --extensions-dir "$STATE/extensions" --install-extension "$VSIX" --force >&2

URL="http://127.0.0.1:$PORT/?folder=$DEMO"
echo
echo "Loom in VS Code: open  $URL"
echo "  then open demo.loom from the Explorer; alt+enter generates (offline/markov), alt+right/left"
echo "  walk the tree, the Loom icon in the activity bar shows the tree. Ctrl+C stops the server."
echo
exec "$CODE_SERVER" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$STATE/user" --extensions-dir "$STATE/extensions" "$DEMO"
