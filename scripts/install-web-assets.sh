#!/usr/bin/env bash
# Installs the browser libraries the portal serves (uPlot, the SignalR JS client) from npm
# and copies their dist files into wwwroot/lib/ (git-ignored).  axe-core goes to test-assets/
# instead (git-ignored, outside wwwroot): only the browser tests inject it, so the portal never serves it.
# Idempotent and fast: when wwwroot/lib/ already holds the files for the current
# package-lock.json (a stamp file records its hash), it does nothing.
# Prints one line saying what it did.  Needs node + npm.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
lib="$root/wwwroot/lib"
stamp="$lib/.web-assets.stamp"

# source (under node_modules) -> file name in wwwroot/lib
files=(
  "uplot/dist/uPlot.iife.min.js:uPlot.iife.min.js"
  "uplot/dist/uPlot.min.css:uPlot.min.css"
  "@microsoft/signalr/dist/browser/signalr.min.js:signalr.min.js"
  "@microsoft/signalr/dist/browser/signalr.min.js.map:signalr.min.js.map"
)
# source (under node_modules) -> file name in test-assets/ (used by tests/EndToEnd/Browser/AccessibilityTests.cs)
test_files=(
  "axe-core/axe.min.js:axe.min.js"
)
test_assets="$root/test-assets"

if ! command -v npm >/dev/null 2>&1; then
  echo "[web-assets] ERROR: npm is not on PATH (install Node.js 18+ and npm)" >&2
  exit 1
fi

if [[ -f package-lock.json ]]; then
  want="$(cat package.json package-lock.json "${BASH_SOURCE[0]}" | sha256sum | cut -c1-64)"
else
  want=""
fi

all_present() {
  local f
  for f in "${files[@]}"; do [[ -s "$lib/${f##*:}" ]] || return 1; done
  for f in "${test_files[@]}"; do [[ -s "$test_assets/${f##*:}" ]] || return 1; done
}

if [[ -n "$want" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && all_present; then
  echo "[web-assets] wwwroot/lib and test-assets already up to date (uplot, @microsoft/signalr, axe-core) - nothing to do"
  exit 0
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if [[ -f package-lock.json ]]; then how="npm ci"; else how="npm install"; fi
if ! $how --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
  echo "[web-assets] ERROR: '$how' failed:" >&2
  cat "$log" >&2
  exit 1
fi

mkdir -p "$lib"
for f in "${files[@]}"; do
  cp -f "node_modules/${f%%:*}" "$lib/${f##*:}"
done
mkdir -p "$test_assets"
for f in "${test_files[@]}"; do
  cp -f "node_modules/${f%%:*}" "$test_assets/${f##*:}"
done
[[ -f package-lock.json ]] && want="$(cat package.json package-lock.json "${BASH_SOURCE[0]}" | sha256sum | cut -c1-64)"
echo "$want" >"$stamp"

ver() { node -p "require('./node_modules/$1/package.json').version" 2>/dev/null || echo '?'; }
echo "[web-assets] $how done; copied uPlot $(ver uplot) and @microsoft/signalr $(ver @microsoft/signalr) into wwwroot/lib/, axe-core $(ver axe-core) into test-assets/"
