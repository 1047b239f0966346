#!/usr/bin/env bash
# Compare chart first paint before/after a change, interleaved in one run (docs/benchmarks.md, "Chart first paint").
#   bench/chart-before-after.sh [BEFORE_REV=7225e79] [LiveBench chart options, e.g. --repeats 5 --label x]
# Builds the portal of BEFORE_REV from a `git archive` export under $TMPDIR (kept between calls: delete
# $TMPDIR/layerlab-chart-before to rebuild), takes its wwwroot/js modules, builds this checkout's portal
# and LiveBench, and runs `LiveBench chart` with both: two portal processes, each seeded with 20 runs × 100k points
# through the ingestion API, measured alternately (ABBA). One JSON line per variant on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-7225e79}; shift || true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source scripts/runtime-env.sh
TMP=${TMPDIR:-/tmp}
BEFORE=$TMP/layerlab-chart-before
if [[ ! -f $BEFORE/portal/LayerLab.Web.dll ]]; then
  echo "[chart] building the portal at $REV into $BEFORE" >&2
  rm -rf "$BEFORE"; mkdir -p "$BEFORE/js"
  mkdir -p "$BEFORE/src"; git archive "$REV" | tar -x -C "$BEFORE/src"
  dotnet build "$BEFORE/src/src/Web/LayerLab.Web.csproj" -c Release -nologo -v quiet >&2
  cp -r "$BEFORE/src/src/Web/bin/Release/net10.0" "$BEFORE/portal"
  cp "$BEFORE/src/wwwroot/js/"*.js "$BEFORE/js/" # every module: compare-chart.js's imports moved out of run-chart.js
  # $BEFORE/src stays: the build's static web assets manifest points into its obj/ folder.
fi
ARTIFACTS=$TMP/layerlab-live-bench-chart # not run-all.sh's folder: both may build at once
echo "[chart] building this checkout's portal and LiveBench; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dotnet build src/Web/LayerLab.Web.csproj -c Release -nologo -v quiet >&2
dotnet build bench/LiveBench/LiveBench.csproj -c Release --artifacts-path "$ARTIFACTS" -nologo -v quiet >&2
dotnet "$ARTIFACTS/bin/LiveBench/release/LiveBench.dll" chart --runs 20 --points 100000 \
  --before-portal "$BEFORE/portal/LayerLab.Web.dll" --before-js "$BEFORE/js" "$@"
echo "[chart] done; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
