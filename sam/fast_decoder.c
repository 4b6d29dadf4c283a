/* MaskDecoder.predict_masks in fast mode, with the image-only work shared among prompts (see
 * sam/fast_decoder.h). The ops are those of the official TwoWayTransformer and MaskDecoder;
 * the cross attentions never project the 4096 image tokens (t2i_query, attention_i2t: the
 * projections are moved to the token side by associativity), so the results equal the
 * one-prompt decoder's up to float rounding. */
#include "sam/fast_decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "nn/clones.h"
#include "nn/gemm.h"
#include "nn/lanes.h"
#include "nn/layernorm_lanes.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "sam/mask_head.h"
#include "sam/prompt_encoder.h"
#include "util/err.h"
#include "util/mem.h"

#define TW_LN_EPS 1e-5f /* nn.LayerNorm default in the two-way transformer */
#define N_SPARSE 2      /* the point and the padding point */
/* Image tokens (or columns) per block of the image-side products, the blocks shared among
 * the OpenMP threads for a single prompt (nn_sgemm_tiled; one thread inside a batch). */
#define IMAGE_BLOCK 512
/* Floats of padding after each row of the transposed projections (fast_decoder.ldT): rows
 * HW = 4096 floats apart would all fall in the same L1 sets, and heads_by_image reads 16 of
 * them side by side. */
#define TRANSPOSED_PAD 16

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

/* Scratch of the attention calls. The token side is N rows; the image side is folded into
 * R = heads * N rows (see t2i_query / attention_i2t). */
typedef struct {
    float *q, *k, *v, *o; /* [N][D] */
    float *s;             /* scores: [R][HW] */
    float *f, *z;         /* [R][C] folded weights, weighted sums of the image tokens */
    float *fb;            /* [R] folded bias terms */
} attn_buf;

/* Attention.forward among a few tokens (self-attention): out[N][C]. */
static void attention(const tw_attention *a, float *out, const float *q_in, const float *k_in, const float *v_in,
                      int N, const attn_buf *b) {
    int C = a->dim, D = a->internal, d = D / a->heads;
    linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    linear_forward(b->k, k_in, a->k_w, a->k_b, N, C, D);
    linear_forward(b->v, v_in, a->v_w, a->v_b, N, C, D);
    for (int h = 0; h < a->heads; h++) {
        nn_sgemm(0, 1, N, N, d, 1.0f, b->q + h * d, D, b->k + h * d, D, 0.0f, b->s, N);
        scale_scores(b->s, (size_t)N, (size_t)N, NULL, (float)sqrt((double)d));
        softmax_short_rows_inplace(b->s, (size_t)N, N);
        nn_sgemm(0, 0, N, d, N, 1.0f, b->s, N, b->v + h * d, D, 0.0f, b->o + h * d, D);
    }
    linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* Attention.forward of N token queries q_in[N][C] over HW image tokens whose key and value
 * projections are given transposed (kT, vT [D][HW], rows ld floats apart: the first
 * layer's, once per image): out[N][C]. */
static void attention_t2i_pre(const tw_attention *a, float *out, const float *q_in, int N, const float *kT,
                              const float *vT, int ld, int HW, const attn_buf *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    heads_by_image(b->q, N, D, H, kT, ld, HW, b->s); /* s[R][HW] */
    scale_scores(b->s, (size_t)R, (size_t)HW, NULL, (float)sqrt((double)d));
    softmax_rows_inplace(b->s, (size_t)R, HW);
    #pragma omp parallel for schedule(static) /* a head per thread: each product is too narrow to split */
    for (int h = 0; h < H; h++) /* o[j][h] = sum_p P[h][j][p] v_h[p] */
        nn_sgemm(0, 1, N, d, HW, 1.0f, b->s + (size_t)h * N * HW, HW, vT + (size_t)h * d * ld, ld, 0.0f, b->o + h * d,
                 D);
    linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
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
 * differs from the projected form by a few ulps of the terms. In three steps: t2i_query
 * folds the queries into b->f [R][C] and b->fb [R], the scores come next (t2i_scores, or the
 * keys update that produced the keys), and t2i_finish. */
static void t2i_query(const tw_attention *a, const float *q_in, int N, const attn_buf *b) {
    int C = a->dim, D = a->internal, H = a->heads;
    linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    fold_heads(b->q, a->k_w, a->k_b, N, C, D, H, b->f, b->fb);
}

/* The rest of that attention once b->s[R][HW] holds the scores b->f x_p (t2i_scores, or
 * keys_update's): out[N][C]. */
static void t2i_finish(const tw_attention *a, float *out, int N, const float *v_in, int HW, const attn_buf *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    scale_scores(b->s, (size_t)R, (size_t)HW, b->fb, (float)sqrt((double)d));
    softmax_rows_inplace(b->s, (size_t)R, HW);
    nn_sgemm_tiled(0, 64, 0, 0, R, C, HW, 1.0f, b->s, HW, v_in, C, 0.0f, b->z, C); /* z[R][C] = P @ x */
    for (int h = 0; h < H; h++) /* o[j][h] = Wv_h z[h][j] + bv_h */
        nn_sgemm(0, 1, N, d, C, 1.0f, b->z + (size_t)h * N * C, C, a->v_w + (size_t)h * d * C, C, 0.0f, b->o + h * d,
                 D);
    for (int j = 0; j < N; j++)
        for (int e = 0; e < D; e++) b->o[(size_t)j * D + e] += a->v_b[e];
    linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* b->s[R][HW] = b->f k_in^T: the scores of t2i_query's folded queries against image keys
 * k_in[HW][C] */
static void t2i_scores(int R, int C, const float *k_in, int HW, const attn_buf *b) {
    nn_sgemm_tiled(0, IMAGE_BLOCK, 0, 1, R, HW, C, 1.0f, b->f, C, k_in, C, 0.0f, b->s, HW);
}

/* Attention.forward of HW image queries (q_in[HW][C], or their projections given transposed,
 * qT[D][HW] with rows ld floats apart) over N tokens (keys k_in, values v_in, [N][C]),
 * without projecting the image: for head h,
 *   (Wq_h x + bq_h) . k_h = x . (Wq_h^T k_h) + bq_h . k_h
 *   Wo (concat_h sum_j P_hj v_hj) + bo = sum_h sum_j P_hj (Wo_h v_hj) + bo,
 * so the image side is two [HW][C] x [C][R] products. All but the bias bo is added to
 * out[HW][C] (the residual; keys_update adds bo). The probabilities are left in s[R][HW]
 * (row h * N + j, the softmax running down each head's N rows), and the Wo_h v_hj in
 * b->f[R][C]. */
static void attention_i2t(const tw_attention *a, float *out, const float *q_in, const float *qT, int ld, int HW,
                          const float *k_in, const float *v_in, int N, const attn_buf *b, float *s) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    linear_forward(b->k, k_in, a->k_w, a->k_b, N, C, D);
    linear_forward(b->v, v_in, a->v_w, a->v_b, N, C, D);
    if (qT) { /* s[h][j][p] = q_h[p] . k_hj */
        heads_by_image(b->k, N, D, H, qT, ld, HW, s);
        scale_scores(s, (size_t)R, (size_t)HW, NULL, (float)sqrt((double)d));
    } else {
        fold_heads(b->k, a->q_w, a->q_b, N, C, D, H, b->f, b->fb);
        nn_sgemm_tiled(0, IMAGE_BLOCK, 0, 1, R, HW, C, 1.0f, b->f, C, q_in, C, 0.0f, s, HW);
        scale_scores(s, (size_t)R, (size_t)HW, b->fb, (float)sqrt((double)d));
    }
    softmax_cols_inplace(s, H, N, (size_t)HW);
    for (int h = 0; h < H; h++) /* f[h][j] = Wo_h v_hj */
        nn_sgemm(0, 1, N, C, d, 1.0f, b->v + h * d, D, a->out_w + h * d, D, 0.0f, b->f + (size_t)h * N * C, C);
    nn_sgemm_tiled(IMAGE_BLOCK, 0, 1, 0, HW, C, R, 1.0f, s, HW, b->f, C, 1.0f, out, C);
}

void fast_decoder_free(fast_decoder *d) {
    free(d->keys);
    free(d->key_pe_tmp);
    free(d->t2i_kT);
    free(d->t2i_vT);
    free(d->i2t_qT);
    keys_fold_free(&d->fold);
    memset(d, 0, sizeof *d);
}

/* outT[D][ld] = (x[HW][C] @ W[D][C]^T + bias)^T, by way of proj[HW][D] */
static void projection_t(float *outT, int ld, const float *x, const float *W, const float *bias, int HW, int C,
                         int D, float *proj) {
    linear_forward(proj, x, W, bias, HW, C, D);
    transpose_forward(outT, ld, proj, HW, D);
}

/* The image terms of embedding[C][G][G] plus the dense prompt embedding: dense[C][G][G], or
 * NULL for no_mask_embed; with precompute, also the first layer's projections. */
static int image_init(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense,
                      int precompute) {
    memset(d, 0, sizeof *d);
    const two_way_transformer *t = &m->decoder.transformer;
    const tw_block *b0 = &t->layers[0];
    int C = m->channels, HW = m->grid * m->grid, D0 = b0->cross_t2i.internal;
    if (b0->cross_i2t.internal != D0 || !b0->skip_first_layer_pe)
        return samc_err("fast decoder: unexpected first two-way layer");
    d->m = m, d->C = C, d->HW = HW, d->D0 = D0;
    d->keys = xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
    d->key_pe = sam_model_pe_tokens(m, &d->key_pe_tmp);
    float *tk = NULL, *proj = NULL;
    if (precompute) {
        d->ldT = HW + TRANSPOSED_PAD;
        d->t2i_kT = xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        d->t2i_vT = xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        d->i2t_qT = xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        tk = xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
        proj = xmalloc_array((size_t)HW, (size_t)D0 * sizeof(float));
    }
    if (!d->keys || !d->key_pe || (precompute && (!d->t2i_kT || !d->t2i_vT || !d->i2t_qT || !tk || !proj))) {
        free(tk);
        free(proj);
        fast_decoder_free(d);
        return -1;
    }
    /* src = image_embedding + dense_prompt_embeddings, flattened to tokens [HW][C] */
    const float *no_mask = m->prompt.no_mask;
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < HW; p++)
        for (int c = 0; c < C; c++) {
            size_t i = (size_t)c * HW + p;
            d->keys[(size_t)p * C + c] = embedding[i] + (dense ? dense[i] : no_mask[c]);
        }
    if (!precompute) return 0;
    /* layer 0 sees the same image tokens for every prompt */
    add_forward(tk, d->keys, d->key_pe, (size_t)HW * C);
    projection_t(d->t2i_kT, d->ldT, tk, b0->cross_t2i.k_w, b0->cross_t2i.k_b, HW, C, D0, proj);
    projection_t(d->t2i_vT, d->ldT, d->keys, b0->cross_t2i.v_w, b0->cross_t2i.v_b, HW, C, D0, proj);
    projection_t(d->i2t_qT, d->ldT, tk, b0->cross_i2t.q_w, b0->cross_i2t.q_b, HW, C, D0, proj);
    free(tk);
    free(proj);
    /* the fold needs every layer's probabilities in one layout: the same head count */
    keys_fold_layer fl[KEYS_FOLD_MAX_LAYERS];
    if (t->depth > KEYS_FOLD_MAX_LAYERS) return 0;
    for (int l = 0; l < t->depth; l++) {
        if (t->layers[l].cross_i2t.heads != b0->cross_i2t.heads) return 0;
        fl[l] = (keys_fold_layer){t->layers[l].norm_w[3], t->layers[l].norm_b[3], t->layers[l].cross_i2t.out_b};
    }
    if (keys_fold_init(&d->fold, fl, t->depth, C, m->decoder.up0_taps, C, d->keys, HW)) {
        fast_decoder_free(d);
        return -1;
    }
    d->folded = 1;
    return 0;
}

int fast_decoder_init(fast_decoder *d, const sam_model *m, const float *embedding) {
    return image_init(d, m, embedding, NULL, 1);
}

int fast_decoder_init_dense(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense) {
    return image_init(d, m, embedding, dense, 0);
}

/* keys = LayerNorm(keys + delta_b) over the C channels of n image tokens, in place (keys
 * holds the residual sum but for the attention's output bias delta_b[C]), and tk = keys + pe,
 * in one pass; rstd[n] (or NULL) gets each token's 1/sqrt(var + eps). */
NN_CLONES static void keys_rows(float *keys, float *tk, float *rstd, const float *delta_b, const float *pe,
                                const float *w, const float *bias, int n, int C) {
    for (int p = 0; p < n; p++) {
        size_t o = (size_t)p * C;
        float *x = keys + o;
        #pragma omp simd /* elementwise: gcc -O2 leaves these scalar otherwise; the same bits */
        for (int c = 0; c < C; c++) x[c] += delta_b[c];
        float r = layernorm_lanes(x, w, bias, C, TW_LN_EPS);
        if (rstd) rstd[p] = r;
        #pragma omp simd
        for (int c = 0; c < C; c++) tk[o + c] = x[c] + pe[o + c];
    }
}

/* Per-prompt buffers. */
typedef struct {
    float *tokens, *queries, *tq, *ta, *hid; /* token side: [N][C], hid [N][mlp] */
    float *keys, *tk;                        /* image side: [HW][C] */
    attn_buf ab;
    float *head, *hyper, *v0, *v1; /* mask head */
    float *probs, *rstd, *fold_v, *fold_g; /* keys fold (d->folded): see keys_fold_prompt */
    keys_fold_prompt fold;
} prompt_buf;

/* Taken from the arena (the predictor's, kept from click to click). With d->folded, each
 * layer's probabilities and LayerNorm scales are kept for the fold. */
static int prompt_buf_alloc(prompt_buf *b, const fast_decoder *d, int N, nn_arena *a) {
    const sam_model *m = d->m;
    const mask_decoder *md = &m->decoder;
    int C = m->channels, HW = m->grid * m->grid, C8 = C / 8, mlp_dim = md->transformer.mlp_dim;
    size_t nq = (size_t)N * C, nk = (size_t)HW * C;
    int heads = md->transformer.final_attn.heads; /* R = heads * N rows of the folded attentions */
    for (int l = 0; l < md->transformer.depth; l++) {
        const tw_block *k = &md->transformer.layers[l];
        heads = k->cross_t2i.heads > heads ? k->cross_t2i.heads : heads;
        heads = k->cross_i2t.heads > heads ? k->cross_i2t.heads : heads;
    }
    int R = heads * N;
    int widest = mlp_widest(&md->iou_head); /* of the MLP activations */
    for (int m = 0; m < md->num_mask_tokens; m++)
        widest = mlp_widest(&md->hyper[m]) > widest ? mlp_widest(&md->hyper[m]) : widest;
    memset(b, 0, sizeof *b);
    b->tokens = nn_arena_alloc(a, nq, sizeof(float));
    b->queries = nn_arena_alloc(a, nq, sizeof(float));
    b->tq = nn_arena_alloc(a, nq, sizeof(float));
    b->ta = nn_arena_alloc(a, nq, sizeof(float));
    b->hid = nn_arena_alloc(a, (size_t)N * mlp_dim, sizeof(float));
    b->keys = nn_arena_alloc(a, nk, sizeof(float));
    b->tk = nn_arena_alloc(a, nk, sizeof(float));
    b->ab.q = nn_arena_alloc(a, nq, sizeof(float)); /* attention internal dims are <= C */
    b->ab.k = nn_arena_alloc(a, nq, sizeof(float));
    b->ab.v = nn_arena_alloc(a, nq, sizeof(float));
    b->ab.o = nn_arena_alloc(a, nq, sizeof(float));
    b->ab.s = nn_arena_alloc(a, (size_t)HW * R, sizeof(float));
    b->ab.f = nn_arena_alloc(a, (size_t)R, (size_t)C * sizeof(float));
    b->ab.z = nn_arena_alloc(a, (size_t)R, (size_t)C * sizeof(float));
    b->ab.fb = nn_arena_alloc(a, (size_t)R, sizeof(float));
    b->head = nn_arena_alloc(a, mask_head_scratch(C, m->grid, 3), sizeof(float));
    b->hyper = nn_arena_alloc(a, (size_t)md->num_mask_tokens, (size_t)C8 * sizeof(float));
    b->v0 = nn_arena_alloc(a, (size_t)widest, sizeof(float));
    b->v1 = nn_arena_alloc(a, (size_t)widest, sizeof(float));
    int L = md->transformer.depth, R0 = md->transformer.layers[0].cross_i2t.heads * N;
    if (d->folded) {
        b->probs = nn_arena_alloc(a, (size_t)KEYS_FOLD_K(L, R0), (size_t)HW * sizeof(float));
        b->rstd = nn_arena_alloc(a, (size_t)L * HW, sizeof(float));
        b->fold_v = nn_arena_alloc(a, (size_t)KEYS_FOLD_K(L, R0), (size_t)d->fold.O * sizeof(float));
        b->fold_g = nn_arena_alloc(a, (size_t)L * HW, sizeof(float));
    }
    float *all[] = {b->tokens, b->queries, b->tq, b->ta, b->hid, b->keys, b->tk, b->ab.q, b->ab.k,
                    b->ab.v, b->ab.o, b->ab.s, b->ab.f, b->ab.z, b->ab.fb, b->head, b->hyper, b->v0, b->v1};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!all[i] || (d->folded && (!b->probs || !b->rstd || !b->fold_v || !b->fold_g))) return -1;
    if (d->folded)
        b->fold = (keys_fold_prompt){.f = &d->fold, .R = R0, .probs = b->probs, .v = b->fold_v, .g = b->fold_g,
                                     .rstd = b->rstd};
    return 0;
}

/* Image tokens per tile of keys_update: the tile's keys and tk stay in L2 for its scores. */
#define KEYS_TILE 256

/* Layer l's norm4 on b->keys (keys_rows), and with them the next token-to-image
 * attention's scores b->s[R][HW] = b->f tk^T (its queries folded by t2i_query), a tile at a
 * time while the tile is in cache rather than in a second pass over the maps. */
static void keys_update(const fast_decoder *d, int l, prompt_buf *b, int R) {
    const tw_block *k = &d->m->decoder.transformer.layers[l];
    int C = d->C, HW = d->HW, tiles = (HW + KEYS_TILE - 1) / KEYS_TILE;
    float *rstd = d->folded ? b->rstd + (size_t)l * HW : NULL;
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < tiles; t++) {
        int p0 = t * KEYS_TILE, n = HW - p0 < KEYS_TILE ? HW - p0 : KEYS_TILE;
        size_t o = (size_t)p0 * C;
        keys_rows(b->keys + o, b->tk + o, rstd ? rstd + p0 : NULL, k->cross_i2t.out_b, d->key_pe + o, k->norm_w[3],
                  k->norm_b[3], n, C);
        nn_sgemm(0, 1, R, n, C, 1.0f, b->ab.f, C, b->tk + o, C, 0.0f, b->ab.s + p0, HW);
    }
}

/* TwoWayAttentionBlock.forward on b->queries [N][C] and b->keys [HW][C], in two parts so
 * that its keys update can wait for the next token-to-image attention's queries (see
 * transformer). The first: the self-attention of the tokens (layer 0's replaces the queries:
 * no PE, no residual) and its norm, then b->tq = queries + query_pe. */
static void block_tokens(const fast_decoder *d, int l, prompt_buf *b, int N) {
    const tw_block *k = &d->m->decoder.transformer.layers[l];
    size_t nq = (size_t)N * d->C;
    const float *query_pe = b->tokens;
    if (l == 0) {
        attention(&k->self_attn, b->ta, b->queries, b->queries, b->queries, N, &b->ab);
        memcpy(b->queries, b->ta, nq * sizeof(float));
    } else {
        add_forward(b->tq, b->queries, query_pe, nq);
        attention(&k->self_attn, b->ta, b->tq, b->tq, b->queries, N, &b->ab);
        add_forward(b->queries, b->queries, b->ta, nq);
    }
    layernorm_forward(b->queries, b->queries, k->norm_w[0], k->norm_b[0], N, d->C, TW_LN_EPS);
    add_forward(b->tq, b->queries, query_pe, nq);
}

/* The second: the tokens attend to the image (b->ab.s already holds the scores unless this
 * is layer 0), the MLP, and the image attends to the tokens, its output added to b->keys
 * (keys_update then normalises them). Layer 0 starts from the shared image tokens and uses
 * the shared projections. */
static void block_image(const fast_decoder *d, int l, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    const tw_block *k = &t->layers[l];
    int C = d->C, HW = d->HW, pre = l == 0 && d->t2i_kT; /* precomputed layer 0 */
    size_t nq = (size_t)N * C;
    const float *query_pe = b->tokens;
    if (pre) {
        attention_t2i_pre(&k->cross_t2i, b->ta, b->tq, N, d->t2i_kT, d->t2i_vT, d->ldT, HW, &b->ab);
    } else {
        if (l == 0) {
            t2i_query(&k->cross_t2i, b->tq, N, &b->ab);
            t2i_scores(k->cross_t2i.heads * N, C, b->tk, HW, &b->ab);
        }
        t2i_finish(&k->cross_t2i, b->ta, N, b->keys, HW, &b->ab);
    }
    add_forward(b->queries, b->queries, b->ta, nq);
    layernorm_forward(b->queries, b->queries, k->norm_w[1], k->norm_b[1], N, C, TW_LN_EPS);
    /* MLP (ReLU) */
    linear_forward(b->hid, b->queries, k->mlp1_w, k->mlp1_b, N, C, t->mlp_dim);
    relu_inplace(b->hid, (size_t)N * t->mlp_dim);
    linear_forward(b->ta, b->hid, k->mlp2_w, k->mlp2_b, N, t->mlp_dim, C);
    add_forward(b->queries, b->queries, b->ta, nq);
    layernorm_forward(b->queries, b->queries, k->norm_w[2], k->norm_b[2], N, C, TW_LN_EPS);
    /* the image attends to the tokens */
    add_forward(b->tq, b->queries, query_pe, nq);
    int R = k->cross_i2t.heads * N;
    float *s = d->folded ? b->probs + (size_t)l * HW * R : b->ab.s;
    if (pre) {
        attention_i2t(&k->cross_i2t, b->keys, NULL, d->i2t_qT, d->ldT, HW, b->tq, b->queries, N, &b->ab, s);
    } else {
        attention_i2t(&k->cross_i2t, b->keys, b->tk, NULL, 0, HW, b->tq, b->queries, N, &b->ab, s);
    }
    if (d->folded) keys_fold_values(&d->fold, l, b->ab.f, R, b->fold_v + (size_t)l * R * d->fold.O, b->ab.z);
}

/* The three multimask outputs' low-res logits out[3][4G][4G] from the transformer's outputs. */
static void masks(const fast_decoder *d, prompt_buf *b, float *out) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8;
    /* hypernetworks of mask tokens 1..3 only: output 0 is not part of multimask output */
    for (int m = 1; m <= 3; m++)
        mlp_forward(&md->hyper[m], b->queries + (size_t)(1 + m) * C, b->hyper + (size_t)(m - 1) * C8, b->v0, b->v1);
    if (d->folded) keys_fold_scale(&b->fold);
    mask_head(md, C, d->m->grid, b->keys, d->folded ? &b->fold : NULL, b->hyper, 3, out, b->head);
}

/* TwoWayTransformer.forward from b->tokens [N][C]: b->keys, and b->queries after the final
 * attention and its norm for the IoU and mask tokens (the first 1 + num_mask_tokens rows:
 * all that the heads read; the prompt tokens' rows are left stale, which saves the final
 * attention their share of its image-side products). Each layer's keys update (norm4) runs
 * once the next attention of the tokens to the image has its queries (the next layer's
 * self-attention, or the final attention's, needs only the tokens), so that it computes
 * that attention's scores as it goes. */
static void transformer(const fast_decoder *d, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    int n_out = 1 + d->m->decoder.num_mask_tokens;
    size_t nq = (size_t)N * d->C, nk = (size_t)d->HW * d->C, nq_out = (size_t)n_out * d->C;
    memcpy(b->queries, b->tokens, nq * sizeof(float));
    memcpy(b->keys, d->keys, nk * sizeof(float));
    if (!d->t2i_kT) add_forward(b->tk, d->keys, d->key_pe, nk); /* layer 0 from the image tokens themselves */
    block_tokens(d, 0, b, N);
    for (int l = 0; l < t->depth; l++) {
        block_image(d, l, b, N);
        int last = l + 1 == t->depth, n_next = last ? n_out : N;
        const tw_attention *next = last ? &t->final_attn : &t->layers[l + 1].cross_t2i;
        if (last)
            add_forward(b->tq, b->queries, b->tokens, nq_out); /* the final attention's queries */
        else
            block_tokens(d, l + 1, b, N);
        t2i_query(next, b->tq, n_next, &b->ab);
        keys_update(d, l, b, next->heads * n_next);
    }
    t2i_finish(&t->final_attn, b->ta, n_out, b->keys, d->HW, &b->ab);
    add_forward(b->queries, b->queries, b->ta, nq_out);
    layernorm_forward(b->queries, b->queries, t->norm_final_w, t->norm_final_b, n_out, d->C, TW_LN_EPS);
}

/* tokens = [iou_token, mask_tokens, sparse[n_sparse][C]] */
static void set_tokens(const fast_decoder *d, prompt_buf *b, const float *sparse, int n_sparse) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, T = md->num_mask_tokens;
    memcpy(b->tokens, md->iou_token, (size_t)C * sizeof(float));
    memcpy(b->tokens + C, md->mask_tokens, (size_t)T * C * sizeof(float));
    memcpy(b->tokens + (size_t)(1 + T) * C, sparse, (size_t)n_sparse * C * sizeof(float));
}

/* Everything after the prompt encoder for prompt i: iou[3], and low[3][4G][4G] unless the
 * IoU filter would drop all three masks. */
static void decode_one(const fast_decoder *d, prompt_buf *b, const float *xy01, float keep_iou_above, float *iou,
                       float *low) {
    const sam_model *m = d->m;
    const mask_decoder *md = &m->decoder;
    int T = md->num_mask_tokens, N = 1 + T + N_SPARSE;
    /* sparse tokens: the point (label 1) and the padding point (label -1) */
    const int labels[N_SPARSE] = {PROMPT_POSITIVE, PROMPT_PAD};
    const float xy[2 * N_SPARSE] = {xy01[0], xy01[1], 0.0f, 0.0f};
    prompt_encoder_embed_sparse(&m->prompt, xy, labels, N_SPARSE, b->ta); /* ta: [N][C] scratch */
    set_tokens(d, b, b->ta, N_SPARSE);
    transformer(d, b, N);
    float all_iou[MD_MAX_MASK_TOKENS];
    mlp_forward(&md->iou_head, b->queries, all_iou, b->v0, b->v1);
    memcpy(iou, all_iou + 1, 3 * sizeof(float));
    if (!isnan(keep_iou_above) && !(iou[0] > keep_iou_above) && !(iou[1] > keep_iou_above) &&
        !(iou[2] > keep_iou_above))
        return; /* every mask of this prompt fails the IoU filter */
    masks(d, b, low);
}

int fast_decoder_predict(const fast_decoder *d, nn_arena *a, const float *sparse, int n_sparse, float *low,
                         float *iou) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8, T = md->num_mask_tokens, N = 1 + T + n_sparse;
    prompt_buf b;
    if (prompt_buf_alloc(&b, d, N, a)) return -1;
    set_tokens(d, &b, sparse, n_sparse);
    transformer(d, &b, N);
    for (int m = 0; m < T; m++)
        mlp_forward(&md->hyper[m], b.queries + (size_t)(1 + m) * C, b.hyper + (size_t)m * C8, b.v0, b.v1);
    if (d->folded) keys_fold_scale(&b.fold);
    int rc = mask_head_parallel(md, C, d->m->grid, b.keys, d->folded ? &b.fold : NULL, b.hyper, T, low, a);
    mlp_forward(&md->iou_head, b.queries, iou, b.v0, b.v1);
    return rc;
}

int fast_decoder_run(const fast_decoder *d, const float *xy01, int n, float keep_iou_above, float *iou, float *low) {
    const sam_model *m = d->m;
    int T = m->decoder.num_mask_tokens, N = 1 + T + N_SPARSE, failed = 0;
    size_t LL = (size_t)16 * d->HW;
    if (T != 4) return samc_err("everything decoder: %d mask tokens (multimask output needs 4)", T);
    /* one prompt per thread, each prompt's ops on that thread (nested regions run on it): the
     * prompts are independent, and per-op threading of such small ops costs more than it gains */
    #pragma omp parallel
    {
        nn_arena a = {0}; /* each thread's, for this call's prompts */
        prompt_buf b;
        int ok = prompt_buf_alloc(&b, d, N, &a) == 0;
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; i++)
            if (ok)
                decode_one(d, &b, xy01 + 2 * (size_t)i, keep_iou_above, iou + 3 * (size_t)i,
                           low + (size_t)i * 3 * LL);
        nn_arena_free(&a);
    }
    return failed ? samc_err("everything decoder: out of memory") : 0;
}
