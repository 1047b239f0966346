#!/usr/bin/env bash
# Every benchmark of docs/benchmarks.md in one command (issue #7). Results: bench/results/all-<UTC>.jsonl (one JSON
# line per measurement, PortalBench's table as {"bench":"portal_bench","line":...}) and a markdown table on stdout
# (bench/summarize_all.py) with each figure, its BARS target and met / missed.
#   bench/run-all.sh            full: training 5 rounds, latency 3 × 20 s, chart 5 repeats, 3 cold starts + 20 runs, 100k runs
#   bench/run-all.sh --quick    ~10 min: training --quick, latency 2 × 8 s, chart 3, 2 cold starts + 10 runs, 20k runs
# The machine is shared and noisy: the live benches alternate (latency, chart, startup) per round; quote medians.
set -euo pipefail
cd "$(dirname "$0")/.."
QUICK=0; [[ "${1:-}" == "--quick" ]] && QUICK=1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# As lab.sh runs the portal; the training bench inherits the malloc thresholds, PyTorch included.
source scripts/runtime-env.sh
mkdir -p bench/results
OUT="bench/results/all-$(date -u +%Y%m%dT%H%M%SZ).jsonl"; : > "$OUT"
ARTIFACTS=${TMPDIR:-/tmp}/layerlab-live-bench
echo "[bench] building the portal (Release) and bench/LiveBench; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dotnet build src/Web/LayerLab.Web.csproj -c Release -nologo -v quiet >&2
dotnet build bench/LiveBench/LiveBench.csproj -c Release --artifacts-path "$ARTIFACTS" -nologo -v quiet >&2
LIVE=(dotnet "$ARTIFACTS/bin/LiveBench/release/LiveBench.dll")

if ((QUICK)); then ROUNDS=2; SECONDS_=8; CHART=3; STARTS=1; RUNS=10; PORTAL_RUNS=20000; TRAIN=(--quick)
else ROUNDS=3; SECONDS_=20; CHART=5; STARTS=1; RUNS=20; PORTAL_RUNS=100000; TRAIN=(); fi

# 1. Live portal benches, alternating so that load changes hit all of them alike.
for ((r = 1; r <= ROUNDS; r++)); do
  echo "[bench] round $r/$ROUNDS: report→browser latency" >&2
  "${LIVE[@]}" latency --runs 20 --hz 50 --viewers 50 --seconds "$SECONDS_" --warmup 3 --label "round$r" >> "$OUT"
  echo "[bench] round $r/$ROUNDS: chart render" >&2
  "${LIVE[@]}" chart --runs 20 --points 100000 --repeats "$CHART" --label "round$r" >> "$OUT"
  echo "[bench] round $r/$ROUNDS: cold start, idle RSS, enqueue→start" >&2
  "${LIVE[@]}" startup --starts "$STARTS" --runs "$RUNS" --label "round$r" >> "$OUT"
done

# 2. Run list / leaderboard at scale and ingestion throughput (in-process, temporary SQLite).
echo "[bench] PortalBench at $PORTAL_RUNS runs" >&2
dotnet run -c Release --project bench/PortalBench -- --runs "$PORTAL_RUNS" | tee /dev/stderr |
  python3 -c 'import json,sys; [print(json.dumps({"bench":"portal_bench","line":l.rstrip()})) for l in sys.stdin if l.startswith("|")]' >> "$OUT"

# 3. Training vs PyTorch (its own interleaving and raw file; the summary line points at it).
echo "[bench] training vs PyTorch" >&2
bench/training-vs-pytorch.sh "${TRAIN[@]}" > "${OUT%.jsonl}-training.md"
echo "{\"bench\":\"training\",\"table\":\"${OUT%.jsonl}-training.md\"}" >> "$OUT"

echo "[bench] done; load $(cut -d' ' -f1-3 /proc/loadavg); raw: $OUT" >&2
python3 bench/summarize_all.py "$OUT"
