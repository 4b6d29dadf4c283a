/* Matrix multiply for every op in nn/: tiles of single-threaded OpenBLAS sgemm calls shared
 * among the OpenMP threads in the normal (fast) mode, a portable C loop with a fixed
 * summation order in reference mode (nn/mode.h).
 *
 * Fast mode gives the same bits at any thread count because samc, not OpenBLAS, splits a
 * product: C is cut into tiles whose sizes depend on the shape alone, each tile is one
 * OpenBLAS call on one thread (OpenBLAS is held at one thread, nn/blas.h), and which thread
 * takes a tile does not change what the call computes. OpenBLAS's own split would: its AVX2
 * kernels (Haswell, Zen) sum a row in another order when the row falls in a partial block of
 * the rows a thread got, and where its threads' rows start depends on their count. */
#ifndef SAMC_NN_GEMM_H
#define SAMC_NN_GEMM_H

/* Row-major C[M][N] = alpha * op(A)[M][K] @ op(B)[K][N] + beta * C, where op(X) is X or
 * its transpose (trans_a / trans_b nonzero), exactly like cblas_sgemm(CblasRowMajor, ...).
 * With beta == 0, C is only written. The tiles (nn_sgemm_tile_size) depend on the shape
 * alone: columns cut into equal parts of at most NN_TILE_N (an even count of parts of at
 * most 1.5 NN_TILE_N when there are several), rows into equal parts of at most NN_TILE_M,
 * and, where the rows allow parts of at least NN_TILE_M_MIN, into more parts so that the
 * tile count is a multiple of NN_TILE_SHARE: then 2, 4, 8 and 16 threads get equal
 * shares of a ViT encoder's products (16 tiles each; with tiles of up to 1024 rows and no
 * such rounding ViT-B's proj and lin2, 5/12 of its products' work, were 4-5 tiles, and 16
 * threads idled three quarters of the time in them). Each tile is one library call that packs
 * its operands anew, the weights once per row part: so the parts stay as large as a multiple
 * of 16 tiles allows (qkv and lin1, two column parts, in 8 row parts of 512-624 rows: 2-6 %
 * faster at 2 threads than in 16 of 256-320; bench_sgemm prints nn_sgemm beside OpenBLAS's
 * own split). Called from inside an OpenMP region, the tiles run on the calling thread. */
#define NN_TILE_M 640
#define NN_TILE_M_MIN 192
#define NN_TILE_N 2048
#define NN_TILE_SHARE 16
void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

/* The tile nn_sgemm cuts an M x N product into (the last ones smaller), for callers that
 * compute its tiles one by one and must get nn_sgemm's bits. */
void nn_sgemm_tile_size(int M, int N, int *tile_m, int *tile_n);

/* nn_sgemm with tiles of exactly tile_m rows x tile_n columns of C (the last ones smaller;
 * 0: all rows, all columns), for callers that size the tiles to their caches. */
void nn_sgemm_tiled(int tile_m, int tile_n, int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

#endif
