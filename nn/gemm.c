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

int nn_sgemm_cut_part(const nn_sgemm_cut *cut, int p, int *row0) {
    /* part p: blocks [p * blocks / parts, (p + 1) * blocks / parts) */
    long long blocks = (cut->M + cut->block - 1) / cut->block;
    long long b0 = p * blocks / cut->row_parts, b1 = (p + 1) * blocks / cut->row_parts;
    long long r0 = b0 * cut->block, r1 = b1 * cut->block;
    *row0 = (int)r0;
    return (int)((r1 < cut->M ? r1 : cut->M) - r0);
}

int nn_sgemm_cut_max_rows(const nn_sgemm_cut *cut) {
    long long blocks = (cut->M + cut->block - 1) / cut->block;
    long long most = (blocks + cut->row_parts - 1) / cut->row_parts * cut->block;
    return most < cut->M ? (int)most : cut->M;
}

static int cut_cols(const nn_sgemm_cut *cut) { return (cut->N + cut->tile_n - 1) / cut->tile_n; }

int nn_sgemm_cut_tiles(const nn_sgemm_cut *cut) { return cut->row_parts * cut_cols(cut); }

/* Fast mode: the cut's tiles shared among the threads (on the calling thread inside a
 * parallel region) */
static void sgemm_cut(const nn_sgemm_cut *cut, int trans_a, int trans_b, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    nn_blas_hold_serial();
    int nn = cut_cols(cut), tiles = nn_sgemm_cut_tiles(cut);
    if (tiles == 1) { /* no parallel region at all: most calls inside other ops' regions */
        sgemm_tile(trans_a, trans_b, cut->M, cut->N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    #pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < tiles; t++) {
        int i0, m = nn_sgemm_cut_part(cut, t / nn, &i0), j0 = t % nn * cut->tile_n;
        int n = cut->N - j0 < cut->tile_n ? cut->N - j0 : cut->tile_n;
        /* rows [i0, i0+m) of op(A), columns [j0, j0+n) of op(B) */
        const float *a = trans_a ? A + i0 : A + (size_t)i0 * lda;
        const float *b = trans_b ? B + (size_t)j0 * ldb : B + j0;
        sgemm_tile(trans_a, trans_b, m, n, K, alpha, a, lda, b, ldb, beta, C + (size_t)i0 * ldc + j0, ldc);
    }
}

void nn_sgemm_tiled(int tile_m, int tile_n, int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (nn_reference_mode()) { /* per element one fixed order: tiles change nothing */
        sgemm_portable(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (tile_m < 1 || tile_m > M) tile_m = M;
    if (tile_n < 1 || tile_n > N) tile_n = N;
    /* parts of one block each: tiles of tile_m rows, the last smaller */
    nn_sgemm_cut cut = {.M = M, .N = N, .row_parts = (M + tile_m - 1) / tile_m, .block = tile_m, .tile_n = tile_n};
    sgemm_cut(&cut, trans_a, trans_b, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* the least multiple of step that is >= n */
static int round_up(int n, int step) { return (n + step - 1) / step * step; }

/* len cut into `parts` equal parts, rounded up to a multiple of `grain` */
static int part_size(int len, int parts, int grain) {
    int size = round_up((len + parts - 1) / parts, grain);
    return size < len ? size : len;
}

static int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

/* rows fixed by the shape: parts for NN_TILE_SHARE threads where they keep NN_TILE_M_MIN rows */
static int row_parts_by_shape(int M, int col_parts) {
    int rows = (M + NN_TILE_M - 1) / NN_TILE_M;
    int even = round_up(rows, NN_TILE_SHARE / gcd(NN_TILE_SHARE, col_parts));
    return M / even >= NN_TILE_M_MIN ? even : rows;
}

/* rows for `threads` threads (cuts that change no bit) */
static int row_parts_for_threads(int M, int col_parts, int threads) {
    int rows = (M + NN_TILE_M - 1) / NN_TILE_M, most = M / NN_TILE_M_MIN;
    int even = round_up(rows, threads / gcd(threads, col_parts));
    if (even <= most) return even;
    return most > rows ? most : rows;
}

void nn_sgemm_cut_make(nn_sgemm_cut *cut, int M, int N, int K, int threads) {
    if (M < 1) M = 1;
    if (N < 1) N = 1;
    if (threads < 1) threads = 1;
    int cols = (N + NN_TILE_N - 1) / NN_TILE_N;
    if (cols > 1 && cols % 2) cols--;
    cut->M = M;
    cut->N = N;
    cut->tile_n = part_size(N, cols, 64);
    cols = cut_cols(cut);
    /* every part keeps NN_TILE_M_MIN / 2 rows (or is the whole product): every call then
     * has at least NN_GEMM_FREE_MNK multiply-adds, or there is one part at any thread count */
    int block = nn_gemm_library_row_block();
    if (block > 0 && K > 0 && (double)N * K * (NN_TILE_M_MIN / 2) >= (double)NN_GEMM_FREE_MNK) {
        cut->block = block;
        cut->row_parts = row_parts_for_threads(M, cols, threads);
    } else {
        cut->block = 16;
        cut->row_parts = row_parts_by_shape(M, cols);
    }
    int blocks = (M + cut->block - 1) / cut->block;
    if (cut->row_parts > blocks) cut->row_parts = blocks;
}

void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (nn_reference_mode()) {
        sgemm_portable(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    nn_sgemm_cut cut;
    nn_sgemm_cut_make(&cut, M, N, K, omp_in_parallel() ? 1 : omp_get_max_threads());
    sgemm_cut(&cut, trans_a, trans_b, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
