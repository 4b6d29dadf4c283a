/* The everything decoder's mask head, tiled (see sam/amg_mask_head.h). */
#include "sam/amg_mask_head.h"


#include "nn/gemm.h"
#include "nn/nn.h"
#include "sam/amg_layernorm.h"

#define TILE_ROWS 2       /* embedding rows per tile: 32 x 64-pixel tiles at G = 64 */
#define LN2D_EPS 1e-6f    /* LayerNorm2d's default */

size_t amg_mask_head_scratch(int C, int G) {
    size_t p = (size_t)TILE_ROWS * G, C4 = C / 4, C8 = C / 8;
    return p * 4 * C4 + 4 * p * C4 + 4 * p * 4 * C8 + 16 * p * C8;
}

#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) && !defined(__clang__)
/* AVX2 and AVX-512 builds, picked at load time; the same bits as the plain x86-64 one (no
 * contraction, the same operation order in every lane) */
#define HEAD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define HEAD_CLONES
#endif

/* The first transposed conv's taps a1[P][C4 x 2 x 2] (+ bias) to their pixels at 2x,
 * u1[4P][C4], each normalised over its channels. */
HEAD_CLONES static void scatter_norm(const mask_decoder *md, const float *a1, float *u1, int P, int G, int C4) {
    int K1 = 4 * C4, W2 = 2 * G;
    for (int q = 0; q < P; q++) {
        int yy = q / G, x = q % G;
        for (int t = 0; t < 4; t++) {
            float *dst = u1 + ((size_t)(2 * yy + (t >> 1)) * W2 + 2 * x + (t & 1)) * C4;
            for (int o = 0; o < C4; o++) dst[o] = a1[(size_t)q * K1 + 4 * o + t] + md->up0_b[o];
            amg_layernorm_pixel(dst, md->up1_w, md->up1_b, C4, LN2D_EPS);
        }
    }
}

/* The second transposed conv's taps a2[P2][C8 x 2 x 2] (+ bias) to their pixels at 4x,
 * u2[4 P2][C8]; the tile is P2 / (2G) rows of the 2x map. */
HEAD_CLONES static void scatter(const mask_decoder *md, const float *a2, float *u2, int P2, int G, int C8) {
    int K2 = 4 * C8, W2 = 2 * G, W4 = 4 * G;
    for (int q = 0; q < P2; q++) {
        int r = q / W2, x = q % W2;
        for (int t = 0; t < 4; t++) {
            float *dst = u2 + ((size_t)(2 * r + (t >> 1)) * W4 + 2 * x + (t & 1)) * C8;
            for (int o = 0; o < C8; o++) dst[o] = a2[(size_t)q * K2 + 4 * o + t] + md->up3_b[o];
        }
    }
}

void amg_mask_head(const mask_decoder *md, int C, int G, const float *keys, const float *hyper, int n_masks,
                   float *out, float *scratch) {
    int C4 = C / 4, C8 = C / 8, K1 = 4 * C4, K2 = 4 * C8, W4 = 4 * G;
    size_t p_max = (size_t)TILE_ROWS * G, LL = (size_t)16 * G * G;
    float *a1 = scratch;             /* [P][C4 x 2 x 2]: first transposed conv, per input pixel */
    float *u1 = a1 + p_max * K1;     /* [4P][C4]: its output at 2x, pixel-major */
    float *a2 = u1 + 4 * p_max * C4; /* [4P][C8 x 2 x 2]: second transposed conv */
    float *u2 = a2 + 4 * p_max * K2; /* [16P][C8]: its output at 4x, pixel-major */
    for (int y0 = 0; y0 < G; y0 += TILE_ROWS) {
        int ty = G - y0 < TILE_ROWS ? G - y0 : TILE_ROWS, P = ty * G;
        /* ConvTranspose2d(C, C/4, 2, stride 2): a1[q][(o,i,j)] = keys[q] . weight[:, o, i, j] */
        nn_sgemm(0, 0, P, K1, C, 1.0f, keys + (size_t)y0 * G * C, C, md->up0_w, K1, 0.0f, a1, K1);
        scatter_norm(md, a1, u1, P, G, C4);
        gelu_inplace(u1, (size_t)4 * P * C4);
        /* ConvTranspose2d(C/4, C/8, 2, stride 2) on the 2P x 2 rows of the tile, then GELU */
        nn_sgemm(0, 0, 4 * P, K2, C4, 1.0f, u1, C4, md->up3_w, K2, 0.0f, a2, K2);
        scatter(md, a2, u2, 4 * P, G, C8);
        gelu_inplace(u2, (size_t)16 * P * C8);
        /* masks = hyper_in @ upscaled: the tile is whole rows of the 4G x 4G output */
        nn_sgemm(0, 1, n_masks, 16 * P, C8, 1.0f, hyper, C8, u2, C8, 0.0f, out + (size_t)4 * y0 * W4, (int)LL);
    }
}
