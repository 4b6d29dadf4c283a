#include "nn/gemm.h"

#include <cblas.h>

#include "nn/mode.h"

/* Reference mode: each C[i][j] is the dot product of row i of op(A) and column j of op(B)
 * summed in one fixed order — eight interleaved partial sums (k mod 8), combined pairwise —
 * whatever the thread count; threads only split the rows of C. */
static void sgemm_portable(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                           const float *B, int ldb, float beta, float *C, int ldc) {
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = trans_b ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s[k & 7] += a * b;
            }
            float dot = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
            float *c = &C[(size_t)i * ldc + j];
            *c = beta == 0.0f ? alpha * dot : alpha * dot + beta * *c;
        }
    }
}

void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (nn_reference_mode()) {
        sgemm_portable(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

/* OpenBLAS's pthread build does not notice an OpenMP region: hold it at one thread */
int nn_sgemm_serial_begin(void) {
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return blas_threads;
}

void nn_sgemm_serial_end(int saved) { openblas_set_num_threads(saved); }

void nn_sgemm_blocks(int split_n, int block, int trans_a, int trans_b, int M, int N, int K, float alpha,
                     const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    int len = split_n ? N : M, nblk = (len + block - 1) / block;
    if (M <= 0 || N <= 0) return;
    int blas_threads = nn_sgemm_serial_begin();
    #pragma omp parallel for schedule(static)
    for (int b = 0; b < nblk; b++) {
        int i0 = b * block, n = len - i0 < block ? len - i0 : block;
        if (split_n) /* columns [i0, i0+n) of C: columns of op(B) */
            nn_sgemm(trans_a, trans_b, M, n, K, alpha, A, lda, trans_b ? B + (size_t)i0 * ldb : B + i0, ldb, beta,
                     C + i0, ldc);
        else /* rows [i0, i0+n) of C: rows of op(A) */
            nn_sgemm(trans_a, trans_b, n, N, K, alpha, trans_a ? A + i0 : A + (size_t)i0 * lda, lda, B, ldb, beta,
                     C + (size_t)i0 * ldc, ldc);
    }
    nn_sgemm_serial_end(blas_threads);
}
