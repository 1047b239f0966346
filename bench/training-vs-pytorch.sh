#!/usr/bin/env bash
# TorchSharp vs Python PyTorch training benchmark (issue #7, BARS "Training").
#   bench/training-vs-pytorch.sh [--quick] [--rounds N] [--cases mm,dispatch,xor,tiny,icl,lm1,lm4]
# Builds bench/TrainingBench once (into $TMPDIR/layerlab-training-bench, not src/*/bin), then runs rounds; in every round, at 1 and
# 2 threads, one process each of: TorchSharp and PyTorch, each with the OpenMP default wait policy and with
# OMP_WAIT_POLICY=PASSIVE (both libtorches use OpenMP),
# in an order rotated per round. Every process sets torch.set_num_threads(N); OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS are N for all of them (Debian's torch calls OpenBLAS, whose own pool ignores
# set_num_threads). Prints the environment and a markdown table of medians; raw JSON lines in bench/results/.
# Peer: apt-get install -y python3-torch libopenblas0 (use /usr/bin/python3, not the pyenv python).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=5; QUICK=""; CASES="mm,dispatch,xor,tiny,icl,lm1,lm4"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK="--quick"; ROUNDS=3; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --cases) CASES="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
source scripts/runtime-env.sh   # TorchSharp runs as lab.sh runs it (malloc thresholds, MKL's fast kernels on AMD)
# The peer gets the same: Debian's OpenBLAS does not know this CPU and runs AVX2 kernels (this machine's environment
# even pins OPENBLAS_CORETYPE=Haswell); SkylakeX is its AVX-512 setting where the CPU has AVX-512. PEER_CORETYPE=keep
# leaves the environment's choice.
if [[ "${PEER_CORETYPE:-}" != keep ]] && grep -q -m1 avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX; fi
# Build output outside the repository (src/*/bin and obj stay untouched; nothing for git to ignore).
ARTIFACTS=${TRAINING_BENCH_ARTIFACTS:-${TMPDIR:-/tmp}/layerlab-training-bench}
"$PY" -c "import torch" 2>/dev/null || { echo "need Debian's python3-torch: apt-get install -y python3-torch libopenblas0" >&2; exit 1; }
dotnet build bench/TrainingBench/TrainingBench.csproj -c Release --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
TS=(dotnet "$ARTIFACTS/bin/TrainingBench/release/TrainingBench.dll")
mkdir -p bench/results
OUT="bench/results/training-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
: > "$OUT"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
START=$(date +%s)

run_one() {  # impl threads round
  local impl=$1 t=$2 r=$3
  case "$impl" in
    torchsharp) env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "${TS[@]}" --threads "$t" --round "$r" --case "$CASES" $QUICK ;;
    torchsharp_passive) env OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "${TS[@]}" --threads "$t" --round "$r" --case "$CASES" $QUICK | sed 's/"impl":"torchsharp"/"impl":"torchsharp_passive"/' ;;
    pytorch) env OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$PY" bench/training_bench.py --threads "$t" --round "$r" --case "$CASES" $QUICK --label pytorch ;;
    pytorch_passive) env OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" "$PY" bench/training_bench.py --threads "$t" --round "$r" --case "$CASES" $QUICK --label pytorch_passive ;;
  esac
}

IMPLS=(torchsharp pytorch torchsharp_passive pytorch_passive)
for ((r = 1; r <= ROUNDS; r++)); do
  for t in 1 2; do
    for ((i = 0; i < 4; i++)); do
      impl=${IMPLS[$(((i + r) % 4))]}
      echo "round $r/$ROUNDS threads $t $impl" >&2
      run_one "$impl" "$t" "$r" >> "$OUT"
    done
  done
done
# The real xor-prelu default program end to end (XorTrainer.Run pins 1 intra-op thread itself).
for ((r = 1; r <= 3; r++)); do
  env OMP_NUM_THREADS=1 "${TS[@]}" --threads 1 --round "$r" --case xor-default >> "$OUT"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$(($(date +%s) - START))

echo "## Environment"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); wall time of the bench: ${ELAPSED} s; rounds: $ROUNDS ${QUICK:+(quick)}"
echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores visible"
echo "- load average (1/5/15 min) before: $LOAD_BEFORE, after: $LOAD_AFTER"
echo "- TorchSharp $(sed -n 's/.*"TorchSharp" Version="\([^"]*\)".*/\1/p' Directory.Packages.props) + libtorch-cpu $(sed -n 's/.*"libtorch-cpu-linux-x64" Version="\([^"]*\)".*/\1/p' Directory.Packages.props), .NET $(dotnet --version)"
echo "- PyTorch $("$PY" -c 'import torch; print(torch.__version__)') (Debian), Python $("$PY" -c 'import platform; print(platform.python_version())'), BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
echo "- TorchSharp LD_PRELOAD: ${LD_PRELOAD:-none}; PyTorch OPENBLAS_CORETYPE: ${OPENBLAS_CORETYPE:-auto}"
echo "- raw: $OUT"
echo
"$PY" bench/summarize_training.py "$OUT"
