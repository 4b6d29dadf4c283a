#include "nn/gemm.h"

#include <math.h>
#include <stddef.h>
#include <omp.h>

#include "nn/blas.h"
#include "nn/clones.h"
#include "nn/gemm_library.h"
#include "nn/lanes.h"
#include "nn/mode.h"

/* Fast mode, C = alpha * A @ B^T + beta * C for a few rows of A (M <= FEW_ROWS), such as a
 * Linear on the decoder's 7 prompt tokens: OpenBLAS would pack all of B (the weights) to use
 * each packed value M times. Here each row of B is read once, dotted with the M rows of A in
 * NN_LANES lane sums. Each C value is one thread's work: the same bits at any thread count. */
#define FEW_ROWS 8

__attribute__((always_inline)) static inline void few_rows_column(int M, int K, float alpha, const float *A, int lda,
                                                                  const float *b, float beta, float *C, int ldc) {
    float s[FEW_ROWS][NN_LANES] = {{0}};
    int kl = K - K % NN_LANES;
    for (int k = 0; k < kl; k += NN_LANES)
        #pragma GCC unroll 8
        for (int i = 0; i < M; i++)
            #pragma omp simd
            for (int l = 0; l < NN_LANES; l++) s[i][l] = fmaf(A[(size_t)i * lda + k + l], b[k + l], s[i][l]);
    for (int i = 0; i < M; i++) {
        float dot = nn_lanes_sum(s[i]);
        for (int k = kl; k < K; k++) dot = fmaf(A[(size_t)i * lda + k], b[k], dot);
        C[(size_t)i * ldc] = beta == 0.0f ? alpha * dot : alpha * dot + beta * C[(size_t)i * ldc];
    }
}

/* the row count a compile-time constant, so that the M x NN_LANES sums stay in registers */
#define FEW_ROWS_CASE(m)                                                                                       \
    case m:                                                                                                    \
        few_rows_column(m, K, alpha, A, lda, B + (size_t)j * ldb, beta, C + j, ldc);                           \
        break;

NN_CLONES static void sgemm_few_rows(int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                                     int ldb, float beta, float *C, int ldc) {
    #pragma omp parallel for schedule(static) if ((size_t)M * N * K > ((size_t)1 << 20))
    for (int j = 0; j < N; j++) {
        switch (M) {
            FEW_ROWS_CASE(1) FEW_ROWS_CASE(2) FEW_ROWS_CASE(3) FEW_ROWS_CASE(4)
            FEW_ROWS_CASE(5) FEW_ROWS_CASE(6) FEW_ROWS_CASE(7) FEW_ROWS_CASE(8)
        }
    }
}

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

/* Fast mode, one tile on the calling thread: the few-row loop or one call of the GEMM
 * library (nn/gemm_library.h; OpenBLAS is held at one thread). */
static void sgemm_tile(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
                       const float *B, int ldb, float beta, float *C, int ldc) {
    if (!trans_a && trans_b && M <= FEW_ROWS && K >= 8 * NN_LANES) {
        sgemm_few_rows(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    nn_gemm_library_sgemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void nn_sgemm_tiled(int tile_m, int tile_n, int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (nn_reference_mode()) { /* per element one fixed order: tiles change nothing */
        sgemm_portable(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    nn_blas_hold_serial();
    if (tile_m < 1 || tile_m > M) tile_m = M;
    if (tile_n < 1 || tile_n > N) tile_n = N;
    long nm = (M + tile_m - 1) / tile_m, nn = (N + tile_n - 1) / tile_n, tiles = nm * nn;
    if (tiles == 1) { /* no parallel region at all: most calls inside other ops' regions */
        sgemm_tile(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    #pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (long t = 0; t < tiles; t++) {
        int i0 = (int)(t / nn) * tile_m, j0 = (int)(t % nn) * tile_n;
        int m = M - i0 < tile_m ? M - i0 : tile_m, n = N - j0 < tile_n ? N - j0 : tile_n;
        /* rows [i0, i0+m) of op(A), columns [j0, j0+n) of op(B) */
        const float *a = trans_a ? A + i0 : A + (size_t)i0 * lda;
        const float *b = trans_b ? B + (size_t)j0 * ldb : B + j0;
        sgemm_tile(trans_a, trans_b, m, n, K, alpha, a, lda, b, ldb, beta, C + (size_t)i0 * ldc + j0, ldc);
    }
}

/* len cut into `parts` equal parts, rounded up to a multiple of `grain` */
static int part_size(int len, int parts, int grain) {
    int size = (len + parts - 1) / parts;
    size = (size + grain - 1) / grain * grain;
    return size < len ? size : len;
}

static int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

void nn_sgemm_tile_size(int M, int N, int *tile_m, int *tile_n) {
    if (M < 1) M = 1;
    if (N < 1) N = 1;
    /* columns: whole blocks of 64 (every GEMM kernel's register tile divides it), in an even
     * count when more than one: an odd count would need 16 row parts to make a multiple of 16
     * tiles, one part fewer (at most 1.5 NN_TILE_N wide) needs 8, and each row part packs the
     * weights once more (ViT-H's lin1, 5120 columns: 8 x 2 tiles are 8 % faster at 2 threads
     * than 16 x 3) */
    int cols = (N + NN_TILE_N - 1) / NN_TILE_N;
    if (cols > 1 && cols % 2) cols--;
    *tile_n = part_size(N, cols, 64);
    /* rows: rounded up to a count that makes cols * rows a multiple of NN_TILE_SHARE when
     * the parts stay at least NN_TILE_M_MIN rows; blocks of 16 rows, so that the parts
     * stay nearly equal (4900 rows in 16 parts: 15 of 320 and one of 100) */
    int rows = (M + NN_TILE_M - 1) / NN_TILE_M, step = NN_TILE_SHARE / gcd(NN_TILE_SHARE, cols);
    int even = (rows + step - 1) / step * step;
    if (M / even >= NN_TILE_M_MIN) rows = even;
    *tile_m = part_size(M, rows, 16);
}

void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    int tile_m, tile_n;
    nn_sgemm_tile_size(M, N, &tile_m, &tile_n);
    nn_sgemm_tiled(tile_m, tile_n, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
