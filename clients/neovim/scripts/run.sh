#!/usr/bin/env bash
# First run: build the server, then open Neovim with this plugin on a demo .loom
# file, the offline model selected and the default keymaps on.
#   clients/neovim/scripts/run.sh [file.loom]
# Without a terminal (or with CI=true) it runs the same setup headless: it
# generates once, prints the result and exits.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PLUGIN="$(dirname "$HERE")"
ROOT="$(cd "$PLUGIN/../.." && pwd)"

if ! command -v nvim >/dev/null 2>&1; then
  echo "loom: Neovim is not installed; installing it with apt-get (Debian's neovim package)"
  SUDO=""
  [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq neovim >/dev/null
fi

if [ -z "${LOOM_SERVER:-}" ]; then
  if [ -f "$ROOT/scripts/build-server.sh" ]; then
    echo "loom: building the language server (scripts/build-server.sh)"
    bash "$ROOT/scripts/build-server.sh"
  fi
  LOOM_SERVER="$ROOT/.artifacts/server/loom-language-server"
fi
if [ ! -x "$LOOM_SERVER" ]; then
  echo "loom: no server at $LOOM_SERVER; build it with scripts/build-server.sh" >&2
  exit 1
fi
export LOOM_SERVER

DATA="${XDG_DATA_HOME:-$HOME/.local/share}/loom"
mkdir -p "$DATA"
FILE="${1:-$DATA/demo.loom}"
if [ ! -e "$FILE" ]; then
  printf '%s' "The lighthouse keeper opened the log book and wrote:" > "$FILE"
  echo "loom: created $FILE"
fi

if [ -t 0 ] && [ -t 1 ] && [ "${CI:-}" != "true" ]; then
  exec nvim --clean -u "$PLUGIN/scripts/demo_init.lua" "$FILE"
fi

echo "loom: no terminal (or CI=true): headless demo run on $FILE"
exec nvim --headless --clean -u "$PLUGIN/scripts/demo_init.lua" "$FILE" -c 'lua (function()
  local loom = require("loom")
  local b = vim.api.nvim_get_current_buf()
  local function out(s) io.stdout:write(s .. "\n") end
  if not vim.wait(30000, function() return loom.state(b) ~= nil end, 20) then out("loom: the server did not answer"); vim.cmd("cquit 1") end
  local n0 = #(loom.state(b).children or {})
  loom.generate(3, b)
  if not vim.wait(30000, function() local s = loom.state(b); return s and not s.generating and #(s.children or {}) >= n0 + 3 and require("loom.ui").gens[b] == nil end, 20) then out("loom: generation did not finish"); vim.cmd("cquit 1") end
  out("status: " .. loom.status(b))
  for i, c in ipairs(loom.state(b).children) do out(("  child %d: %s"):format(i, (c.text:gsub("\n", " ")))) end
  out("loom: demo OK (run it in a terminal for the interactive editor)")
  require("loom.lsp").stop(); vim.wait(100); vim.cmd("qall!")
end)()'
