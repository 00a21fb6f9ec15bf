#!/usr/bin/env bash
# Sets up and runs Loom: builds the language server and opens a loom in an editor, with the offline
# model (offline/markov) so it works with no key and no network.
#   scripts/run.sh            Neovim in this terminal (installs Neovim with apt if missing)
#   scripts/run.sh vscode     VS Code (code-server on 127.0.0.1; prints the address to open)
#   scripts/run.sh cli        no editor: generate and draw a tree with the `loom` command line
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
client=${1:-neovim}
bash "$repo/scripts/build-server.sh"
case "$client" in
  neovim|nvim) exec bash "$repo/clients/neovim/scripts/run.sh" ;;
  vscode|code) exec bash "$repo/clients/vscode/scripts/run.sh" ;;
  cli)
    db=${LOOM_DB:-$(mktemp -d)/demo.sqlite}
    loom() { dotnet run --project "$repo/src/Loom.Cli" -c Release -- "$@" --db "$db"; }
    demo=$(mktemp -d)/demo.txt
    printf 'The lighthouse keeper counted the gulls at dawn, and' > "$demo"
    tree=$(loom import "$demo" --format text | tail -n 1 | awk '{print $NF}')
    loom generate "$tree" --model offline/markov --branches 3
    loom show "$tree" --depth 3
    ;;
  *) echo "usage: scripts/run.sh [neovim|vscode|cli]" >&2; exit 2 ;;
esac
