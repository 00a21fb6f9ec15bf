#!/usr/bin/env bash
# Runs every test of Loom: the C# suites (core, providers, formats, CLI, language server), then the
# Neovim and VS Code end-to-end suites against the real server. Installs what it needs (idempotent,
# cached). Prints one closing line "loom: N passed, N failed" and exits non-zero if anything failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p test-results
passed=0
failed=0
status=0

# count "<label>: N passed, N failed" lines printed by a step into the totals
tally() {
  local line p f
  line=$(grep -E '^[A-Za-z0-9_ -]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -n "$line" ]; then
    p=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/' <<<"$line")
    f=$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f))
  fi
}

step() {
  local name=$1; shift
  local log="test-results/$name.log"
  echo "==> $name"
  if "$@" 2>&1 | tee "$log"; then :; else
    echo "!! $name failed"; status=1
    # a step that failed without reporting its own failures still counts as one failure
    grep -qE '^[A-Za-z0-9_ -]+: [0-9]+ passed, [1-9][0-9]* failed' "$log" || failed=$((failed + 1))
  fi
  tally "$log"
}

dotnet_tests() {
  dotnet build Loom.sln -c Release -warnaserror -nologo -v q || return 1
  local out rc=0
  out=$(mktemp)
  dotnet test Loom.sln -c Release --no-build --nologo -v q --logger "console;verbosity=minimal" 2>&1 | tee "$out" || rc=1
  local p f
  p=$(grep -oE 'Passed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  f=$(grep -oE 'Failed: +[0-9]+' "$out" | awk '{s+=$2} END {print s+0}')
  echo "dotnet: $p passed, $f failed"
  rm -f "$out"
  return $rc
}

step dotnet dotnet_tests
step server-build bash scripts/build-server.sh
export LOOM_SERVER="$repo/.artifacts/server/loom-language-server"
if [ -f clients/neovim/tests/run.sh ]; then step neovim bash clients/neovim/tests/run.sh; fi
if [ -f clients/vscode/scripts/test.sh ]; then step vscode bash clients/vscode/scripts/test.sh; fi

echo "loom: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
