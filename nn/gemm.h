/* Matrix multiply for every op in nn/: OpenBLAS sgemm in the normal (fast) mode, a
 * portable C loop with a fixed summation order in reference mode (nn/mode.h). */
#ifndef SAMC_NN_GEMM_H
#define SAMC_NN_GEMM_H

/* Row-major C[M][N] = alpha * op(A)[M][K] @ op(B)[K][N] + beta * C, where op(X) is X or
 * its transpose (trans_a / trans_b nonzero), exactly like cblas_sgemm(CblasRowMajor, ...).
 * With beta == 0, C is only written. */
void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

#endif
