/* MaskDecoder's mask head, tiled (see sam/mask_head.h). */
#include "sam/mask_head.h"

#include <omp.h>
#include <stdlib.h>

#include "nn/clones.h"
#include "nn/gemm.h"
#include "nn/layernorm_lanes.h"
#include "nn/nn.h"
#include "sam/eps.h"

#define TILE_ROWS 4    /* embedding rows per tile: 16 x 256-token tiles at G = 64; fewer, larger tiles
                        * pack the first conv's weights fewer times (2 rows: ~5% slower click) */

size_t sam_mask_head_scratch(int C, int G, int n_masks) {
    size_t p = (size_t)TILE_ROWS * G, C4 = C / 4, C8 = C / 8;
    return p * 4 * C4 + 4 * p * 4 * C8 + (size_t)n_masks * 16 * p;
}

/* a1[rows][C4] (the first transposed conv, one row per 2x pixel) + bias, LayerNorm2d */
NN_CLONES static void norm_rows(const mask_decoder *md, float *a1, int rows, int C4) {
    for (int r = 0; r < rows; r++) {
        float *x = a1 + (size_t)r * C4;
        #pragma omp simd /* elementwise: gcc -O2 leaves it scalar otherwise; the same bits */
        for (int c = 0; c < C4; c++) x[c] += md->up0_b[c];
        layernorm_lanes(x, md->up1_w, md->up1_b, C4, SAM_LN_EPS);
    }
}

/* a2[rows][C8] (the second transposed conv, one row per 4x pixel) + bias */
NN_CLONES static void add_bias_rows(float *a2, const float *bias, int rows, int C8) {
    for (int r = 0; r < rows; r++) {
        float *x = a2 + (size_t)r * C8;
        #pragma omp simd
        for (int o = 0; o < C8; o++) x[o] += bias[o];
    }
}

/* One tile: embedding rows [y0, y0 + ty) -> rows [4 y0, 4 (y0 + ty)) of every mask. Each
 * transposed conv is one product with its weights in tap-major order (md->up0_taps,
 * md->up3_taps), so a row of its output is one upscaled pixel's channels: row (q, t1) of
 * a1 is 2x pixel (2y + i1, 2x + j1) of embedding pixel q = (y, x), tap t1 = (i1, j1), and row
 * ((q, t1), t2) of a2 is 4x pixel (4y + 2 i1 + i2, 4x + 2 j1 + j2). Only the masks' values
 * are put in image order, at the end. */
static void head_tile(const mask_decoder *md, int C, int G, const float *keys, const keys_fold_prompt *fold,
                      const float *hyper, int n_masks, float *out, float *scratch, int y0) {
    int C4 = C / 4, C8 = C / 8, W4 = 4 * G;
    size_t p_max = (size_t)TILE_ROWS * G, LL = (size_t)16 * G * G;
    float *a1 = scratch;             /* [P][4][C4] */
    float *a2 = a1 + p_max * 4 * C4; /* [P][4][4][C8] */
    float *m = a2 + p_max * 16 * C8; /* [n_masks][P][4][4] */
    int ty = G - y0 < TILE_ROWS ? G - y0 : TILE_ROWS, P = ty * G;
    /* ConvTranspose2d(C, C/4, 2, stride 2), LayerNorm2d, GELU */
    if (fold)
        sam_keys_fold_conv(fold, y0 * G, P, a1);
    else
        nn_sgemm(0, 0, P, 4 * C4, C, 1.0f, keys + (size_t)y0 * G * C, C, md->up0_taps, 4 * C4, 0.0f, a1, 4 * C4);
    norm_rows(md, a1, 4 * P, C4);
    nn_gelu_inplace(a1, (size_t)4 * P * C4);
    /* ConvTranspose2d(C/4, C/8, 2, stride 2), GELU */
    nn_sgemm(0, 0, 4 * P, 4 * C8, C4, 1.0f, a1, C4, md->up3_taps, 4 * C8, 0.0f, a2, 4 * C8);
    add_bias_rows(a2, md->up3_b, 16 * P, C8);
    nn_gelu_inplace(a2, (size_t)16 * P * C8);
    /* masks = hyper_in @ upscaled, then each value to its pixel */
    nn_sgemm(0, 1, n_masks, 16 * P, C8, 1.0f, hyper, C8, a2, C8, 0.0f, m, 16 * P);
    for (int k = 0; k < n_masks; k++)
        for (int q = 0; q < P; q++) {
            int y = y0 + q / G, x = q % G;
            const float *src = m + ((size_t)k * P + q) * 16;
            for (int t = 0; t < 16; t++) { /* t = 4 t1 + t2, t1 = 2 i1 + j1, t2 = 2 i2 + j2 */
                int i = 2 * (t >> 3) + ((t >> 1) & 1), j = 2 * ((t >> 2) & 1) + (t & 1);
                out[k * LL + (size_t)(4 * y + i) * W4 + 4 * x + j] = src[t];
            }
        }
}

void sam_mask_head(const mask_decoder *md, int C, int G, const float *keys, const keys_fold_prompt *fold,
               const float *hyper, int n_masks, float *out, float *scratch) {
    for (int y0 = 0; y0 < G; y0 += TILE_ROWS) head_tile(md, C, G, keys, fold, hyper, n_masks, out, scratch, y0);
}

int sam_mask_head_parallel(const mask_decoder *md, int C, int G, const float *keys, const keys_fold_prompt *fold,
                       const float *hyper, int n_masks, float *out, nn_arena *a) {
    int threads = omp_get_max_threads(), tiles = (G + TILE_ROWS - 1) / TILE_ROWS;
    size_t per_thread = sam_mask_head_scratch(C, G, n_masks);
    float *scratch = nn_arena_alloc(a, (size_t)threads, per_thread * sizeof(float));
    if (!scratch) return -1;
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int t = 0; t < tiles; t++)
        head_tile(md, C, G, keys, fold, hyper, n_masks, out,
                  scratch + (size_t)omp_get_thread_num() * per_thread, t * TILE_ROWS);
    return 0;
}
