#!/usr/bin/env bash
# Publishes the language server (framework-dependent, Release) into <repo>/.artifacts/server/,
# so that `.artifacts/server/loom-language-server --stdio` runs. Idempotent; quick when up to date.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$repo/.artifacts/server"
project="$repo/src/Loom.LanguageServer/Loom.LanguageServer.csproj"
stamp="$out/.build-stamp"

# Up to date when no source, project or props file is newer than the last publish.
if [[ -x "$out/loom-language-server" && -f "$stamp" ]]; then
  newer="$(find "$repo/src/Loom.LanguageServer" "$repo/src/Loom.Core" "$repo/Directory.Build.props" "$repo/Directory.Packages.props" \
    \( -path '*/bin' -o -path '*/obj' \) -prune -o -type f -newer "$stamp" -print -quit)"
  if [[ -z "$newer" ]]; then
    echo "loom-language-server is up to date: $out/loom-language-server"
    exit 0
  fi
fi

mkdir -p "$out"
dotnet publish "$project" -c Release --self-contained false -o "$out" -p:UseAppHost=true -nologo -v quiet
touch "$stamp"
echo "published $out/loom-language-server"
