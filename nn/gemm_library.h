/* The GEMM library under nn_sgemm's fast mode, chosen when samc is built (`make GEMM=...`):
 * OpenBLAS (the default, nn/gemm_openblas.c) or oneDNN (GEMM=dnnl, nn/gemm_dnnl.c; Debian's
 * libdnnl-dev), whose sgemm has AVX-512 kernels that it picks from the CPU alone, where
 * OpenBLAS 0.3.21 runs its AVX2 Haswell kernel on CPUs it does not know or when the
 * environment sets OPENBLAS_CORETYPE=Haswell. README's performance section has the numbers
 * behind the default. Reference mode uses neither (nn/gemm.c). */
#ifndef SAMC_NN_GEMM_LIBRARY_H
#define SAMC_NN_GEMM_LIBRARY_H

/* One call of the library on the calling thread only, with the arguments of nn_sgemm. Its
 * bits depend on the shape, the operands and the CPU, not on the thread count. */
void nn_gemm_library_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc);

/* "OpenBLAS 0.3.21 (Haswell)", "oneDNN 2.6.3 (avx512_core)": for `samc info`, --timings and
 * make bench. A static string. */
const char *nn_gemm_library_name(void);

#endif
