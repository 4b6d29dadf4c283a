#include "sam/two_way_transformer.h"

#include "nn/gemm.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn.h"
#include "nn/trace.h"
#include "sam/eps.h"
#include "util/err.h"
#include "util/mem.h"

#define TW_PREFIX "mask_decoder.transformer."

static int load_attention(tw_attention *a, const samw *w, const char *prefix, int C, int D, int heads) {
    char name[160];
    a->dim = C;
    a->internal = D;
    a->heads = heads;
    if (D % heads) return util_err("%s: internal dim %d not divisible by %d heads", prefix, D, heads);
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

int sam_two_way_transformer_load(two_way_transformer *t, const samw *w) {
    const sam_config *c = samw_config(w);
    int C = c->prompt_dim, H = c->dec_heads;
    if (c->dec_depth < 1 || c->dec_depth > TW_MAX_DEPTH || H < 1 || C % 2 || c->dec_mlp_dim < 1)
        return util_err("two-way transformer: bad config (depth %d, heads %d, dim %d, mlp %d)", c->dec_depth, H, C,
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
    float *q = util_xmalloc_array((size_t)Nq, (size_t)D * sizeof(float));
    float *k = util_xmalloc_array((size_t)Nk, (size_t)D * sizeof(float));
    float *v = util_xmalloc_array((size_t)Nk, (size_t)D * sizeof(float));
    float *o = util_xmalloc_array((size_t)Nq, (size_t)D * sizeof(float));
    float *s = util_xmalloc_array((size_t)Nq * Nk, sizeof(float));
    int rc = -1;
    if (!q || !k || !v || !o || !s) goto done;
    nn_linear_forward(q, q_in, a->q_w, a->q_b, Nq, C, D);
    nn_linear_forward(k, k_in, a->k_w, a->k_b, Nk, C, D);
    nn_linear_forward(v, v_in, a->v_w, a->v_b, Nk, C, D);
    /* divided after the matmul, by the float32 value of math.sqrt(d), as torch */
    float scale = (float)sqrt((double)d);
    for (int h = 0; h < a->heads; h++) {
        /* s[Nq][Nk] = q_h @ k_h^T; the head's d columns sit at h*d in rows of D */
        nn_sgemm(0, 1, Nq, Nk, d, 1.0f, q + h * d, D, k + h * d, D, 0.0f, s,
                    Nk);
        size_t n = (size_t)Nq * Nk;
        #pragma omp parallel for simd schedule(static) if (n > 65536) /* simd: see nn_add_forward() */
        for (size_t i = 0; i < n; i++) s[i] /= scale;
        nn_softmax_rows_inplace(s, (size_t)Nq, Nk);
        /* o_h[Nq][d] = s @ v_h */
        nn_sgemm(0, 0, Nq, d, Nk, 1.0f, s, Nk, v + h * d, D, 0.0f, o + h * d,
                    D);
    }
    nn_linear_forward(out, o, a->out_w, a->out_b, Nq, D, C);
    rc = 0;
done:
    free(q);
    free(k);
    free(v);
    free(o);
    free(s);
    return rc;
}

/* Scratch of a block: the image-to-token attention's output and the MLP's hidden layer. */
typedef struct {
    float *ti;  /* [HW][C] */
    float *hid; /* [N][mlp_dim] */
} tw_scratch;

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
        nn_add_forward(tq, queries, query_pe, nq);
        if (attention_forward(&b->self_attn, ta, tq, N, tq, queries, N)) return -1;
        nn_add_forward(queries, queries, ta, nq);
    }
    nn_layernorm_forward(queries, queries, b->norm_w[0], b->norm_b[0], N, C, SAM_TW_LN_EPS);
    /* tokens attend to the image */
    nn_add_forward(tq, queries, query_pe, nq);
    nn_add_forward(tk, keys, key_pe, nk);
    if (attention_forward(&b->cross_t2i, ta, tq, N, tk, keys, HW)) return -1;
    nn_add_forward(queries, queries, ta, nq);
    nn_layernorm_forward(queries, queries, b->norm_w[1], b->norm_b[1], N, C, SAM_TW_LN_EPS);
    /* MLP (ReLU) */
    nn_linear_forward(w->hid, queries, b->mlp1_w, b->mlp1_b, N, C, mlp_dim);
    nn_relu_inplace(w->hid, (size_t)N * mlp_dim);
    nn_linear_forward(ta, w->hid, b->mlp2_w, b->mlp2_b, N, mlp_dim, C);
    nn_add_forward(queries, queries, ta, nq);
    nn_layernorm_forward(queries, queries, b->norm_w[2], b->norm_b[2], N, C, SAM_TW_LN_EPS);
    /* the image attends to the tokens (tk still holds keys + key_pe) */
    nn_add_forward(tq, queries, query_pe, nq);
    if (attention_forward(&b->cross_i2t, w->ti, tk, HW, tq, queries, N)) return -1;
    nn_add_forward(keys, keys, w->ti, nk);
    nn_layernorm_forward(keys, keys, b->norm_w[3], b->norm_b[3], HW, C, SAM_TW_LN_EPS);
    return 0;
}

int sam_two_way_transformer_forward(const two_way_transformer *t, const float *image, const float *key_pe, int HW,
                                const float *tokens, int N, float *queries, float *keys) {
    int C = t->dim;
    size_t nq = (size_t)N * C, nk = (size_t)HW * C;
    float *tk = util_xmalloc_array(nk, sizeof(float));
    float *tq = util_xmalloc_array(nq, sizeof(float));
    float *ta = util_xmalloc_array(nq, sizeof(float));
    tw_scratch w = {.ti = util_xmalloc_array(nk, sizeof(float)),
                     .hid = util_xmalloc_array((size_t)N, (size_t)t->mlp_dim * sizeof(float))};
    int rc = -1;
    if (!tk || !tq || !ta || !w.ti || !w.hid) goto done;
    /* flatten(2).permute(0, 2, 1): [C][HW] -> [HW][C] */
    nn_transpose_forward(keys, C, image, C, HW);
    memcpy(queries, tokens, nq * sizeof(float));
    for (int l = 0; l < t->depth; l++) {
        if (block_forward(&t->layers[l], C, t->mlp_dim, queries, keys, N, tokens, key_pe, HW, tq, tk, ta, &w))
            goto done;
        nn_trace_at("mask_decoder.transformer.layers.%d.queries", l, queries, 1, N, C, 0);
        nn_trace_at("mask_decoder.transformer.layers.%d.keys", l, keys, 1, HW, C, 0);
    }
    /* final attention of the tokens to the image */
    nn_add_forward(tq, queries, tokens, nq);
    nn_add_forward(tk, keys, key_pe, nk);
    if (attention_forward(&t->final_attn, ta, tq, N, tk, keys, HW)) goto done;
    nn_trace("mask_decoder.transformer.final_attn_token_to_image", ta, 1, N, C, 0);
    nn_add_forward(queries, queries, ta, nq);
    nn_layernorm_forward(queries, queries, t->norm_final_w, t->norm_final_b, N, C, SAM_TW_LN_EPS);
    nn_trace("mask_decoder.transformer.norm_final_attn", queries, 1, N, C, 0);
    rc = 0;
done:
    free(tk);
    free(tq);
    free(ta);
    free(w.ti);
    free(w.hid);
    return rc;
}
