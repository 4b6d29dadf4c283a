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

/* The rows at which a product may be cut into separate calls without changing a bit of C
 * (nn_sgemm then cuts its rows for the thread count, nn/gemm.h): each C value is summed in
 * an order that depends on where its row falls in the kernel's block of rows, so cuts at
 * whole blocks change nothing, on calls of at least NN_GEMM_FREE_MNK multiply-adds (smaller
 * calls may take other kernels: OpenBLAS's small-matrix and direct paths). 0 where that is
 * not known to hold: the rows are then cut by the shape alone. test_nn checks it. */
int nn_gemm_library_row_block(void);

/* OpenBLAS 0.3.21 sends products of fewer multiply-adds elsewhere: sgemm_direct below
 * 28 * 512 * 512 (7.3e6; AVX-512 CPUs, A @ B, alpha 1, beta 0), the SkylakeX small-matrix
 * kernels at most 1e6 */
#define NN_GEMM_FREE_MNK ((size_t)1 << 23)

/* "OpenBLAS 0.3.21 (Haswell)", "oneDNN 2.6.3 (avx512_core)": for `samc info`, --timings and
 * make bench. A static string. */
const char *nn_gemm_library_name(void);

#endif
