#!/usr/bin/env bash
# tiny-lm 1-layer default: training tokens/s of the experiment's own TinyTransformer (TorchSharp) vs the same model in
# PyTorch (bench/training_bench.py "tinylm": same architecture, init scheme aside, same batch 32 × context 64, width 64,
# 2 heads, AdamW), one thread each (the trainer's SingleIntraOpThread), N rounds in alternating order; prints each
# round, the medians and the ratio, with lscpu and the load average.
#   bench/tinylm-vs-pytorch.sh [rounds=5]
# Also: dotnet TrainingBench.dll --case tinylm-run (default run through TrainAsync) and
#       --case tinylm-study:depth-at-equal-tokens | tinylm-study:depth-at-equal-parameters (a study, sequentially).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
PY=/usr/bin/python3
source scripts/runtime-env.sh
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
"$PY" -c "import torch" 2>/dev/null || { echo "need Debian's python3-torch: apt-get install -y python3-torch libopenblas0" >&2; exit 1; }
ARTIFACTS=${TRAINING_BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/layerlab-training-bench}
dotnet build bench/TrainingBench -c Release -nologo -v quiet -o "$ARTIFACTS/out" >/dev/null
lscpu | grep -E 'Model name|^CPU\(s\)' ; echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
VOCAB=$(cd "$ARTIFACTS/out" && dotnet TrainingBench.dll --case tinylm --quick | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["vocab"])')
out=bench/results/tinylm-vs-pytorch-$(date -u +%Y%m%dT%H%M%S).jsonl; mkdir -p bench/results; : > "$out"
for r in $(seq 1 "$ROUNDS"); do
  ts() { (cd "$ARTIFACTS/out" && dotnet TrainingBench.dll --threads 1 --case tinylm --round "$r") >> "$out"; }
  py() { "$PY" bench/training_bench.py --threads 1 --case tinylm --round "$r" --vocab "$VOCAB" >> "$out"; }
  if (( r % 2 )); then ts; py; else py; ts; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
by = {}
for r in rows: by.setdefault(r["impl"], []).append(r["value"])
for impl, v in by.items(): print(f"{impl:10s} tokens/s per round: {', '.join(f'{x:,.0f}' for x in v)}  median {statistics.median(v):,.0f}")
ts, py = statistics.median(by["torchsharp"]), statistics.median(by["pytorch"])
print(f"ratio TorchSharp / PyTorch (medians): {ts / py:.2f}")
PY
echo "raw: $out"
