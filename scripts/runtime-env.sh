# The runtime settings LayerLab's processes train under; sourced by lab.sh, scripts/run-tests.sh and bench/run-all.sh
# (the Dockerfile sets the same values with ENV). Values already in the environment win.

# A 128 MB gen0 budget makes garbage collections ~20x rarer during training. Why: TorchSharp 0.107 can free a
# temporary native Scalar while libtorch still reads it if a GC lands mid-call (rare "Scalar.h" errors; upstream
# dotnet/TorchSharp PR 1434). Fewer GCs, far fewer chances. Our own hot loops also pin their Scalars (ScalarPins).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x8000000}"

# glibc malloc: serve blocks up to 64 MB from the heap (not fresh mmap/munmap each time) and give heap memory back to
# the OS only above 256 MB free. Why: libtorch's per-step temporaries (hundreds of KB to MBs) were otherwise returned
# and page-faulted in again every training step; with these the 1-layer LM step takes 23–26 % less CPU time (PyTorch
# gains as much from them; docs/benchmarks.md, bench/malloc-tunables.sh). Cost: up to that much freed memory stays in
# the process. Read by glibc at process start, so it has to be in the environment, not set from C#.
LAYERLAB_GLIBC_TUNABLES="glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=268435456"
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-$LAYERLAB_GLIBC_TUNABLES}"

# MKL's fast kernels on AMD CPUs. Why: libtorch's bundled MKL checks the CPU vendor and on AMD runs its generic GEMM
# kernels, 3.3x slower than its AVX-512 ones on this EPYC; scripts/mkl-intel-shim.c answers the check (1-layer LM step
# 122 -> 74 ms; docs/benchmarks.md). MKL still picks kernels from the CPU's feature bits. Opt out: LAYERLAB_MKL_SHIM=0.
if [[ "${LAYERLAB_MKL_SHIM:-1}" != 0 ]] && grep -q -m1 AuthenticAMD /proc/cpuinfo 2>/dev/null; then
  _layerlab_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  _layerlab_shim="${XDG_CACHE_HOME:-$HOME/.cache}/layerlab/libmkl-intel-shim.so"
  if [[ ! -f "$_layerlab_shim" || "$_layerlab_root/scripts/mkl-intel-shim.c" -nt "$_layerlab_shim" ]]; then
    mkdir -p "$(dirname "$_layerlab_shim")"
    if ! cc -O2 -shared -fPIC -o "$_layerlab_shim" "$_layerlab_root/scripts/mkl-intel-shim.c" 2>/dev/null; then
      echo "[layerlab] no C compiler: MKL keeps its generic kernels on this AMD CPU (slower matmuls; see scripts/runtime-env.sh)" >&2
      rm -f "$_layerlab_shim"
    fi
  fi
  if [[ -f "$_layerlab_shim" && ":${LD_PRELOAD:-}:" != *":$_layerlab_shim:"* ]]; then
    export LD_PRELOAD="$_layerlab_shim${LD_PRELOAD:+:$LD_PRELOAD}"
  fi
  unset _layerlab_root _layerlab_shim
fi
