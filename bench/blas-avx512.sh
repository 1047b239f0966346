#!/usr/bin/env bash
# AVX-512 BLAS kernels on this AMD EPYC, TorchSharp and PyTorch alike, 1 thread, interleaved rounds.
#   bench/blas-avx512.sh [rounds=3] [cases=mm,lm1,xor]
# libtorch-cpu's MKL runs its generic kernels on AMD (a vendor check; scripts/mkl-intel-shim.c LD_PRELOADed answers it),
# Debian's OpenBLAS picks Haswell (AVX2) kernels for this CPU (OPENBLAS_CORETYPE=SkylakeX picks AVX-512). Both sides
# run with the glibc malloc tunables (scripts/runtime-env.sh). Prints a markdown table of medians (min–max); raw lines
# in bench/results/blas-<UTC>.jsonl. BENCH_CLOCK=cpu for thread CPU time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; CASES=${2:-mm,lm1,xor}
# The baselines run stock: without the shim and OpenBLAS's own core choice; each variant below adds its setting.
LAYERLAB_MKL_SHIM=0 source scripts/runtime-env.sh
PY=/usr/bin/python3
ARTIFACTS=${TRAINING_BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/layerlab-training-bench}
dotnet build bench/TrainingBench/TrainingBench.csproj -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
SHIM="$ARTIFACTS/libmkl-intel-shim.so"
cc -O2 -shared -fPIC -o "$SHIM" scripts/mkl-intel-shim.c
TS=(dotnet "$ARTIFACTS/bin/TrainingBench/release/TrainingBench.dll" --threads 1 --case "$CASES" --quick)
OUT="bench/results/blas-$(date -u +%Y%m%dT%H%M%SZ).jsonl"; : > "$OUT"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  for variant in ts ts_avx512 py py_avx512; do
    echo "round $r/$ROUNDS $variant" >&2
    case $variant in
      ts)        env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "${TS[@]}" --round "$r" ;;
      ts_avx512) env LD_PRELOAD="$SHIM" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "${TS[@]}" --round "$r" ;;
      py)        env OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" bench/training_bench.py --threads 1 --round "$r" --case "$CASES" --quick ;;
      py_avx512) env OPENBLAS_CORETYPE=SkylakeX OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$PY" bench/training_bench.py --threads 1 --round "$r" --case "$CASES" --quick ;;
    esac | sed -E "s/\"impl\": *\"[a-z_]*\"/\"impl\":\"$variant\"/" >> "$OUT"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$PY" - "$OUT" <<'PY'
import json, statistics, sys
from collections import defaultdict
v, unit = defaultdict(list), {}
for line in open(sys.argv[1]):
    if line.startswith("{"):
        r = json.loads(line); v[(r["case"], r["impl"])].append(r["value"]); unit[r["case"]] = r["unit"]
def m(c, i):
    x = v.get((c, i)); return statistics.median(x) if x else None
def cell(c, i):
    x = v.get((c, i)); return "–" if not x else f"{statistics.median(x):.3g} ({min(x):.3g}–{max(x):.3g})"
print("| case | unit | TorchSharp | TorchSharp + MKL shim | PyTorch | PyTorch + SkylakeX | TS ÷ PT | TS ÷ PT, both AVX-512 |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for c in sorted({c for c, _ in v}):
    inv = unit[c] in ("GFLOP/s",)   # higher is better: report time ratios
    def r(a, b):
        if not (m(c, a) and m(c, b)): return "–"
        x = m(c, a) / m(c, b); return f"{1 / x if inv else x:.2f}×"
    print(f"| {c} | {unit[c]} | {cell(c, 'ts')} | {cell(c, 'ts_avx512')} | {cell(c, 'py')} | {cell(c, 'py_avx512')} | {r('ts', 'py')} | {r('ts_avx512', 'py_avx512')} |")
print(f"\nraw: {sys.argv[1]}")
PY
