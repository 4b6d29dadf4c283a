/* MaskDecoder.predict_masks in fast mode, with the image-only work shared among prompts (see
 * sam/fast_decoder.h). The ops are those of the official TwoWayTransformer and MaskDecoder;
 * the cross attentions never project the 4096 image tokens (sam/fast_attention.h: the
 * projections are moved to the token side by associativity), so the results equal the
 * one-prompt decoder's up to float rounding. */
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
#include "sam/eps.h"
#include "sam/fast_attention.h"
#include "sam/mask_head.h"
#include "sam/prompt_encoder.h"
#include "util/err.h"
#include "util/mem.h"

#define N_SPARSE 2 /* the point and the padding point */
/* Floats of padding after each row of the transposed projections (fast_decoder.ldT): rows
 * HW = 4096 floats apart would all fall in the same L1 sets, and heads_by_image reads 16 of
 * them side by side. */
#define TRANSPOSED_PAD 16

void sam_fast_decoder_free(fast_decoder *d) {
    free(d->keys);
    free(d->key_pe_tmp);
    free(d->t2i_kT);
    free(d->t2i_vT);
    free(d->i2t_qT);
    sam_keys_fold_free(&d->fold);
    memset(d, 0, sizeof *d);
}

/* outT[D][ld] = (x[HW][C] @ W[D][C]^T + bias)^T, by way of proj[HW][D] */
static void projection_t(float *outT, int ld, const float *x, const float *W, const float *bias, int HW, int C,
                         int D, float *proj) {
    nn_linear_forward(proj, x, W, bias, HW, C, D);
    nn_transpose_forward(outT, ld, proj, HW, D);
}

/* The image terms of embedding[C][G][G] plus the dense prompt embedding: dense[C][G][G], or
 * NULL for no_mask_embed; with precompute, also the first layer's projections. */
static int image_init(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense, int precompute) {
    memset(d, 0, sizeof *d);
    const two_way_transformer *t = &m->decoder.transformer;
    const tw_block *b0 = &t->layers[0];
    int C = m->channels, HW = m->grid * m->grid, D0 = b0->cross_t2i.internal;
    if (b0->cross_i2t.internal != D0 || !b0->skip_first_layer_pe)
        return util_err("fast decoder: unexpected first two-way layer");
    d->m = m, d->C = C, d->HW = HW, d->D0 = D0;
    d->keys = util_xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
    d->key_pe = sam_model_pe_tokens(m, &d->key_pe_tmp);
    float *keys_pe = NULL, *proj = NULL;
    if (precompute) {
        d->ldT = HW + TRANSPOSED_PAD;
        d->t2i_kT = util_xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        d->t2i_vT = util_xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        d->i2t_qT = util_xmalloc_array((size_t)d->ldT, (size_t)D0 * sizeof(float));
        keys_pe = util_xmalloc_array((size_t)HW, (size_t)C * sizeof(float));
        proj = util_xmalloc_array((size_t)HW, (size_t)D0 * sizeof(float));
    }
    if (!d->keys || !d->key_pe || (precompute && (!d->t2i_kT || !d->t2i_vT || !d->i2t_qT || !keys_pe || !proj))) {
        free(keys_pe);
        free(proj);
        sam_fast_decoder_free(d);
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
    nn_add_forward(keys_pe, d->keys, d->key_pe, (size_t)HW * C);
    projection_t(d->t2i_kT, d->ldT, keys_pe, b0->cross_t2i.k_w, b0->cross_t2i.k_b, HW, C, D0, proj);
    projection_t(d->t2i_vT, d->ldT, d->keys, b0->cross_t2i.v_w, b0->cross_t2i.v_b, HW, C, D0, proj);
    projection_t(d->i2t_qT, d->ldT, keys_pe, b0->cross_i2t.q_w, b0->cross_i2t.q_b, HW, C, D0, proj);
    free(keys_pe);
    free(proj);
    /* the fold needs every layer's probabilities in one layout: the same head count */
    keys_fold_layer fl[KEYS_FOLD_MAX_LAYERS];
    if (t->depth > KEYS_FOLD_MAX_LAYERS) return 0;
    for (int l = 0; l < t->depth; l++) {
        if (t->layers[l].cross_i2t.heads != b0->cross_i2t.heads) return 0;
        fl[l] = (keys_fold_layer){t->layers[l].norm_w[3], t->layers[l].norm_b[3], t->layers[l].cross_i2t.out_b};
    }
    if (sam_keys_fold_init(&d->fold, fl, t->depth, C, m->decoder.up0_taps, C, d->keys, HW)) {
        sam_fast_decoder_free(d);
        return -1;
    }
    d->folded = 1;
    return 0;
}

int sam_fast_decoder_init(fast_decoder *d, const sam_model *m, const float *embedding) {
    return image_init(d, m, embedding, NULL, 1);
}

int sam_fast_decoder_init_dense(fast_decoder *d, const sam_model *m, const float *embedding, const float *dense) {
    return image_init(d, m, embedding, dense, 0);
}

/* keys = LayerNorm(keys + delta_b) over the C channels of n image tokens, in place (keys
 * holds the residual sum but for the attention's output bias delta_b[C]), and keys_pe = keys + pe,
 * in one pass; rstd[n] (or NULL) gets each token's 1/sqrt(var + eps). */
NN_CLONES static void keys_rows(float *keys, float *keys_pe, float *rstd, const float *delta_b, const float *pe,
                                const float *w, const float *bias, int n, int C) {
    for (int p = 0; p < n; p++) {
        size_t o = (size_t)p * C;
        float *x = keys + o;
        #pragma omp simd /* elementwise: gcc -O2 leaves these scalar otherwise; the same bits */
        for (int c = 0; c < C; c++) x[c] += delta_b[c];
        float r = layernorm_lanes(x, w, bias, C, SAM_TW_LN_EPS);
        if (rstd) rstd[p] = r;
        #pragma omp simd
        for (int c = 0; c < C; c++) keys_pe[o + c] = x[c] + pe[o + c];
    }
}

/* The per-prompt buffers, in one list: X(field, rows, floats per row), in allocation order.
 * N tokens, HW image tokens, C channels, R the widest folded attention's rows (heads x N). */
#define PROMPT_BUFFERS(X)                                                                       \
    X(tokens, N, C)     /* [iou token, mask tokens, prompt tokens]; also the query PE */        \
    X(queries, N, C)    /* the token side's running state */                                    \
    X(queries_pe, N, C) /* queries + query PE */                                                \
    X(attn_out, N, C)   /* an attention's or the MLP's output; the sparse tokens' scratch */     \
    X(mlp_hidden, N, mlp_dim)                                                                   \
    X(keys, HW, C)      /* the image side's running state */                                    \
    X(keys_pe, HW, C)   /* keys + key PE */                                                     \
    X(attn.q, N, C)     /* attention internal dims are <= C */                                  \
    X(attn.k, N, C)                                                                             \
    X(attn.v, N, C)                                                                             \
    X(attn.o, N, C)                                                                             \
    X(attn.scores, HW, R)                                                                       \
    X(attn.folded, R, C)                                                                        \
    X(attn.weighted, R, C)                                                                      \
    X(attn.folded_bias, R, 1)                                                                   \
    X(head, sam_mask_head_scratch(C, m->grid, 3), 1) /* the mask head's tiles (everything mode) */  \
    X(hyper, md->num_mask_tokens, C / 8)         /* the hypernetworks' outputs */               \
    X(mlp_a, widest, 1)                          /* the MLP heads' activations */               \
    X(mlp_b, widest, 1)
/* with d->folded, each layer's probabilities and LayerNorm scales, kept for the keys fold
 * (keys_fold_prompt) */
#define FOLD_BUFFERS(X)                      \
    X(probs, KEYS_FOLD_K(L, R0), HW)         \
    X(rstd, L, HW)                           \
    X(fold_v, KEYS_FOLD_K(L, R0), d->fold.O) \
    X(fold_g, L, HW)

typedef struct {
    float *tokens, *queries, *queries_pe, *attn_out, *mlp_hidden, *keys, *keys_pe;
    fast_attn_scratch attn;
    float *head, *hyper, *mlp_a, *mlp_b;
    float *probs, *rstd, *fold_v, *fold_g;
    keys_fold_prompt fold;
} prompt_buf;

/* Taken from the arena (the predictor's, kept from click to click). */
static int prompt_buf_alloc(prompt_buf *b, const fast_decoder *d, int N, nn_arena *a) {
    const sam_model *m = d->m;
    const mask_decoder *md = &m->decoder;
    int C = m->channels, HW = m->grid * m->grid, mlp_dim = md->transformer.mlp_dim;
    int heads = md->transformer.final_attn.heads; /* R = heads * N rows of the folded attentions */
    for (int l = 0; l < md->transformer.depth; l++) {
        const tw_block *layer = &md->transformer.layers[l];
        heads = layer->cross_t2i.heads > heads ? layer->cross_t2i.heads : heads;
        heads = layer->cross_i2t.heads > heads ? layer->cross_i2t.heads : heads;
    }
    int R = heads * N, widest = sam_mask_decoder_mlp_widest(md);
    int L = md->transformer.depth, R0 = md->transformer.layers[0].cross_i2t.heads * N;
    memset(b, 0, sizeof *b);
#define ALLOC(field, rows, cols) \
    if (!(b->field = nn_arena_alloc(a, (size_t)(rows), (size_t)(cols) * sizeof(float)))) return -1;
    PROMPT_BUFFERS(ALLOC)
    if (d->folded) {
        FOLD_BUFFERS(ALLOC)
        b->fold = (keys_fold_prompt){.f = &d->fold, .R = R0, .probs = b->probs, .v = b->fold_v, .g = b->fold_g,
                                     .rstd = b->rstd};
    }
#undef ALLOC
    return 0;
}

/* Image tokens per tile of keys_update: the tile's keys and keys_pe stay in L2 for its scores. */
#define KEYS_TILE 256

/* Layer l's norm4 on b->keys (keys_rows), and with them the next token-to-image
 * attention's scores b->attn.scores[R][HW] = b->attn.folded keys_pe^T (its queries folded by
 * sam_fast_attn_t2i_fold), a tile at a time while the tile is in cache rather than in a
 * second pass over the maps. */
static void keys_update(const fast_decoder *d, int l, prompt_buf *b, int R) {
    const tw_block *layer = &d->m->decoder.transformer.layers[l];
    int C = d->C, HW = d->HW, tiles = (HW + KEYS_TILE - 1) / KEYS_TILE;
    float *rstd = d->folded ? b->rstd + (size_t)l * HW : NULL;
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < tiles; t++) {
        int p0 = t * KEYS_TILE, n = HW - p0 < KEYS_TILE ? HW - p0 : KEYS_TILE;
        size_t o = (size_t)p0 * C;
        keys_rows(b->keys + o, b->keys_pe + o, rstd ? rstd + p0 : NULL, layer->cross_i2t.out_b, d->key_pe + o,
                  layer->norm_w[3], layer->norm_b[3], n, C);
        nn_sgemm(0, 1, R, n, C, 1.0f, b->attn.folded, C, b->keys_pe + o, C, 0.0f, b->attn.scores + p0, HW);
    }
}

/* TwoWayAttentionBlock.forward on b->queries [N][C] and b->keys [HW][C], in two parts so
 * that its keys update can wait for the next token-to-image attention's queries (see
 * transformer). The first: the self-attention of the tokens (layer 0's replaces the queries:
 * no PE, no residual) and its norm, then b->queries_pe = queries + query_pe. */
static void block_tokens(const fast_decoder *d, int l, prompt_buf *b, int N) {
    const tw_block *layer = &d->m->decoder.transformer.layers[l];
    size_t nq = (size_t)N * d->C;
    const float *query_pe = b->tokens;
    if (l == 0) {
        sam_fast_attn_tokens(&layer->self_attn, b->attn_out, b->queries, b->queries, b->queries, N, &b->attn);
        memcpy(b->queries, b->attn_out, nq * sizeof(float));
    } else {
        nn_add_forward(b->queries_pe, b->queries, query_pe, nq);
        sam_fast_attn_tokens(&layer->self_attn, b->attn_out, b->queries_pe, b->queries_pe, b->queries, N, &b->attn);
        nn_add_forward(b->queries, b->queries, b->attn_out, nq);
    }
    nn_layernorm_forward(b->queries, b->queries, layer->norm_w[0], layer->norm_b[0], N, d->C, SAM_TW_LN_EPS);
    nn_add_forward(b->queries_pe, b->queries, query_pe, nq);
}

/* The second: the tokens attend to the image (b->attn.scores already holds the scores unless this
 * is layer 0), the MLP, and the image attends to the tokens, its output added to b->keys
 * (keys_update then normalises them). Layer 0 starts from the shared image tokens and uses
 * the shared projections. */
static void block_image(const fast_decoder *d, int l, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    const tw_block *layer = &t->layers[l];
    int C = d->C, HW = d->HW, pre = l == 0 && d->t2i_kT; /* precomputed layer 0 */
    size_t nq = (size_t)N * C;
    const float *query_pe = b->tokens;
    if (pre) {
        sam_fast_attn_t2i_projected(&layer->cross_t2i, b->attn_out, b->queries_pe, N, d->t2i_kT, d->t2i_vT, d->ldT,
                                    HW, &b->attn);
    } else {
        if (l == 0) {
            sam_fast_attn_t2i_fold(&layer->cross_t2i, b->queries_pe, N, &b->attn);
            sam_fast_attn_t2i_scores(layer->cross_t2i.heads * N, C, b->keys_pe, HW, &b->attn);
        }
        sam_fast_attn_t2i_finish(&layer->cross_t2i, b->attn_out, N, b->keys, HW, &b->attn);
    }
    nn_add_forward(b->queries, b->queries, b->attn_out, nq);
    nn_layernorm_forward(b->queries, b->queries, layer->norm_w[1], layer->norm_b[1], N, C, SAM_TW_LN_EPS);
    /* MLP (ReLU) */
    nn_linear_forward(b->mlp_hidden, b->queries, layer->mlp1_w, layer->mlp1_b, N, C, t->mlp_dim);
    nn_relu_inplace(b->mlp_hidden, (size_t)N * t->mlp_dim);
    nn_linear_forward(b->attn_out, b->mlp_hidden, layer->mlp2_w, layer->mlp2_b, N, t->mlp_dim, C);
    nn_add_forward(b->queries, b->queries, b->attn_out, nq);
    nn_layernorm_forward(b->queries, b->queries, layer->norm_w[2], layer->norm_b[2], N, C, SAM_TW_LN_EPS);
    /* the image attends to the tokens */
    nn_add_forward(b->queries_pe, b->queries, query_pe, nq);
    int R = layer->cross_i2t.heads * N;
    float *s = d->folded ? b->probs + (size_t)l * HW * R : b->attn.scores;
    if (pre) {
        sam_fast_attn_i2t(&layer->cross_i2t, b->keys, NULL, d->i2t_qT, d->ldT, HW, b->queries_pe, b->queries, N,
                          &b->attn, s);
    } else {
        sam_fast_attn_i2t(&layer->cross_i2t, b->keys, b->keys_pe, NULL, 0, HW, b->queries_pe, b->queries, N, &b->attn,
                          s);
    }
    if (d->folded) sam_keys_fold_values(&d->fold, l, b->attn.folded, R, b->fold_v + (size_t)l * R * d->fold.O,
        b->attn.weighted);
}

/* The three multimask outputs' low-res logits out[3][4G][4G] from the transformer's outputs. */
static void masks(const fast_decoder *d, prompt_buf *b, float *out) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8;
    /* hypernetworks of mask tokens 1..3 only: output 0 is not part of multimask output */
    for (int m = 1; m <= 3; m++)
        sam_mlp_forward(&md->hyper[m], b->queries + (size_t)(1 + m) * C, b->hyper + (size_t)(m - 1) * C8, b->mlp_a,
                    b->mlp_b);
    if (d->folded) sam_keys_fold_scale(&b->fold);
    sam_mask_head(md, C, d->m->grid, b->keys, d->folded ? &b->fold : NULL, b->hyper, 3, out, b->head);
}

/* TwoWayTransformer.forward from b->tokens [N][C]: b->keys, and b->queries after the final
 * attention and its norm for the IoU and mask tokens (the first 1 + num_mask_tokens rows:
 * all that the heads read; the prompt tokens' rows are left stale, which saves the final
 * attention their share of its image-side products).
 *
 * The official TwoWayAttentionBlock l runs, in order:
 *   self_attn(tokens), norm1 | cross_t2i(tokens -> image), norm2, mlp, norm3 |
 *   cross_i2t(image -> tokens), norm4
 * Here each block is split in two, block_tokens (its first part) and block_image (the rest
 * but norm4), and norm4 (keys_update) waits until the queries of the next token-to-image
 * attention exist, so that it computes that attention's scores on the keys it has just
 * normalised, tile by tile, while they are in cache:
 *
 *   block_tokens(0)
 *   for l in 0 .. depth-1:
 *     block_image(l)                    cross_t2i(l) (its scores from keys_update(l-1)),
 *                                       norm2, mlp, norm3, cross_i2t(l)
 *     block_tokens(l+1), or when last   self_attn(l+1), norm1: the next queries
 *       the final attention's queries
 *     sam_fast_attn_t2i_fold(next)      those queries folded: [R][C]
 *     keys_update(l)                    norm4(l) on the keys, and the next attention's scores
 *   sam_fast_attn_t2i_finish(final_attn), norm_final_attn
 *
 * The operations and their operands are the official ones; only when norm4 runs moves, and
 * nothing between reads the keys it changes. */
static void transformer(const fast_decoder *d, prompt_buf *b, int N) {
    const two_way_transformer *t = &d->m->decoder.transformer;
    int n_out = 1 + d->m->decoder.num_mask_tokens;
    size_t nq = (size_t)N * d->C, nk = (size_t)d->HW * d->C, nq_out = (size_t)n_out * d->C;
    memcpy(b->queries, b->tokens, nq * sizeof(float));
    memcpy(b->keys, d->keys, nk * sizeof(float));
    if (!d->t2i_kT) nn_add_forward(b->keys_pe, d->keys, d->key_pe, nk); /* layer 0 from the image tokens themselves */
    block_tokens(d, 0, b, N);
    for (int l = 0; l < t->depth; l++) {
        block_image(d, l, b, N);
        int last = l + 1 == t->depth, n_next = last ? n_out : N;
        const tw_attention *next = last ? &t->final_attn : &t->layers[l + 1].cross_t2i;
        if (last)
            nn_add_forward(b->queries_pe, b->queries, b->tokens, nq_out); /* the final attention's queries */
        else
            block_tokens(d, l + 1, b, N);
        sam_fast_attn_t2i_fold(next, b->queries_pe, n_next, &b->attn);
        keys_update(d, l, b, next->heads * n_next);
    }
    sam_fast_attn_t2i_finish(&t->final_attn, b->attn_out, n_out, b->keys, d->HW, &b->attn);
    nn_add_forward(b->queries, b->queries, b->attn_out, nq_out);
    nn_layernorm_forward(b->queries, b->queries, t->norm_final_w, t->norm_final_b, n_out, d->C, SAM_TW_LN_EPS);
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
    sam_prompt_encoder_embed_sparse(&m->prompt, xy, labels, N_SPARSE, b->attn_out); /* [N][C] scratch */
    sam_mask_decoder_tokens(md, b->attn_out, N_SPARSE, b->tokens);
    transformer(d, b, N);
    float all_iou[MD_MAX_MASK_TOKENS];
    sam_mlp_forward(&md->iou_head, b->queries, all_iou, b->mlp_a, b->mlp_b);
    memcpy(iou, all_iou + 1, 3 * sizeof(float));
    if (!isnan(keep_iou_above) && !(iou[0] > keep_iou_above) && !(iou[1] > keep_iou_above) &&
        !(iou[2] > keep_iou_above))
        return; /* every mask of this prompt fails the IoU filter */
    masks(d, b, low);
}

int sam_fast_decoder_predict(const fast_decoder *d, nn_arena *a, const float *sparse, int n_sparse, float *low,
                         float *iou) {
    const mask_decoder *md = &d->m->decoder;
    int C = d->C, C8 = C / 8, T = md->num_mask_tokens, N = 1 + T + n_sparse;
    prompt_buf b;
    if (prompt_buf_alloc(&b, d, N, a)) return -1;
    sam_mask_decoder_tokens(md, sparse, n_sparse, b.tokens);
    transformer(d, &b, N);
    for (int m = 0; m < T; m++)
        sam_mlp_forward(&md->hyper[m], b.queries + (size_t)(1 + m) * C, b.hyper + (size_t)m * C8, b.mlp_a, b.mlp_b);
    if (d->folded) sam_keys_fold_scale(&b.fold);
    int rc = sam_mask_head_parallel(md, C, d->m->grid, b.keys, d->folded ? &b.fold : NULL, b.hyper, T, low, a);
    sam_mlp_forward(&md->iou_head, b.queries, iou, b.mlp_a, b.mlp_b);
    return rc;
}

int sam_fast_decoder_run(const fast_decoder *d, const float *xy01, int n, float keep_iou_above, float *iou,
                         float *low) {
    const sam_model *m = d->m;
    int T = m->decoder.num_mask_tokens, N = 1 + T + N_SPARSE, failed = 0;
    size_t LL = (size_t)16 * d->HW;
    if (T != 4) return util_err("everything decoder: %d mask tokens (multimask output needs 4)", T);
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
                decode_one(d, &b, xy01 + 2 * (size_t)i, keep_iou_above, iou + 3 * (size_t)i, low + (size_t)i * 3 * LL);
        nn_arena_free(&a);
    }
    return failed ? util_err("everything decoder: out of memory") : 0;
}
