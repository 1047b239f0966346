/* LD_PRELOADed into LayerLab's processes on AMD CPUs by scripts/runtime-env.sh. libtorch-cpu's bundled MKL asks this
 * exported function whether the CPU is an Intel one and, when it is not, runs its generic ("def") GEMM kernels: 60
 * instead of 196 GFLOP/s fp32 on this AVX-512 EPYC. Answering yes lets MKL choose its kernels from the CPU's feature
 * bits like on Intel (AVX-512 where present, else AVX2). MKL is the only library that looks this symbol up.
 * Measured: docs/benchmarks.md, "Training step vs PyTorch (2026-11-23)"; bench/blas-avx512.sh. */
int mkl_serv_intel_cpu_true(void) { return 1; }
