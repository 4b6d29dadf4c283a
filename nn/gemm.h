/* Matrix multiply for every op in nn/: tiles of single-threaded library sgemm calls shared
 * among the OpenMP threads in the normal (fast) mode, a portable C loop with a fixed
 * summation order in reference mode (nn/mode.h).
 *
 * Fast mode gives the same bits at any thread count because samc, not OpenBLAS, splits a
 * product into calls, each on one thread (OpenBLAS is held at one thread, nn/blas.h), and
 * which thread makes a call does not change what it computes. OpenBLAS's own split would:
 * its AVX2 kernels (Haswell, Zen) sum a row in another order when the row falls in a partial
 * block of the rows a thread got, and where its threads' rows start depends on their count.
 * samc cuts the columns by the shape alone, and the rows either at whole blocks of the
 * kernel's rows, which change no bit (nn_gemm_library_row_block), so as many parts as the
 * threads need, or, where that is not known to hold, by the shape alone. */
#ifndef SAMC_NN_GEMM_H
#define SAMC_NN_GEMM_H

/* Row-major C[M][N] = alpha * op(A)[M][K] @ op(B)[K][N] + beta * C, where op(X) is X or
 * its transpose (trans_a / trans_b nonzero), exactly like cblas_sgemm(CblasRowMajor, ...).
 * With beta == 0, C is only written. The tiles are nn_sgemm_cut's for the OpenMP thread
 * count (one thread when called from inside an OpenMP region: then the tiles run on the
 * calling thread). */
void nn_sgemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc);

/* How nn_sgemm cuts C[M][N] into tiles: columns into parts of tile_n (the last smaller), rows
 * into row_parts parts of whole blocks of `block` rows, within one block of each other in
 * size (the last may lack part of a block). Every tile is one library call, which packs its
 * operands anew, the weights once per row part: so the parts stay as large as the sharing
 * allows.
 * - Columns: whole blocks of 64 (every kernel's register tile divides it) of at most
 *   NN_TILE_N, in an even count when more than one (an odd count would need twice the row
 *   parts for an even tile count: ViT-H's lin1, 5120 columns, in 8 x 2 tiles is 8 % faster at
 *   2 threads than in 16 x 3).
 * - Rows, where cuts at the library's row blocks change no bit (products of N * K large
 *   enough that no call falls under NN_GEMM_FREE_MNK): parts of at most NN_TILE_M rows, more
 *   so that the tile count is a multiple of the thread count while the parts keep
 *   NN_TILE_M_MIN rows, and with more threads than that allows, as many parts of
 *   NN_TILE_M_MIN as there are. At 2 threads ViT-H's proj and lin2 (one column part, 42 % of
 *   its products) are 4 calls, not 16 that pack the weights 16 times (the whole ViT-H encode
 *   4 % faster at 2 threads); at 32 threads a product is not held at 16 tiles.
 * - Rows otherwise: as above for NN_TILE_SHARE threads, in blocks of 16, at any thread
 *   count (bits fixed by the shape), without the last step; 2, 4, 8 and 16 threads get
 *   equal shares of the ViT products. */
#define NN_TILE_M 1024
#define NN_TILE_M_MIN 192
#define NN_TILE_N 2048
#define NN_TILE_SHARE 16
typedef struct {
    int M, N;
    int row_parts, block; /* rows */
    int tile_n;           /* columns */
} nn_sgemm_cut;
void nn_sgemm_cut_make(nn_sgemm_cut *cut, int M, int N, int K, int threads);

/* Row part p (0 <= p < cut->row_parts): its first row (*row0) and its row count. */
int nn_sgemm_cut_part(const nn_sgemm_cut *cut, int p, int *row0);

/* At least the most rows of any part (a buffer for one part's tile), and the tile count. */
int nn_sgemm_cut_max_rows(const nn_sgemm_cut *cut);
int nn_sgemm_cut_tiles(const nn_sgemm_cut *cut);

/* nn_sgemm with tiles of exactly tile_m rows x tile_n columns of C (the last ones smaller;
 * 0: all rows, all columns) at any thread count, for callers that size the tiles to their
 * caches. */
void nn_sgemm_tiled(int tile_m, int tile_n, int trans_a, int trans_b, int M, int N, int K, float alpha,
                    const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

#endif
