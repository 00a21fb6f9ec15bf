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
# ReadyToRun (precompiled) starts faster: initialize is answered sooner. It needs the RID-specific
# crossgen package from NuGet; if that cannot be had, publish plain IL instead.
case "$(uname -m)" in
  x86_64|amd64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="" ;;
esac
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=osx ;;
  *) os="" ;;
esac
if [[ -n "$arch" && -n "$os" ]] && dotnet publish "$project" -c Release --self-contained false -r "$os-$arch" \
    -p:PublishReadyToRun=true -o "$out" -p:UseAppHost=true -nologo -v quiet; then
  :
else
  echo "ReadyToRun publish not available; publishing IL only" >&2
  dotnet publish "$project" -c Release --self-contained false -o "$out" -p:UseAppHost=true -nologo -v quiet
fi
touch "$stamp"
echo "published $out/loom-language-server"
