/* MaskDecoder.predict_masks in fast mode, with the image-only work shared among prompts (see
 * sam/fast_decoder.h). The ops are those of the official
 * TwoWayTransformer and MaskDecoder; the cross attentions never project the 4096 image
 * tokens (attention_t2i, attention_i2t: the projections are moved to the token side by
 * associativity), so the results equal the one-prompt decoder's up to float rounding. */
#include "sam/fast_decoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "nn/clones.h"
#include "nn/gemm.h"
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
 * the OpenMP threads for a single prompt (nn_sgemm_blocks; one thread inside a batch). */
#define IMAGE_BLOCK 512

/* softmax((x + bias) / scale) over each row of x[rows][cols] in place, the bias of column c
 * in row r being bias[(r % bias_period) * cols + c] when col_bias, else bias[r] (NULL: none):
 * the score scaling, then softmax_rows_inplace's softmax (short rows vectorised across rows). */
NN_CLONES static void scaled_softmax(float *x, size_t rows, int cols, const float *bias, int col_bias, int bias_period,
                                     float scale) {
    #pragma omp parallel for schedule(static) if (rows * (size_t)cols > 65536)
    for (size_t r = 0; r < rows; r++) {
        float *row = x + r * (size_t)cols;
        const float *bc = col_bias ? bias + (r % (size_t)bias_period) * cols : NULL;
        float br = bias && !col_bias ? bias[r] : 0.0f;
        if (bc) {
            #pragma omp simd
            for (int c = 0; c < cols; c++) row[c] = (row[c] + bc[c]) / scale;
        } else {
            #pragma omp simd
            for (int c = 0; c < cols; c++) row[c] = (row[c] + br) / scale;
        }
    }
    softmax_short_rows_inplace(x, rows, cols);
}

/* Scratch of the attention calls. The token side is N rows; the image side is folded into
 * R = heads * N rows (see attention_t2i / attention_i2t). */
typedef struct {
    float *q, *k, *v, *o; /* [N][D] */
    float *s;             /* scores: [HW][R] or [R][HW] */
    float *f, *z;         /* [R][C] folded weights, weighted sums of the image tokens */
    float *fb;            /* [R] folded bias terms */
} attn_buf;

/* Attention.forward among a few tokens (self-attention), or of tokens over image keys and
 * values already projected (k_pre, v_pre [Nk][D], layer 0): out[Nq][C]. */
static void attention(const tw_attention *a, float *out, const float *q_in, int Nq, const float *k_in,
                      const float *v_in, int Nk, const float *k_pre, const float *v_pre, const attn_buf *b) {
    int C = a->dim, D = a->internal, d = D / a->heads;
    const float *k = k_pre, *v = v_pre;
    linear_forward(b->q, q_in, a->q_w, a->q_b, Nq, C, D);
    if (!k) linear_forward(b->k, k_in, a->k_w, a->k_b, Nk, C, D), k = b->k;
    if (!v) linear_forward(b->v, v_in, a->v_w, a->v_b, Nk, C, D), v = b->v;
    float scale = (float)sqrt((double)d);
    for (int h = 0; h < a->heads; h++) {
        nn_sgemm_blocks(1, IMAGE_BLOCK, 0, 1, Nq, Nk, d, 1.0f, b->q + h * d, D, k + h * d, D, 0.0f, b->s, Nk);
        scaled_softmax(b->s, (size_t)Nq, Nk, NULL, 0, 1, scale);
        nn_sgemm(0, 0, Nq, d, Nk, 1.0f, b->s, Nk, v + h * d, D, 0.0f, b->o + h * d, D);
    }
    linear_forward(out, b->o, a->out_w, a->out_b, Nq, D, C);
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
 * differs from the projected form by a few ulps of the terms. out[N][C]. */
static void attention_t2i(const tw_attention *a, float *out, const float *q_in, int N, const float *k_in,
                          const float *v_in, int HW, const attn_buf *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    linear_forward(b->q, q_in, a->q_w, a->q_b, N, C, D);
    fold_heads(b->q, a->k_w, a->k_b, N, C, D, H, b->f, b->fb);
    nn_sgemm_blocks(1, IMAGE_BLOCK, 0, 1, R, HW, C, 1.0f, b->f, C, k_in, C, 0.0f, b->s, HW); /* s[R][HW] */
    float scale = (float)sqrt((double)d);
    scaled_softmax(b->s, (size_t)R, HW, b->fb, 0, 1, scale);
    nn_sgemm_blocks(1, 64, 0, 0, R, C, HW, 1.0f, b->s, HW, v_in, C, 0.0f, b->z, C); /* z[R][C] = P @ x */
    for (int h = 0; h < H; h++) /* o[j][h] = Wv_h z[h][j] + bv_h */
        nn_sgemm(0, 1, N, d, C, 1.0f, b->z + (size_t)h * N * C, C, a->v_w + (size_t)h * d * C, C, 0.0f, b->o + h * d,
                 D);
    for (int j = 0; j < N; j++)
        for (int e = 0; e < D; e++) b->o[(size_t)j * D + e] += a->v_b[e];
    linear_forward(out, b->o, a->out_w, a->out_b, N, D, C);
}

/* Attention.forward of HW image queries (q_in[HW][C], or their projections q_pre[HW][D])
 * over N tokens (keys k_in, values v_in, [N][C]), without projecting the image: for head h,
 *   (Wq_h x + bq_h) . k_h = x . (Wq_h^T k_h) + bq_h . k_h
 *   Wo (concat_h sum_j P_hj v_hj) + bo = sum_h sum_j P_hj (Wo_h v_hj) + bo,
 * so the image side is two [HW][C] x [C][R] products. out[HW][C]. */
static void attention_i2t(const tw_attention *a, float *out, const float *q_in, const float *q_pre, int HW,
                          const float *k_in, const float *v_in, int N, const attn_buf *b) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, R = H * N;
    linear_forward(b->k, k_in, a->k_w, a->k_b, N, C, D);
    linear_forward(b->v, v_in, a->v_w, a->v_b, N, C, D);
    if (q_pre) { /* s[HW][R] = q_h k_h^T */
        for (int h = 0; h < H; h++)
            nn_sgemm_blocks(0, IMAGE_BLOCK, 0, 1, HW, N, d, 1.0f, q_pre + h * d, D, b->k + h * d, D, 0.0f, b->s + h * N, R);
        for (int r = 0; r < R; r++) b->fb[r] = 0.0f;
    } else {
        fold_heads(b->k, a->q_w, a->q_b, N, C, D, H, b->f, b->fb);
        nn_sgemm_blocks(0, IMAGE_BLOCK, 0, 1, HW, R, C, 1.0f, q_in, C, b->f, C, 0.0f, b->s, R);
    }
    float scale = (float)sqrt((double)d);
    scaled_softmax(b->s, (size_t)HW * H, N, b->fb, 1, H, scale); /* rows (p, h), columns j */
    for (int h = 0; h < H; h++) /* f[h][j] = Wo_h v_hj */
        nn_sgemm(0, 1, N, C, d, 1.0f, b->v + h * d, D, a->out_w + h * d, D, 0.0f, b->f + (size_t)h * N * C, C);
    #pragma omp parallel for schedule(static) if ((size_t)HW * C > 65536)
    for (int p = 0; p < HW; p++) memcpy(out + (size_t)p * C, a->out_b, (size_t)C * sizeof(float));
    nn_sgemm_blocks(0, IMAGE_BLOCK, 0, 0, HW, C, R, 1.0f, b->s, R, b->f, C, 1.0f, out, C);
}

void fast_decoder_free(fast_decoder *d) {
    free(d->keys);
    free(d->key_pe_tmp);
    free(d->t2i_k);
    free(d->t2i_v);
    free(d->i2t_q);
    memset(d, 0, sizeof *d);
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
    float *tk = NULL;
    if (precompute) {
        d->t2i_k = xmalloc_array((size_t)HW, (size_t)D0 * sizeof(float));
        d->t2i_v = xmalloc_array((size_t)HW, (size_t)D0 * sizeof(float));
        d->i2t_q = xmalloc_array((size_t)HW, (size_t)D0 * sizeof(float));
        tk = xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
    }
    if (!d->keys || !d->key_pe || (precompute && (!d->t2i_k || !d->t2i_v || !d->i2t_q || !tk))) {
        free(tk);
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
    linear_forward(d->t2i_k, tk, b0->cross_t2i.k_w, b0->cross_t2i.k_b, HW, C, D0);
    linear_forward(d->t2i_v, d->keys, b0->cross_t2i.v_w, b0->cross_t2i.v_b, HW, C, D0);
    linear_forward(d->i2t_q, tk, b0->cross_i2t.q_w, b0->cross_i2t.q_b, HW, C, D0);
    free(tk);
    return 0;
}

int fast_decoder_init(fast_decoder *d, const sam_model *m, const float *embedding) {
    return image_init(d, m, embedding, NULL, 1);
}

int fast_decoder_init_dense(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense) {
    return image_init(d, m, embedding, dense, 0);
}

/* keys = LayerNorm(src + delta) over each image token's C channels, and tk = keys + pe,
 * in one pass over the [HW][C] maps instead of three. */
NN_CLONES static void keys_update(float *keys, float *tk, const float *src, const float *delta, const float *pe,
                                  const float *w, const float *bias, int HW, int C) {
    #pragma omp parallel for schedule(static) if ((size_t)HW * C > 65536)
    for (int p = 0; p < HW; p++) {
        size_t o = (size_t)p * C;
        float *x = keys + o;
        #pragma omp simd /* elementwise: gcc -O2 leaves these scalar otherwise; the same bits */
        for (int c = 0; c < C; c++) x[c] = src[o + c] + delta[o + c];
        layernorm_lanes(x, w, bias, C, TW_LN_EPS);
        #pragma omp simd
        for (int c = 0; c < C; c++) tk[o + c] = x[c] + pe[o + c];
    }
}

/* Per-prompt buffers. */
typedef struct {
    float *tokens, *queries, *tq, *ta, *hid; /* token side: [N][C], hid [N][mlp] */
    float *keys, *tk, *ti;                   /* image side: [HW][C] */
    attn_buf ab;
    float *head, *hyper, *v0, *v1; /* mask head */
} prompt_buf;

static void prompt_buf_free(prompt_buf *b) {
    float *all[] = {b->tokens, b->queries, b->tq, b->ta, b->hid, b->keys, b->tk, b->ti, b->ab.q, b->ab.k,
                    b->ab.v, b->ab.o, b->ab.s, b->ab.f, b->ab.z, b->ab.fb, b->head, b->hyper, b->v0, b->v1};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
}

static int prompt_buf_alloc(prompt_buf *b, const sam_model *m, int N) {
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
    b->tokens = xmalloc_array(nq, sizeof(float));
    b->queries = xmalloc_array(nq, sizeof(float));
    b->tq = xmalloc_array(nq, sizeof(float));
    b->ta = xmalloc_array(nq, sizeof(float));
    b->hid = xmalloc_array((size_t)N * mlp_dim, sizeof(float));
    b->keys = xmalloc_array(nk, sizeof(float));
    b->tk = xmalloc_array(nk, sizeof(float));
    b->ti = xmalloc_array(nk, sizeof(float));
    b->ab.q = xmalloc_array(nq, sizeof(float)); /* attention internal dims are <= C */
    b->ab.k = xmalloc_array(nq, sizeof(float));
    b->ab.v = xmalloc_array(nq, sizeof(float));
    b->ab.o = xmalloc_array(nq, sizeof(float));
    b->ab.s = xmalloc_array((size_t)HW * R, sizeof(float));
    b->ab.f = xmalloc_array((size_t)R, (size_t)C * sizeof(float));
    b->ab.z = xmalloc_array((size_t)R, (size_t)C * sizeof(float));
    b->ab.fb = xmalloc_array((size_t)R, sizeof(float));
    b->head = xmalloc_array(mask_head_scratch(C, m->grid, 3), sizeof(float));
    b->hyper = xmalloc_array((size_t)md->num_mask_tokens, (size_t)C8 * sizeof(float));
    b->v0 = xmalloc_array((size_t)widest, sizeof(float));
    b->v1 = xmalloc_array((size_t)widest, sizeof(float));
    float *all[] = {b->tokens, b->queries, b->tq, b->ta, b->hid, b->keys, b->tk, b->ti, b->ab.q, b->ab.k,
                    b->ab.v, b->ab.o, b->ab.s, b->ab.f, b->ab.z, b->ab.fb, b->head, b->hyper, b->v0, b->v1};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!all[i]) {
            prompt_buf_free(b);
            return -1;
        }
    return 0;
}

/* TwoWayAttentionBlock.forward on b->queries [N][C] and b->keys [HW][C]; layer 0 starts from
 * the shared image tokens and uses the shared projections. */
static void block(const fast_decoder *d, int l, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    const tw_block *k = &t->layers[l];
    int C = d->C, HW = d->HW, first = l == 0, pre = first && d->t2i_k; /* precomputed layer 0 */
    size_t nq = (size_t)N * C;
    const float *query_pe = b->tokens;
    /* self-attention of the tokens; layer 0 replaces the queries (no PE, no residual) */
    if (first) {
        attention(&k->self_attn, b->ta, b->queries, N, b->queries, b->queries, N, NULL, NULL, &b->ab);
        memcpy(b->queries, b->ta, nq * sizeof(float));
    } else {
        add_forward(b->tq, b->queries, query_pe, nq);
        attention(&k->self_attn, b->ta, b->tq, N, b->tq, b->queries, N, NULL, NULL, &b->ab);
        add_forward(b->queries, b->queries, b->ta, nq);
    }
    layernorm_forward(b->queries, b->queries, k->norm_w[0], k->norm_b[0], N, C, TW_LN_EPS);
    /* tokens attend to the image */
    add_forward(b->tq, b->queries, query_pe, nq);
    if (pre) {
        attention(&k->cross_t2i, b->ta, b->tq, N, NULL, NULL, HW, d->t2i_k, d->t2i_v, &b->ab);
    } else {
        attention_t2i(&k->cross_t2i, b->ta, b->tq, N, b->tk, b->keys, HW, &b->ab);
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
    if (pre) {
        attention_i2t(&k->cross_i2t, b->ti, NULL, d->i2t_q, HW, b->tq, b->queries, N, &b->ab);
    } else {
        attention_i2t(&k->cross_i2t, b->ti, b->tk, NULL, HW, b->tq, b->queries, N, &b->ab);
    }
    /* keys = norm4(keys + attn_out), and keys + key_pe for the next attention to the image */
    keys_update(b->keys, b->tk, pre ? d->keys : b->keys, b->ti, d->key_pe, k->norm_w[3], k->norm_b[3], HW, C);
}

/* The three multimask outputs' low-res logits out[3][4G][4G] from the transformer's outputs. */
static void masks(const fast_decoder *d, prompt_buf *b, float *out) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8;
    /* hypernetworks of mask tokens 1..3 only: output 0 is not part of multimask output */
    for (int m = 1; m <= 3; m++)
        mlp_forward(&md->hyper[m], b->queries + (size_t)(1 + m) * C, b->hyper + (size_t)(m - 1) * C8, b->v0, b->v1);
    mask_head(md, C, d->m->grid, b->keys, b->hyper, 3, out, b->head);
}

/* TwoWayTransformer.forward from b->tokens [N][C]: b->queries and b->keys after the final
 * attention and its norm. */
static void transformer(const fast_decoder *d, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    size_t nq = (size_t)N * d->C, nk = (size_t)d->HW * d->C;
    memcpy(b->queries, b->tokens, nq * sizeof(float));
    if (!d->t2i_k) { /* layer 0 from the image tokens themselves */
        memcpy(b->keys, d->keys, nk * sizeof(float));
        add_forward(b->tk, d->keys, d->key_pe, nk);
    }
    for (int l = 0; l < t->depth; l++) block(d, l, b, N);
    /* final attention of the tokens to the image */
    add_forward(b->tq, b->queries, b->tokens, nq);
    attention_t2i(&t->final_attn, b->ta, b->tq, N, b->tk, b->keys, d->HW, &b->ab);
    add_forward(b->queries, b->queries, b->ta, nq);
    layernorm_forward(b->queries, b->queries, t->norm_final_w, t->norm_final_b, N, d->C, TW_LN_EPS);
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

int fast_decoder_predict(const fast_decoder *d, const float *sparse, int n_sparse, float *low, float *iou) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8, T = md->num_mask_tokens, N = 1 + T + n_sparse;
    prompt_buf b;
    if (prompt_buf_alloc(&b, d->m, N)) return -1;
    /* the image-side products share out their blocks among OpenMP's threads; the token-side
     * ones are too small to split, and OpenBLAS's own threads would compete with OpenMP's */
    int blas_threads = nn_sgemm_serial_begin();
    set_tokens(d, &b, sparse, n_sparse);
    transformer(d, &b, N);
    for (int m = 0; m < T; m++)
        mlp_forward(&md->hyper[m], b.queries + (size_t)(1 + m) * C, b.hyper + (size_t)m * C8, b.v0, b.v1);
    int rc = mask_head_parallel(md, C, d->m->grid, b.keys, b.hyper, T, low);
    mlp_forward(&md->iou_head, b.queries, iou, b.v0, b.v1);
    nn_sgemm_serial_end(blas_threads);
    prompt_buf_free(&b);
    return rc;
}

int fast_decoder_run(const fast_decoder *d, const float *xy01, int n, float keep_iou_above, float *iou, float *low) {
    const sam_model *m = d->m;
    int T = m->decoder.num_mask_tokens, N = 1 + T + N_SPARSE, failed = 0;
    size_t LL = (size_t)16 * d->HW;
    if (T != 4) return samc_err("everything decoder: %d mask tokens (multimask output needs 4)", T);
    /* one prompt per thread, each prompt's ops single-threaded (BLAS included): the prompts
     * are independent, and per-op threading of such small ops costs more than it gains */
    int threads = blas_get_threads();
    blas_set_threads(1);
    #pragma omp parallel num_threads(threads)
    {
        prompt_buf b;
        int ok = prompt_buf_alloc(&b, m, N) == 0;
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; i++)
            if (ok)
                decode_one(d, &b, xy01 + 2 * (size_t)i, keep_iou_above, iou + 3 * (size_t)i,
                           low + (size_t)i * 3 * LL);
        if (ok) prompt_buf_free(&b);
    }
    blas_set_threads(threads);
    return failed ? samc_err("everything decoder: out of memory") : 0;
}
