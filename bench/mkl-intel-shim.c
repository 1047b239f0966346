/* bench/blas-avx512.sh: LD_PRELOADed into TorchSharp processes. libtorch-cpu's bundled MKL asks this exported
 * function whether the CPU is an Intel one and, on AMD, falls back to its generic ("def") kernels; answering yes lets
 * it pick its kernels from the CPU's feature bits (AVX-512 on this EPYC). Not used by LayerLab itself. */
int mkl_serv_intel_cpu_true(void) { return 1; }
