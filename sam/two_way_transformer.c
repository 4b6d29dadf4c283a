#include "sam/two_way_transformer.h"

#include "nn/gemm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "util/err.h"
#include "util/mem.h"

#define TW_PREFIX "mask_decoder.transformer."
#define TW_LN_EPS 1e-5f /* nn.LayerNorm default, unlike the 1e-6 elsewhere in SAM */
/* image tokens per block of the image-side products, shared among threads (nn_sgemm_blocks) */
#define TW_BLOCK 512

static int load_attention(tw_attention *a, const samw *w, const char *prefix, int C, int D, int heads) {
    char name[160];
    a->dim = C;
    a->internal = D;
    a->heads = heads;
    if (D % heads) return samc_err("%s: internal dim %d not divisible by %d heads", prefix, D, heads);
    struct {
        const float **dst;
        const char *suffix;
        int64_t d0, d1;
    } t[] = {
        {&a->q_w, "q_proj.weight", D, C}, {&a->q_b, "q_proj.bias", D, -1},
        {&a->k_w, "k_proj.weight", D, C}, {&a->k_b, "k_proj.bias", D, -1},
        {&a->v_w, "v_proj.weight", D, C}, {&a->v_b, "v_proj.bias", D, -1},
        {&a->out_w, "out_proj.weight", C, D}, {&a->out_b, "out_proj.bias", C, -1},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        snprintf(name, sizeof name, "%s%s", prefix, t[i].suffix);
        if (!(*t[i].dst = samw_get4(w, name, t[i].d0, t[i].d1, -1, -1))) return -1;
    }
    return 0;
}

int two_way_transformer_load(two_way_transformer *t, const samw *w) {
    const sam_config *c = samw_config(w);
    int C = c->prompt_dim, H = c->dec_heads;
    if (c->dec_depth < 1 || c->dec_depth > TW_MAX_DEPTH || H < 1 || C % 2 || c->dec_mlp_dim < 1)
        return samc_err("two-way transformer: bad config (depth %d, heads %d, dim %d, mlp %d)", c->dec_depth, H, C,
                        c->dec_mlp_dim);
    t->dim = C;
    t->heads = H;
    t->mlp_dim = c->dec_mlp_dim;
    t->depth = c->dec_depth;
    char p[128], name[160];
    for (int l = 0; l < t->depth; l++) {
        tw_block *b = &t->layers[l];
        b->skip_first_layer_pe = l == 0;
        snprintf(p, sizeof p, TW_PREFIX "layers.%d.self_attn.", l);
        if (load_attention(&b->self_attn, w, p, C, C, H)) return -1;
        snprintf(p, sizeof p, TW_PREFIX "layers.%d.cross_attn_token_to_image.", l);
        if (load_attention(&b->cross_t2i, w, p, C, C / 2, H)) return -1;
        snprintf(p, sizeof p, TW_PREFIX "layers.%d.cross_attn_image_to_token.", l);
        if (load_attention(&b->cross_i2t, w, p, C, C / 2, H)) return -1;
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof name, TW_PREFIX "layers.%d.norm%d.weight", l, k + 1);
            if (!(b->norm_w[k] = samw_get4(w, name, C, -1, -1, -1))) return -1;
            snprintf(name, sizeof name, TW_PREFIX "layers.%d.norm%d.bias", l, k + 1);
            if (!(b->norm_b[k] = samw_get4(w, name, C, -1, -1, -1))) return -1;
        }
        snprintf(name, sizeof name, TW_PREFIX "layers.%d.mlp.lin1.weight", l);
        if (!(b->mlp1_w = samw_get4(w, name, t->mlp_dim, C, -1, -1))) return -1;
        snprintf(name, sizeof name, TW_PREFIX "layers.%d.mlp.lin1.bias", l);
        if (!(b->mlp1_b = samw_get4(w, name, t->mlp_dim, -1, -1, -1))) return -1;
        snprintf(name, sizeof name, TW_PREFIX "layers.%d.mlp.lin2.weight", l);
        if (!(b->mlp2_w = samw_get4(w, name, C, t->mlp_dim, -1, -1))) return -1;
        snprintf(name, sizeof name, TW_PREFIX "layers.%d.mlp.lin2.bias", l);
        if (!(b->mlp2_b = samw_get4(w, name, C, -1, -1, -1))) return -1;
    }
    if (load_attention(&t->final_attn, w, TW_PREFIX "final_attn_token_to_image.", C, C / 2, H)) return -1;
    if (!(t->norm_final_w = samw_get4(w, TW_PREFIX "norm_final_attn.weight", C, -1, -1, -1))) return -1;
    if (!(t->norm_final_b = samw_get4(w, TW_PREFIX "norm_final_attn.bias", C, -1, -1, -1))) return -1;
    return 0;
}

/* Attention.forward: out[Nq][C] = out_proj(heads(softmax(q_h k_h^T / sqrt(d)) v_h)) with
 * q = q_proj(q_in[Nq][C]), k = k_proj(k_in[Nk][C]), v = v_proj(v_in[Nk][C]). */
static int attention_forward(const tw_attention *a, float *out, const float *q_in, int Nq, const float *k_in,
                             const float *v_in, int Nk) {
    int C = a->dim, D = a->internal, d = D / a->heads;
    float *q = xmalloc_array((size_t)Nq, (size_t)D * sizeof(float));
    float *k = xmalloc_array((size_t)Nk, (size_t)D * sizeof(float));
    float *v = xmalloc_array((size_t)Nk, (size_t)D * sizeof(float));
    float *o = xmalloc_array((size_t)Nq, (size_t)D * sizeof(float));
    float *s = xmalloc_array((size_t)Nq * Nk, sizeof(float));
    int rc = -1;
    if (!q || !k || !v || !o || !s) goto done;
    linear_forward(q, q_in, a->q_w, a->q_b, Nq, C, D);
    linear_forward(k, k_in, a->k_w, a->k_b, Nk, C, D);
    linear_forward(v, v_in, a->v_w, a->v_b, Nk, C, D);
    /* divided after the matmul, by the float32 value of math.sqrt(d), as torch */
    float scale = (float)sqrt((double)d);
    for (int h = 0; h < a->heads; h++) {
        /* s[Nq][Nk] = q_h @ k_h^T; the head's d columns sit at h*d in rows of D */
        nn_sgemm(0, 1, Nq, Nk, d, 1.0f, q + h * d, D, k + h * d, D, 0.0f, s,
                    Nk);
        size_t n = (size_t)Nq * Nk;
        #pragma omp parallel for simd schedule(static) if (n > 65536) /* simd: see add() */
        for (size_t i = 0; i < n; i++) s[i] /= scale;
        softmax_rows_inplace(s, (size_t)Nq, Nk);
        /* o_h[Nq][d] = s @ v_h */
        nn_sgemm(0, 0, Nq, d, Nk, 1.0f, s, Nk, v + h * d, D, 0.0f, o + h * d,
                    D);
    }
    linear_forward(out, o, a->out_w, a->out_b, Nq, D, C);
    rc = 0;
done:
    free(q);
    free(k);
    free(v);
    free(o);
    free(s);
    return rc;
}

/* out = a + b elementwise; "simd" because gcc -O2 leaves the loop scalar otherwise (the
 * 4096 x 256 key adds were 6% of a click); elementwise, so the same bits either way */
static void add(float *out, const float *a, const float *b, size_t n) {
    #pragma omp parallel for simd schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/* out[rows][n] = each row a copy of v[n] (a bias that sgemm then accumulates onto) */
static void fill_rows(float *out, const float *v, int rows, int n) {
    #pragma omp parallel for schedule(static) if (rows > 256)
    for (int r = 0; r < rows; r++) memcpy(out + (size_t)r * n, v, (size_t)n * sizeof(float));
}

/* Scratch of the cross attentions: hN = heads * N rows of scores and projected tokens. */
typedef struct {
    float *q, *k, *v, *o; /* [N][D] token projections */
    float *qk;            /* [hN][C] */
    float *kq;            /* [C][hN] */
    float *bqk;           /* [hN] */
    float *s;             /* [hN][HW] or [HW][hN] */
    float *ti;            /* [HW][C] the image-to-token attention's output (reference mode) */
    float *hid;           /* [N][mlp_dim] */
} tw_scratch;

/* Attention.forward of the tokens attending to the image, q_in[N][C] against the HW image
 * tokens k_in (keys + PE) and v_in (keys). The keys and values are never projected; per head
 * the projections move to the token side:
 *   q_h . (Wk_h x + bk_h) = (Wk_h^T q_h) . x + q_h . bk_h, and the last term is the same for
 *   every key of a softmax row, which softmax ignores;
 *   sum_p a_p (Wv_h x_p + bv_h) = Wv_h (sum_p a_p x_p) + bv_h, the weights summing to 1.
 * That is two [hN][C] x [C][HW] products instead of two [HW][C] x [C][D] projections
 * (hN = 56 against D = 128 for SAM), the same function up to float rounding. Reference mode
 * (nn/mode.h) keeps the official order of operations. */
static int attend_tokens_to_image(const tw_attention *a, float *out, const float *q_in, int N, const float *k_in,
                                  const float *v_in, int HW, const tw_scratch *w) {
    if (nn_reference_mode()) return attention_forward(a, out, q_in, N, k_in, v_in, HW);
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, hN = H * N;
    float scale = (float)sqrt((double)d); /* torch divides by the float32 math.sqrt(d) */
    linear_forward(w->q, q_in, a->q_w, a->q_b, N, C, D);
    for (int h = 0; h < H; h++) /* qk[h][N][C] = q_h @ Wk_h */
        nn_sgemm(0, 0, N, C, d, 1.0f, w->q + h * d, D, a->k_w + (size_t)h * d * C, C, 0.0f, w->qk + (size_t)h * N * C,
                 C);
    for (size_t i = 0; i < (size_t)hN * C; i++) w->qk[i] /= scale;
    /* s[hN][HW] = qk @ k_in^T, softmax over the image tokens */
    nn_sgemm_blocks(1, TW_BLOCK, 0, 1, hN, HW, C, 1.0f, w->qk, C, k_in, C, 0.0f, w->s, HW);
    softmax_rows_inplace(w->s, (size_t)hN, HW);
    /* qk <- s @ v_in: each row's weighted mean image token, then o_h = Wv_h mean + bv_h */
    nn_sgemm_blocks(1, 64, 0, 0, hN, C, HW, 1.0f, w->s, HW, v_in, C, 0.0f, w->qk, C);
    fill_rows(w->o, a->v_b, N, D);
    for (int h = 0; h < H; h++)
        nn_sgemm(0, 1, N, d, C, 1.0f, w->qk + (size_t)h * N * C, C, a->v_w + (size_t)h * d * C, C, 1.0f, w->o + h * d,
                 D);
    linear_forward(out, w->o, a->out_w, a->out_b, N, D, C);
    return 0;
}

/* keys += Attention.forward of the image attending to the tokens: the HW queries q_in (keys
 * + PE) against k_in[N][C] (tokens + PE) and v_in[N][C]. The image side is never projected
 * either:
 *   (Wq_h x + bq_h) . k_h = x . (Wq_h^T k_h) + bq_h . k_h    (scores: [hN][C] x [C][HW])
 *   Wo (sum_j a_j v_j) + bo = sum_j a_j (Wo_h v_j + bo / H) (output: [HW][hN] x [hN][C])
 * against [HW][C] x [C][D] for each of q_proj and out_proj; each head's weights sum to 1,
 * so bo rides on the token side too and the product accumulates straight into the keys. */
static int image_to_tokens_residual(const tw_attention *a, float *keys, const float *q_in, int HW, const float *k_in,
                                    const float *v_in, int N, const tw_scratch *w) {
    int C = a->dim, D = a->internal, H = a->heads, d = D / H, hN = H * N;
    if (nn_reference_mode()) {
        if (attention_forward(a, w->ti, q_in, HW, k_in, v_in, N)) return -1;
        add(keys, keys, w->ti, (size_t)HW * C);
        return 0;
    }
    float scale = (float)sqrt((double)d);
    linear_forward(w->k, k_in, a->k_w, a->k_b, N, C, D);
    linear_forward(w->v, v_in, a->v_w, a->v_b, N, C, D);
    for (int h = 0; h < H; h++) { /* kq[C][h*N + j] = Wq_h^T k_h[j], bqk[h*N + j] = bq_h . k_h[j] */
        nn_sgemm(1, 1, C, N, d, 1.0f, a->q_w + (size_t)h * d * C, C, w->k + h * d, D, 0.0f, w->kq + h * N, hN);
        for (int j = 0; j < N; j++) {
            float dot = 0.0f;
            for (int e = 0; e < d; e++) dot += a->q_b[h * d + e] * w->k[(size_t)j * D + h * d + e];
            w->bqk[h * N + j] = dot;
        }
    }
    for (size_t i = 0; i < (size_t)C * hN; i++) w->kq[i] /= scale;
    for (int i = 0; i < hN; i++) w->bqk[i] /= scale;
    /* s[HW][H][N] = q_in @ kq + bqk, softmax over each head's N tokens */
    fill_rows(w->s, w->bqk, HW, hN);
    nn_sgemm_blocks(0, TW_BLOCK, 0, 0, HW, hN, C, 1.0f, q_in, C, w->kq, hN, 1.0f, w->s, hN);
    softmax_short_rows_inplace(w->s, (size_t)HW * H, N);
    /* qk[h][N][C] = v_h @ Wo_h^T + bo / H, then keys += s^T @ qk */
    for (int h = 0; h < H; h++) {
        float *qk = w->qk + (size_t)h * N * C;
        fill_rows(qk, a->out_b, N, C);
        for (int i = 0; i < N * C; i++) qk[i] /= (float)H;
        nn_sgemm(0, 1, N, C, d, 1.0f, w->v + h * d, D, a->out_w + h * d, D, 1.0f, qk, C);
    }
    nn_sgemm_blocks(0, TW_BLOCK, 0, 0, HW, C, hN, 1.0f, w->s, hN, w->qk, C, 1.0f, keys, C);
    return 0;
}

/* TwoWayAttentionBlock.forward on queries[N][C] and keys[HW][C], in place. */
static int block_forward(const tw_block *b, int C, int mlp_dim, float *queries, float *keys, int N,
                         const float *query_pe, const float *key_pe, int HW, float *tq, float *tk, float *ta,
                         const tw_scratch *w) {
    size_t nq = (size_t)N * C, nk = (size_t)HW * C;
    /* self-attention of the tokens; layer 0 replaces the queries (no PE, no residual) */
    if (b->skip_first_layer_pe) {
        if (attention_forward(&b->self_attn, ta, queries, N, queries, queries, N)) return -1;
        memcpy(queries, ta, nq * sizeof(float));
    } else {
        add(tq, queries, query_pe, nq);
        if (attention_forward(&b->self_attn, ta, tq, N, tq, queries, N)) return -1;
        add(queries, queries, ta, nq);
    }
    layernorm_forward(queries, queries, b->norm_w[0], b->norm_b[0], N, C, TW_LN_EPS);
    /* tokens attend to the image */
    add(tq, queries, query_pe, nq);
    add(tk, keys, key_pe, nk);
    if (attend_tokens_to_image(&b->cross_t2i, ta, tq, N, tk, keys, HW, w)) return -1;
    add(queries, queries, ta, nq);
    layernorm_forward(queries, queries, b->norm_w[1], b->norm_b[1], N, C, TW_LN_EPS);
    /* MLP (ReLU) */
    linear_forward(w->hid, queries, b->mlp1_w, b->mlp1_b, N, C, mlp_dim);
    relu_inplace(w->hid, (size_t)N * mlp_dim);
    linear_forward(ta, w->hid, b->mlp2_w, b->mlp2_b, N, mlp_dim, C);
    add(queries, queries, ta, nq);
    layernorm_forward(queries, queries, b->norm_w[2], b->norm_b[2], N, C, TW_LN_EPS);
    /* the image attends to the tokens (tk still holds keys + key_pe) */
    add(tq, queries, query_pe, nq);
    if (image_to_tokens_residual(&b->cross_i2t, keys, tk, HW, tq, queries, N, w)) return -1;
    layernorm_forward(keys, keys, b->norm_w[3], b->norm_b[3], HW, C, TW_LN_EPS);
    return 0;
}

/* out[HW][C] = in[C][HW] transposed, in tiles of 64 tokens x 8 channels: 8 read streams
 * (rows HW floats apart alias in the L1 cache, so few at a time) and short contiguous writes */
static void to_tokens(float *out, const float *in, int C, int HW) {
    #pragma omp parallel for schedule(static)
    for (int p0 = 0; p0 < HW; p0 += 64) {
        int p1 = p0 + 64 < HW ? p0 + 64 : HW;
        for (int c0 = 0; c0 < C; c0 += 8) {
            int c1 = c0 + 8 < C ? c0 + 8 : C;
            for (int p = p0; p < p1; p++)
                for (int c = c0; c < c1; c++) out[(size_t)p * C + c] = in[(size_t)c * HW + p];
        }
    }
}

int two_way_transformer_forward(const two_way_transformer *t, const float *image, const float *image_pe, int HW,
                                const float *tokens, int N, float *queries, float *keys) {
    int C = t->dim, hN = t->heads * N;
    size_t nq = (size_t)N * C, nk = (size_t)HW * C;
    float *key_pe = xmalloc_array(nk, sizeof(float));
    float *tk = xmalloc_array(nk, sizeof(float));
    float *tq = xmalloc_array(nq, sizeof(float));
    float *ta = xmalloc_array(nq, sizeof(float));
    tw_scratch w = {
        .q = xmalloc_array(nq, sizeof(float)), .k = xmalloc_array(nq, sizeof(float)),
        .v = xmalloc_array(nq, sizeof(float)), .o = xmalloc_array(nq, sizeof(float)),
        .qk = xmalloc_array((size_t)hN, (size_t)C * sizeof(float)),
        .kq = xmalloc_array((size_t)hN, (size_t)C * sizeof(float)), .bqk = xmalloc_array((size_t)hN, sizeof(float)),
        .s = xmalloc_array((size_t)hN, (size_t)HW * sizeof(float)), .ti = xmalloc_array(nk, sizeof(float)),
        .hid = xmalloc_array((size_t)N, (size_t)t->mlp_dim * sizeof(float)),
    };
    int rc = -1;
    if (!key_pe || !tk || !tq || !ta || !w.q || !w.k || !w.v || !w.o || !w.qk || !w.kq || !w.bqk || !w.s || !w.ti ||
        !w.hid)
        goto done;
    /* flatten(2).permute(0, 2, 1): [C][HW] -> [HW][C] */
    to_tokens(keys, image, C, HW);
    to_tokens(key_pe, image_pe, C, HW);
    memcpy(queries, tokens, nq * sizeof(float));
    for (int l = 0; l < t->depth; l++) {
        if (block_forward(&t->layers[l], C, t->mlp_dim, queries, keys, N, tokens, key_pe, HW, tq, tk, ta, &w))
            goto done;
        nn_trace_at("mask_decoder.transformer.layers.%d.queries", l, queries, 1, N, C, 0);
        nn_trace_at("mask_decoder.transformer.layers.%d.keys", l, keys, 1, HW, C, 0);
    }
    /* final attention of the tokens to the image */
    add(tq, queries, tokens, nq);
    add(tk, keys, key_pe, nk);
    if (attend_tokens_to_image(&t->final_attn, ta, tq, N, tk, keys, HW, &w)) goto done;
    nn_trace("mask_decoder.transformer.final_attn_token_to_image", ta, 1, N, C, 0);
    add(queries, queries, ta, nq);
    layernorm_forward(queries, queries, t->norm_final_w, t->norm_final_b, N, C, TW_LN_EPS);
    nn_trace("mask_decoder.transformer.norm_final_attn", queries, 1, N, C, 0);
    rc = 0;
done:
    free(key_pe);
    free(tk);
    free(tq);
    free(ta);
    float *all[] = {w.q, w.k, w.v, w.o, w.qk, w.kq, w.bqk, w.s, w.ti, w.hid};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) free(all[i]);
    return rc;
}
