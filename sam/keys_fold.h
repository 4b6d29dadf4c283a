/* The mask head's first transposed conv, folded back through the two-way transformer's keys
 * LayerNorms, for fast mode.
 *
 * Per image token p, layer l of the transformer ends with
 *   keys_l = LayerNorm_l(keys_{l-1} + bo_l + S_l F_l)          (norm4; keys_{-1} = src)
 * where S_l[HW][R] are the image-to-token attention's probabilities (kept transposed) and
 * F_l[R][C] its per-head output projections of the token values (sam/fast_decoder.c,
 * attention_i2t), and the mask head starts with the per-token product keys_{L-1} U (U[C][O]:
 * the ConvTranspose2d(C, C/4, 2, 2) weights in tap-major order, O = 4 * C/4). A LayerNorm is
 * centring (the projection Pi = I - 11^T/C), a per-token scale rstd_l, and the affine
 * gamma_l, beta_l, all linear but for rstd_l. So, by associativity,
 *   keys_{L-1} U = rstd_{L-1} Q_{L-1} + beta_{L-1} U,
 *   Q_0 = IMG + S_0 V_0,   Q_l = rstd_{l-1} Q_{l-1} + c_l + S_l V_l   (l >= 1),
 * with H_{L-1} = diag(gamma_{L-1}) U, H_{l-1} = diag(gamma_{l-1}) Pi H_l and
 *   IMG = ((src + bo_0) Pi) H_0   [HW][O], once per image,
 *   V_l = (F_l Pi) H_l            [R][O], once per prompt and layer,
 *   c_l = ((beta_{l-1} + bo_l) Pi) H_l.
 * Unrolled, with g_l = rstd_l ... rstd_{L-2} per token (g_{L-1} = 1),
 *   Q_{L-1} = g_0 IMG + sum_l (g_l S_l) V_l + sum_{l >= 1} g_l c_l,
 * the sums one product [HW][L R + L - 1] x [L R + L - 1][O] (R = 8 heads x 7 tokens; the
 * last L - 1 columns are the g_l, the last rows the c_l): 235 instead of 537 MFLOP per click
 * for L = 2, C = O = 256. The centring is applied to the rows of src + bo_0 and F_l before
 * their products, so no sum cancels a large common mean. Equal to the unfolded product up
 * to float rounding (test_keys_fold). */
#ifndef SAMC_SAM_KEYS_FOLD_H
#define SAMC_SAM_KEYS_FOLD_H

#include <stddef.h>

#define KEYS_FOLD_MAX_LAYERS 8

/* What the fold needs of two-way layer l: its norm4 (gamma, beta [C]) and the image-to-token
 * attention's output bias bo [C]. */
typedef struct {
    const float *gamma, *beta, *out_b;
} keys_fold_layer;

/* The image's terms. */
typedef struct {
    int L, C, O, HW;
    float *h;   /* [L][C][O] H_l */
    float *c;   /* [L][O] c_l (c_0 unused) */
    float *d;   /* [O] beta_{L-1} U */
    float *img; /* [HW][O] IMG */
} keys_fold;

/* The image terms for L layers (L <= KEYS_FOLD_MAX_LAYERS), U[C][O] and the image tokens
 * src[HW][C]. Returns 0 or -1 (out of memory, or L out of range). */
int sam_keys_fold_init(keys_fold *f, const keys_fold_layer *layers, int L, int C, const float *U, int O,
                   const float *src, int HW);
void sam_keys_fold_free(keys_fold *f);

/* One prompt's terms: the layers' probabilities, transposed, probs[KEYS_FOLD_K(L, R)][HW]
 * (rows l R + r, then L - 1 rows for sam_keys_fold_scale), their LayerNorms' 1/sqrt(var + eps)
 * per token rstd[L][HW], v[KEYS_FOLD_K(L, R)][O] (rows l R + r from sam_keys_fold_values, the
 * last L - 1 for sam_keys_fold_scale), and g[L][HW] (sam_keys_fold_scale). */
#define KEYS_FOLD_K(L, R) ((L) * (R) + (L) - 1)
typedef struct {
    const keys_fold *f;
    int R;
    float *probs, *v, *g;
    const float *rstd;
} keys_fold_prompt;

/* v_l[R][O] = (F_l Pi) H_l, from layer l's F_l[R][C]; scratch[R][C]. */
void sam_keys_fold_values(const keys_fold *f, int l, const float *F, int R, float *v_l, float *scratch);

/* Once all L layers have run: p->g, the probabilities scaled to g_l S_l in place, and the
 * product's last L - 1 rows and columns. */
void sam_keys_fold_scale(const keys_fold_prompt *p);

/* out[P][O] = keys_{L-1} U for the image tokens [p0, p0 + P), without the conv's bias, after
 * sam_keys_fold_scale. Single-threaded (one-thread sgemm, for the mask head's tiles). */
void sam_keys_fold_conv(const keys_fold_prompt *p, int p0, int P, float *out);

#endif
