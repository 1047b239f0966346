#!/usr/bin/env bash
# glibc malloc tunables (lab.sh / Dockerfile) on and off, TorchSharp and PyTorch alike, 1 thread, interleaved rounds.
#   bench/malloc-tunables.sh [rounds=3] [cases=xor,icl,lm1]
# Prints a markdown table of medians (min–max); raw lines in bench/results/malloc-<UTC>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; CASES=${2:-xor,icl,lm1}
source scripts/runtime-env.sh; TUNABLES="$LAYERLAB_GLIBC_TUNABLES"   # the value lab.sh exports
PY=/usr/bin/python3
ARTIFACTS=${TRAINING_BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/layerlab-training-bench}
dotnet build bench/TrainingBench/TrainingBench.csproj -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
OUT="bench/results/malloc-$(date -u +%Y%m%dT%H%M%SZ).jsonl"; : > "$OUT"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  for variant in ts ts_tuned py py_tuned; do
    echo "round $r/$ROUNDS $variant" >&2
    case $variant in
      ts)       env -u GLIBC_TUNABLES OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 dotnet "$ARTIFACTS/bin/TrainingBench/release/TrainingBench.dll" --threads 1 --round "$r" --case "$CASES" --quick ;;
      ts_tuned) env GLIBC_TUNABLES="$TUNABLES" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 dotnet "$ARTIFACTS/bin/TrainingBench/release/TrainingBench.dll" --threads 1 --round "$r" --case "$CASES" --quick ;;
      py)       env -u GLIBC_TUNABLES OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" bench/training_bench.py --threads 1 --round "$r" --case "$CASES" --quick --label pytorch ;;
      py_tuned) env GLIBC_TUNABLES="$TUNABLES" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" bench/training_bench.py --threads 1 --round "$r" --case "$CASES" --quick --label pytorch ;;
    esac | sed -E "s/\"impl\": *\"[a-z_]*\"/\"impl\":\"$variant\"/" >> "$OUT"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$PY" - "$OUT" <<'PY'
import json, statistics, sys
from collections import defaultdict
v = defaultdict(list)
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line); v[(r["case"], r["impl"])].append(r["value"])
cases = sorted({c for c, _ in v})
def m(c, i):
    x = v.get((c, i)); return statistics.median(x) if x else None
def cell(c, i):
    x = v.get((c, i)); return "–" if not x else f"{statistics.median(x):.3g} ({min(x):.3g}–{max(x):.3g})"
print("| case | TorchSharp | TorchSharp + tunables | PyTorch | PyTorch + tunables | TS ÷ PT (default) | TS ÷ PT (both tuned) | TS tuned ÷ PT default |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for c in cases:
    r = lambda a, b: f"{m(c, a) / m(c, b):.2f}×" if m(c, a) and m(c, b) else "–"
    print(f"| {c} | {cell(c, 'ts')} | {cell(c, 'ts_tuned')} | {cell(c, 'py')} | {cell(c, 'py_tuned')} | {r('ts', 'py')} | {r('ts_tuned', 'py_tuned')} | {r('ts_tuned', 'py')} |")
print(f"\nraw: {sys.argv[1]}")
PY
