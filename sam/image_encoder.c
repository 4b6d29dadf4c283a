/* ImageEncoderViT forward: patch_embed -> + pos_embed -> blocks -> neck.
 * Activations are channels-last tokens x[G*G][E], as in the official code after
 * PatchEmbed's permute; the neck turns them into the channel-first embedding. */
#include "sam/image_encoder.h"

#include <stdio.h>
#include <stdlib.h>

#include "nn/blas.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "sam/eps.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/timer.h"


int sam_image_encoder_is_global(const image_encoder *enc, int i) {
    return enc->window_size == 0 || ((enc->global_attn >> i) & 1);
}

int sam_image_encoder_check(const image_encoder *e) {
    /* bounds far above any SAM model (grid 64, 16 heads) keep every int product in the ops,
     * e.g. windows x heads x query blocks, exact */
    if (e->patch_size < 1 || e->patch_size > 1024 || e->img_size < e->patch_size || e->img_size % e->patch_size)
        return util_err("image encoder: img_size %d is not a positive multiple of patch_size %d (max 1024)",
                        e->img_size, e->patch_size);
    if (e->grid != e->img_size / e->patch_size || e->grid > 512)
        return util_err("image encoder: grid %d is not img_size / patch_size or above 512", e->grid);
    if (e->embed_dim < 1 || e->embed_dim > 16384 || e->num_heads < 1 || e->num_heads > 1024 || e->head_dim < 1 ||
        e->num_heads * e->head_dim != e->embed_dim)
        return util_err("image encoder: embed_dim %d is not num_heads %d x head_dim %d (max 16384, 1024 heads)",
                        e->embed_dim, e->num_heads, e->head_dim);
    if (e->depth < 1 || e->depth > IMAGE_ENCODER_MAX_DEPTH)
        return util_err("image encoder: depth %d not in 1..%d", e->depth, IMAGE_ENCODER_MAX_DEPTH);
    if (e->mlp_dim < 1 || e->mlp_dim > 65536) return util_err("image encoder: mlp_dim %d not in 1..65536", e->mlp_dim);
    if (e->out_chans < 1 || e->out_chans > 16384)
        return util_err("image encoder: out_chans %d not in 1..16384", e->out_chans);
    if (e->window_size < 0 || e->window_size > e->grid)
        return util_err("image encoder: window_size %d not in 0..%d", e->window_size, e->grid);
    return 0;
}

/* Activation buffers of one forward pass, sized from the configuration. Buffers that are
 * never live at the same time share one allocation, laid out per phase:
 *   patch embedding   [cols                    ]
 *   attention         [qkv          ][qkv_tiles], then [qkv][att] (windowed blocks)
 *   proj, MLP         [hid              ][y     ]
 *   neck              [cols                 ][neck]
 * (the qkv product is done with qkv_tiles before attention writes att, attention has
 * consumed qkv before proj writes y; cols is used only before the first block and after
 * the last). A global block's attention writes into xn, which qkv has consumed. */
typedef struct {
    int threads;
    float *x;    /* [T][E]   the residual stream, T = G*G tokens */
    float *xn;   /* [T][E]   LayerNorm output; later the attention output (unpartitioned) */
    float *att;  /* [Tw][E]  windowed blocks: attention output in windows, Tw = windows * ws*ws */
    float *qkv;  /* [Tq][3E] (windowed blocks: in windows, padded with qkv_pad) */
    float *qkv_tiles;  /* windowed blocks: the qkv product's tiles in flight (nn_linear_windows_forward) */
    float *qkv_pad;    /* [3E] windowed blocks: qkv of a padded token (zero after norm1) */
    float *hid;  /* [T][mlp] MLP hidden layer */
    float *cols; /* im2col of the patch embedding and of the neck's 3x3 conv */
    float *y;    /* [T][E]   proj / lin2 output, added to x */
    float *neck; /* [out][T] */
    float *attn_scratch;
    double *seconds; /* per image_encoder_phase, or NULL when not timed */
    double mark;     /* the clock at the last lap */
} scratch;

/* Adds the wall time since the last lap to phase ph (nothing when the forward is not timed). */
static void lap(scratch *s, image_encoder_phase ph) {
    if (!s->seconds) return;
    double t = util_wall_seconds();
    s->seconds[ph] += t - s->mark;
    s->mark = t;
}

static void scratch_free(scratch *s) {
    free(s->x), free(s->xn), free(s->qkv), free(s->qkv_pad), free(s->attn_scratch);
    *s = (scratch){0};
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/* n1 * n2 floats, 64-byte aligned; NULL (with a message) on overflow or out of memory */
static float *alloc2(size_t n1, size_t n2) {
    size_t n = 0;
    return util_size_mul(n1, n2, &n) ? NULL : util_xaligned_array(n, sizeof(float));
}

static int scratch_alloc(scratch *s, const image_encoder *e) {
    *s = (scratch){.threads = nn_blas_get_threads()};
    size_t G = e->grid, T = G * G, E = e->embed_dim, ws = e->window_size, OC = e->out_chans, P = e->patch_size;
    int any_window = 0, any_global = 0;
    for (int i = 0; i < e->depth; i++) {
        if (sam_image_encoder_is_global(e, i))
            any_global = 1;
        else
            any_window = 1;
    }
    size_t nwin = any_window ? (G + ws - 1) / ws : 0, Tw = nwin * nwin * ws * ws, Tq = max_size(T, Tw);
    size_t qkv = 0, qkv_tiles = 0, att = 0, hid = 0, y = 0, cols_patch = 0, cols_neck = 0, neck = 0;
    size_t attn_win = 0, attn_glob = 0;
    if (util_size_mul(Tq, 3 * E, &qkv) || util_size_mul(Tw, E, &att) || util_size_mul(T, E, &y) ||
        util_size_mul(OC, T, &neck) ||
        (any_window && nn_linear_windows_scratch_size(&qkv_tiles, (int)G, (int)G, (int)E, (int)(3 * E), s->threads)) ||
        util_size_mul(T, (size_t)e->mlp_dim, &hid) || util_size_mul(T, 3 * P * P, &cols_patch) ||
        util_size_mul(T, 9 * OC, &cols_neck) || qkv + max_size(qkv_tiles, att) < qkv || hid + y < hid ||
        cols_neck + neck < cols_neck)
        return util_err("image encoder: activation sizes overflow");
    if (any_window && nn_rel_pos_attention_scratch_size(&attn_win, (int)ws, (int)ws, e->head_dim,
        s->threads)) return -1;
    if (any_global && nn_rel_pos_attention_scratch_size(&attn_glob, (int)G, (int)G, e->head_dim, s->threads)) return -1;
    size_t shared = max_size(max_size(qkv + max_size(qkv_tiles, att), hid + y), max_size(cols_patch, cols_neck + neck));
    s->x = alloc2(T, E);
    s->xn = alloc2(T, E);
    s->qkv = s->hid = s->cols = alloc2(shared, 1);
    s->qkv_pad = alloc2(3 * E, 1);
    s->attn_scratch = alloc2(max_size(attn_win, attn_glob), 1);
    if (!s->x || !s->xn || !s->qkv || !s->qkv_pad || !s->attn_scratch) {
        scratch_free(s);
        return util_err_context("image encoder activations");
    }
    s->qkv_tiles = s->att = s->qkv + qkv;
    s->y = s->hid + hid;
    s->neck = s->cols + cols_neck;
    return 0;
}

/* PatchEmbed (conv P x P, stride P, permuted to tokens), then x + pos_embed: img[3][S][S] -> x[T][E] */
static void patch_embed_forward(const image_encoder *e, const float *img, scratch *s) {
    int G = e->grid, E = e->embed_dim;
    nn_conv2d_patchify_forward(s->x, img, e->patch_w, e->patch_b, 3, e->img_size, e->img_size, E, e->patch_size,
                            s->cols);
    nn_trace("image_encoder.patch_embed", s->x, 1, G, G, E);
    nn_residual_forward(s->x, e->pos_embed, (size_t)G * G * E);
}

/* Block.forward: x = x + attn(norm1(x)) (windowed: partition before, unpartition after);
 *                x = x + mlp(norm2(x)) */
static void block_forward(const image_encoder *e, int i, scratch *s) {
    const image_encoder_block *b = &e->blocks[i];
    int G = e->grid, T = G * G, E = e->embed_dim, ws = e->window_size;
    int global = sam_image_encoder_is_global(e, i);

    /* attention branch, on B grids of h x w tokens */
    nn_layernorm_forward(s->xn, s->x, b->norm1_w, b->norm1_b, T, E, SAM_LN_EPS);
    lap(s, ENC_ELEMENTWISE);
    int B = 1, h = G, w = G;
    if (global) {
        nn_linear_forward(s->qkv, s->xn, b->qkv_w, b->qkv_b, T, E, 3 * E); /* qkv [T][3E] */
        lap(s, ENC_PRODUCTS);
    } else {
        /* The official code pads the grid with zero tokens after norm1, then applies qkv to
         * every window token; a zero token's qkv is the bias alone (plus the product's +0,
         * which turns a -0 bias into +0: the same bits). So qkv runs on the real tokens, a
         * sixth fewer rows at G = 64, ws = 14, and the padding is qkv_pad. */
        int n = (G + ws - 1) / ws;
        B = n * n, h = w = ws;
        nn_linear_windows_forward(s->qkv, s->xn, b->qkv_w, b->qkv_b, G, G, E, 3 * E, ws, s->threads,
                                  s->qkv_tiles); /* qkv [B*h*w][3E], the tokens' rows */
        lap(s, ENC_PRODUCTS);
        for (int c = 0; c < 3 * E; c++) s->qkv_pad[c] = (b->qkv_b ? b->qkv_b[c] : 0.0f) + 0.0f;
        nn_window_pad(s->qkv, G, G, 3 * E, ws, s->qkv_pad); /* and the padding rows */
        lap(s, ENC_ELEMENTWISE);
    }
    nn_rel_pos_attention_forward(global ? s->xn : s->att, s->qkv, b->rel_pos_h, 2 * h - 1, b->rel_pos_w, 2 * w - 1,
                                 B, h, w, e->num_heads, e->head_dim, s->threads, s->attn_scratch); /* [B*h*w][E] */
    lap(s, ENC_ATTENTION);
    if (!global) {
        /* proj acts on each token alone, so dropping the padded tokens before it instead of
         * after (nn_window_unpartition follows proj in the official code) changes nothing */
        nn_window_unpartition(s->xn, s->att, G, G, E, ws); /* xn [T][E] */
        lap(s, ENC_ELEMENTWISE);
    }
    nn_linear_residual_forward(s->x, s->y, s->xn, b->proj_w, b->proj_b, T, E, E); /* x += proj(xn) */
    lap(s, ENC_PRODUCTS);

    /* MLP branch: x += lin2(GELU(lin1(norm2(x)))) */
    nn_layernorm_forward(s->xn, s->x, b->norm2_w, b->norm2_b, T, E, SAM_LN_EPS);
    lap(s, ENC_ELEMENTWISE);
    nn_linear_gelu_forward(s->hid, s->xn, b->lin1_w, b->lin1_b, T, E, e->mlp_dim);
    nn_linear_residual_forward(s->x, s->y, s->hid, b->lin2_w, b->lin2_b, T, e->mlp_dim, E);
    lap(s, ENC_PRODUCTS);
}

/* neck: 1x1 conv -> LayerNorm2d -> 3x3 conv (pad 1) -> LayerNorm2d: x[T][E] -> out[out][G][G] */
static void neck_forward(const image_encoder *e, scratch *s, float *out) {
    int G = e->grid, T = G * G, OC = e->out_chans;
    nn_conv2d_1x1_tokens_forward(s->neck, s->x, e->neck_conv1, T, e->embed_dim, OC);
    nn_layernorm2d_forward(s->neck, s->neck, e->neck_ln1_w, e->neck_ln1_b, OC, T, SAM_LN_EPS);
    nn_conv2d_forward(out, s->neck, e->neck_conv2, NULL, OC, G, G, OC, 3, 1, 1, s->cols);
    nn_layernorm2d_forward(out, out, e->neck_ln2_w, e->neck_ln2_b, OC, T, SAM_LN_EPS);
}

int sam_image_encoder_forward(const image_encoder *e, const float *x, float *out) {
    return sam_image_encoder_forward_timed(e, x, out, NULL);
}

int sam_image_encoder_forward_timed(const image_encoder *e, const float *x, float *out, double *seconds) {
    if (sam_image_encoder_check(e)) return -1;
    scratch s;
    if (scratch_alloc(&s, e)) return -1;
    s.seconds = seconds;
    s.mark = seconds ? util_wall_seconds() : 0;
    int G = e->grid;
    patch_embed_forward(e, x, &s);
    lap(&s, ENC_PATCH_EMBED);
    for (int i = 0; i < e->depth; i++) {
        block_forward(e, i, &s);
        if (nn_trace_enabled()) {
            char name[64];
            snprintf(name, sizeof name, "image_encoder.blocks.%d", i);
            nn_trace(name, s.x, 1, G, G, e->embed_dim);
        }
    }
    neck_forward(e, &s, out);
    lap(&s, ENC_NECK);
    nn_trace("image_encoder.neck", out, 1, e->out_chans, G, G);
    scratch_free(&s);
    return 0;
}
