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
