/* Matrix multiply for every op in nn/: OpenBLAS sgemm in the normal (fast) mode, a
 * portable C loop with a fixed summation order in reference mode (nn/mode.h). */
#ifndef SAMC_NN_GEMM_H
#define SAMC_NN_GEMM_H

/* Row-major C[M][N] = alpha * op(A)[M][K] @ op(B)[K][N] + beta * C, where op(X) is X or
 * its transpose (trans_a / trans_b nonzero), exactly like cblas_sgemm(CblasRowMajor, ...).
 * With beta == 0, C is only written. */
void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

/* nn_sgemm with C cut into fixed blocks of `block` rows (split_n 0) or columns (split_n 1),
 * the blocks shared among the OpenMP threads, each one single-threaded sgemm (OpenBLAS held
 * at one thread meanwhile, a process-wide setting restored on return). For products too
 * narrow for OpenBLAS's own threading to pay, and so that OpenBLAS's threads do not compete
 * with OpenMP's. The blocks do not depend on the thread count: neither do the bits. */
void nn_sgemm_blocks(int split_n, int block, int trans_a, int trans_b, int M, int N, int K, float alpha,
                     const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* Around an OpenMP region whose threads each call nn_sgemm: holds OpenBLAS at one thread
 * (its own pool would compete with OpenMP's) and returns the setting that _end restores. */
int nn_sgemm_serial_begin(void);
void nn_sgemm_serial_end(int saved);

#endif
