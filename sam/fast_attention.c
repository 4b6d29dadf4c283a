/* The fast decoder's forms of Attention.forward (the table is in sam/fast_attention.h). */
#include "sam/fast_attention.h"

#include <math.h>
#include <string.h>

#include "nn/clones.h"
#include "nn/gemm.h"
#include "nn/lanes.h"
#include "nn/nn.h"

/* Image tokens (or columns) per block of the image-side products, the blocks shared among
 * the OpenMP threads for a single prompt (nn_sgemm_tiled; one thread inside a batch). */
#define IMAGE_BLOCK 512

/* x[r][c] = (x[r][c] + bias[r]) / scale over x[rows][cols] (bias NULL: none): the score
 * scaling, with a folded attention's bias terms. */
NN_CLONES static void scale_scores(float *x, size_t rows, size_t cols, const float *bias, float scale) {
    #pragma omp parallel for schedule(static) if (rows * cols > 65536)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * cols, br = bias ? bias[r] : 0.0f;
        #pragma omp simd
        for (size_t c = 0; c < cols; c++) row[c] = (row[c] + br) / scale;
    }
}

/* out[h * N + j][p] = x_hj . y_h[p] for heads h, tokens j and image tokens p: the per-head
 * products of N token rows x[N][D] (D = H heads x d) with the image side's projections,
 * given transposed (yT[D][HW], rows ldy floats apart), for the first layer's attentions,
 * whose image side is projected once per image. Each value sums its d terms in order, in
 * fmaf steps, one thread's: the same bits at any thread count. */
#define HEADS_STEP 64 /* image tokens per step */

NN_CLONES static void heads_by_image(const float *x, int N, int D, int H, const float *yT, int ldy, int HW,
                                     float *out) {
    int d = D / H, steps = (HW + HEADS_STEP - 1) / HEADS_STEP;
    #pragma omp parallel for schedule(static)
    for (int st = 0; st < steps; st++) {
        int p0 = st * HEADS_STEP, n = HW - p0 < HEADS_STEP ? HW - p0 : HEADS_STEP, nl = n - n % NN_LANES;
        for (int h = 0; h < H; h++)
            for (int j = 0; j < N; j++) {
                const float *xj = x + (size_t)j * D + h * d, *y = yT + (size_t)h * d * ldy + p0;
                float *o = out + (size_t)(h * N + j) * HW + p0;
                for (int l0 = 0; l0 < nl; l0 += NN_LANES) { /* a register of image tokens */
                    float acc[NN_LANES] = {0};
                    for (int e = 0; e < d; e++) {
                        float a = xj[e];
                        const float *ye = y + (size_t)e * ldy + l0;
                        for (int l = 0; l < NN_LANES; l++) acc[l] = fmaf(a, ye[l], acc[l]);
                    }
                    memcpy(o + l0, acc, sizeof acc);
                }
                for (int l = nl; l < n; l++) {
                    float acc = 0.0f;
                    for (int e = 0; e < d; e++) acc = fmaf(xj[e], y[(size_t)e * ldy + l], acc);
                    o[l] = acc;
                }
            }
    }
}

/* Attention.forward among a few tokens (self-attention): out[N][C]. */
void sam_fast_attn_tokens(const tw_attention *a, float *out, const float *q_in, const float *k_in, const float *v_in,
                      int N, const fast_attn_scratch *b) {
    int C = a->dim, D = a->internal, d = D / a->heads;
    nn_linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    nn_linear_forward(b->k, k_in, a->k_w, a->k_b, N, C, D);
    nn_linear_forward(b->v, v_in, a->v_w, a->v_b, N, C, D);
    for (int h = 0; h < a->heads; h++) {
        nn_sgemm(0, 1, N, N, d, 1.0f, b->q + h * d, D, b->k + h * d, D, 0.0f, b->scores, N);
        scale_scores(b->scores, (size_t)N, (size_t)N, NULL, (float)sqrt((double)d));
        nn_softmax_short_rows_inplace(b->scores, (size_t)N, N);
        nn_sgemm(0, 0, N, d, N, 1.0f, b->scores, N, b->v + h * d, D, 0.0f, b->o + h * d, D);
    }
    nn_linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* Attention.forward of N token queries q_in[N][C] over HW image tokens whose key and value
 * projections are given transposed (kT, vT [D][HW], rows ld floats apart: the first
 * layer's, once per image): out[N][C]. */
void sam_fast_attn_t2i_projected(const tw_attention *a, float *out, const float *q_in, int N, const float *kT,
                              const float *vT, int ld, int HW, const fast_attn_scratch *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    nn_linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    heads_by_image(b->q, N, D, H, kT, ld, HW, b->scores); /* s[R][HW] */
    scale_scores(b->scores, (size_t)R, (size_t)HW, NULL, (float)sqrt((double)d));
    nn_softmax_rows_inplace(b->scores, (size_t)R, HW);
    #pragma omp parallel for schedule(static) /* a head per thread: each product is too narrow to split */
    for (int h = 0; h < H; h++) /* o[j][h] = sum_p P[h][j][p] v_h[p] */
        nn_sgemm(0, 1, N, d, HW, 1.0f, b->scores + (size_t)h * N * HW, HW, vT + (size_t)h * d * ld, ld, 0.0f,
                 b->o + h * d, D);
    nn_linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* The token side of a folded cross attention: for each head h and token j,
 * f[h][j] = W_h^T x_hj and fb[h][j] = x_hj . b_h, where x[N][D] are the tokens' projections
 * (D = H heads x d) and W[D][C], b[D] the image side's projection weights, so that the image
 * side's score against x_hj is f[h][j] . image + fb[h][j]. */
static void fold_heads(const float *x, const float *W, const float *bias, int N, int C, int D, int H, float *f,
                       float *fb) {
    int d = D / H;
    for (int h = 0; h < H; h++) {
        nn_sgemm(0, 0, N, C, d, 1.0f, x + h * d, D, W + (size_t)h * d * C, C, 0.0f, f + (size_t)h * N * C, C);
        for (int j = 0; j < N; j++) {
            float s = 0.0f;
            for (int e = 0; e < d; e++) s += x[(size_t)j * D + h * d + e] * bias[h * d + e];
            fb[h * N + j] = s;
        }
    }
}

/* Attention.forward of N token queries q_in[N][C] over HW image tokens (keys k_in, values
 * v_in, [HW][C]) without projecting the image, by associativity: for head h,
 *   q_h . (Wk_h x + bk_h) = (Wk_h^T q_h) . x + q_h . bk_h
 *   sum_p P_p (Wv_h x_p + bv_h) = Wv_h (sum_p P_p x_p) + bv_h   (the weights P sum to 1),
 * so the image is touched by two [R][C] x [C][HW] products (R = heads * N) instead of two
 * [HW][C] x [C][D] projections. The same value in real arithmetic; the float rounding
 * differs from the projected form by a few ulps of the terms. In three steps: sam_fast_attn_t2i_fold
 * folds the queries into b->folded [R][C] and b->folded_bias [R], the scores come next (sam_fast_attn_t2i_scores,
         or the
 * keys update that produced the keys), and sam_fast_attn_t2i_finish. */
void sam_fast_attn_t2i_fold(const tw_attention *a, const float *q_in, int N, const fast_attn_scratch *b) {
    int C = a->dim, D = a->internal, H = a->heads;
    nn_linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    fold_heads(b->q, a->k_w, a->k_b, N, C, D, H, b->folded, b->folded_bias);
}

/* The rest of that attention once b->scores[R][HW] holds the scores b->folded x_p (sam_fast_attn_t2i_scores, or
 * keys_update's): out[N][C]. */
void sam_fast_attn_t2i_finish(const tw_attention *a, float *out, int N, const float *v_in, int HW,
                              const fast_attn_scratch *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    scale_scores(b->scores, (size_t)R, (size_t)HW, b->folded_bias, (float)sqrt((double)d));
    nn_softmax_rows_inplace(b->scores, (size_t)R, HW);
    nn_sgemm_tiled(0, 64, 0, 0, R, C, HW, 1.0f, b->scores, HW, v_in, C, 0.0f, b->weighted, C); /* z[R][C] = P @ x */
    for (int h = 0; h < H; h++) /* o[j][h] = Wv_h z[h][j] + bv_h */
        nn_sgemm(0, 1, N, d, C, 1.0f, b->weighted + (size_t)h * N * C, C, a->v_w + (size_t)h * d * C, C, 0.0f,
                 b->o + h * d, D);
    for (int j = 0; j < N; j++)
        for (int e = 0; e < D; e++) b->o[(size_t)j * D + e] += a->v_b[e];
    nn_linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* b->scores[R][HW] = b->folded k_in^T: the scores of sam_fast_attn_t2i_fold's folded queries against image keys
 * k_in[HW][C] */
void sam_fast_attn_t2i_scores(int R, int C, const float *k_in, int HW, const fast_attn_scratch *b) {
    nn_sgemm_tiled(0, IMAGE_BLOCK, 0, 1, R, HW, C, 1.0f, b->folded, C, k_in, C, 0.0f, b->scores, HW);
}

/* Attention.forward of HW image queries (q_in[HW][C], or their projections given transposed,
 * qT[D][HW] with rows ld floats apart) over N tokens (keys k_in, values v_in, [N][C]),
 * without projecting the image: for head h,
 *   (Wq_h x + bq_h) . k_h = x . (Wq_h^T k_h) + bq_h . k_h
 *   Wo (concat_h sum_j P_hj v_hj) + bo = sum_h sum_j P_hj (Wo_h v_hj) + bo,
 * so the image side is two [HW][C] x [C][R] products. All but the bias bo is added to
 * out[HW][C] (the residual; keys_update adds bo). The probabilities are left in s[R][HW]
 * (row h * N + j, the softmax running down each head's N rows), and the Wo_h v_hj in
 * b->folded[R][C]. */
void sam_fast_attn_i2t(const tw_attention *a, float *out, const float *q_in, const float *qT, int ld, int HW,
                          const float *k_in, const float *v_in, int N, const fast_attn_scratch *b, float *s) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    nn_linear_forward(b->k, k_in, a->k_w, a->k_b, N, C, D);
    nn_linear_forward(b->v, v_in, a->v_w, a->v_b, N, C, D);
    if (qT) { /* s[h][j][p] = q_h[p] . k_hj */
        heads_by_image(b->k, N, D, H, qT, ld, HW, s);
        scale_scores(s, (size_t)R, (size_t)HW, NULL, (float)sqrt((double)d));
    } else {
        fold_heads(b->k, a->q_w, a->q_b, N, C, D, H, b->folded, b->folded_bias);
        nn_sgemm_tiled(0, IMAGE_BLOCK, 0, 1, R, HW, C, 1.0f, b->folded, C, q_in, C, 0.0f, s, HW);
        scale_scores(s, (size_t)R, (size_t)HW, b->folded_bias, (float)sqrt((double)d));
    }
    nn_softmax_cols_inplace(s, H, N, (size_t)HW);
    for (int h = 0; h < H; h++) /* f[h][j] = Wo_h v_hj */
        nn_sgemm(0, 1, N, C, d, 1.0f, b->v + h * d, D, a->out_w + h * d, D, 0.0f, b->folded + (size_t)h * N * C, C);
    nn_sgemm_tiled(IMAGE_BLOCK, 0, 1, 0, HW, C, R, 1.0f, s, HW, b->folded, C, 1.0f, out, C);
}
