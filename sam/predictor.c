/* SamPredictor (segment_anything/predictor.py): set_image and predict. */
#include "sam/predictor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "nn/trace.h"
#include "sam/fast_decoder.h"
#include "sam/sam_model.h"
#include "sam/transforms.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/timer.h"

sam_predictor *sam_predictor_new(const sam_model *m) {
    sam_predictor *p = util_xcalloc_array(1, sizeof *p);
    if (!p) return NULL;
    p->m = m;
    p->embedding = util_xmalloc_array((size_t)m->channels * m->grid, (size_t)m->grid * sizeof(float));
    if (!p->embedding) {
        free(p);
        return NULL;
    }
    return p;
}

/* Drops the image terms of the previous image. */
static void drop_image_terms(sam_predictor *p) {
    if (p->image_terms) sam_fast_decoder_free(p->image_terms);
    free(p->image_terms);
    p->image_terms = NULL;
}

/* After a new embedding: the decoder's image terms, in fast mode (reference mode keeps the
 * official order of operations, sam_mask_decoder_predict). 0 or -1. */
static int set_image_terms(sam_predictor *p) {
    if (nn_reference_mode()) return 0;
    if (!(p->image_terms = util_xcalloc_array(1, sizeof *p->image_terms))) return -1;
    if (sam_fast_decoder_init(p->image_terms, p->m, p->embedding)) {
        free(p->image_terms);
        p->image_terms = NULL;
        return -1;
    }
    return 0;
}

void sam_predictor_free(sam_predictor *p) {
    if (!p) return;
    drop_image_terms(p);
    nn_arena_free(&p->scratch);
    free(p->embedding);
    free(p);
}

/* original_size and input_size of an h x w image; fails for sizes the model cannot take */
static int set_sizes(sam_predictor *p, int h, int w) {
    if (h < 1 || w < 1) return util_err("image size %d x %d: must be at least 1 x 1", h, w);
    int nh, nw;
    sam_resize_longest_side_shape(h, w, p->m->img_size, &nh, &nw);
    if (nh < 1 || nw < 1)
        return util_err("image size %d x %d: too elongated, its short side would resize to 0 pixels", h, w);
    p->orig_h = h;
    p->orig_w = w;
    p->input_h = nh;
    p->input_w = nw;
    return 0;
}

void sam_predictor_time(sam_predictor *p, sam_timings *t) { p->timings = t; }

/* The encoder's phases into the predictor's timings (image_encoder_phase order). */
static void add_encoder_times(sam_timings *t, const double *s) {
    t->patch_embed += s[ENC_PATCH_EMBED];
    t->products += s[ENC_PRODUCTS];
    t->attention += s[ENC_ATTENTION];
    t->elementwise += s[ENC_ELEMENTWISE];
    t->neck += s[ENC_NECK];
}

int sam_predictor_set_image(sam_predictor *p, const uint8_t *rgb, int h, int w) {
    p->has_image = 0;
    drop_image_terms(p);
    if (set_sizes(p, h, w)) return -1;
    int S = p->m->img_size;
    double t0 = util_wall_seconds(), enc[ENC_PHASES] = {0};
    uint8_t *resized = util_xmalloc_array((size_t)p->input_h * p->input_w, 3);
    float *x = util_xmalloc_array((size_t)3 * S, (size_t)S * sizeof(float));
    int rc = -1;
    if (!resized || !x) goto done;
    if (sam_pillow_resize_bilinear_rgb8(rgb, h, w, resized, p->input_h, p->input_w)) goto done;
    sam_preprocess(x, resized, p->input_h, p->input_w, S);
    double t1 = util_wall_seconds();
    if (sam_image_encoder_forward_timed(&p->m->encoder, x, p->embedding, p->timings ? enc : NULL)) goto done;
    double t2 = util_wall_seconds();
    if (set_image_terms(p)) goto done;
    if (p->timings) {
        p->timings->preprocess += t1 - t0;
        add_encoder_times(p->timings, enc);
        p->timings->image_terms += util_wall_seconds() - t2;
    }
    p->has_image = 1;
    rc = 0;
done:
    free(resized);
    free(x);
    return rc;
}

/* index of the first non-finite value of x[n], or -1 */
static long first_non_finite(const float *x, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return (long)i;
    return -1;
}

int sam_predictor_set_embedding(sam_predictor *p, const float *embedding, int h, int w) {
    p->has_image = 0;
    drop_image_terms(p);
    long bad = first_non_finite(embedding, (size_t)p->m->channels * p->m->grid * p->m->grid);
    if (bad >= 0) return util_err("set_embedding: the embedding holds a non-finite value (at index %ld)", bad);
    if (set_sizes(p, h, w)) return -1;
    memcpy(p->embedding, embedding, (size_t)p->m->channels * p->m->grid * p->m->grid * sizeof(float));
    if (set_image_terms(p)) return -1;
    p->has_image = 1;
    return 0;
}

const float *sam_predictor_embedding(const sam_predictor *p) { return p->has_image ? p->embedding : NULL; }

void sam_predictor_sizes(const sam_predictor *p, int *orig_h, int *orig_w, int *input_h, int *input_w) {
    *orig_h = p->orig_h;
    *orig_w = p->orig_w;
    *input_h = p->input_h;
    *input_w = p->input_w;
}

int sam_decode_normalised(const sam_predictor *p, nn_arena *a, const float *xy01, const int *labels, int n,
                          const float *mask_input, float *low_res, float *iou) {
    const sam_model *m = p->m;
    if (!p->has_image) return util_err("predict: no image set (call set_image or set_embedding first)");
    size_t GG = (size_t)m->grid * m->grid;
    int fast = !nn_reference_mode() && !nn_trace_enabled();
    float *sparse = nn_arena_alloc(a, (size_t)(n > 0 ? n : 1), (size_t)m->channels * sizeof(float));
    float *dense = NULL, *pe_tmp = NULL;
    int rc = -1;
    if (!sparse) goto done;
    sam_prompt_encoder_embed_sparse(&m->prompt, xy01, labels, n, sparse);
    if (fast && !mask_input && p->image_terms) { /* the image terms computed at set_image */
        rc = sam_fast_decoder_predict(p->image_terms, a, sparse, n, low_res, iou);
        goto done;
    }
    if (!(dense = nn_arena_alloc(a, (size_t)m->channels, GG * sizeof(float)))) goto done;
    if (sam_prompt_encoder_embed_dense(&m->prompt, mask_input, dense)) goto done;
    if (fast) { /* the same form, its image terms made for this prompt's dense embedding */
        fast_decoder d;
        if (sam_fast_decoder_init_dense(&d, m, p->embedding, dense)) goto done;
        rc = sam_fast_decoder_predict(&d, a, sparse, n, low_res, iou);
        sam_fast_decoder_free(&d);
        goto done;
    }
    /* reference mode, or tracing: MaskDecoder in the official order of operations */
    const float *pe = sam_model_pe_tokens(m, &pe_tmp);
    if (!pe) goto done;
    if (n > 0) nn_trace("prompt_encoder.sparse_embeddings", sparse, 1, n, m->channels, 0);
    nn_trace("prompt_encoder.dense_embeddings", dense, 1, m->channels, m->grid, m->grid);
    rc = sam_mask_decoder_predict(&m->decoder, p->embedding, dense, pe, sparse, n, low_res, iou);
done:
    free(pe_tmp);
    return rc;
}

int sam_postprocess_logits(const sam_predictor *p, const float *low_res, int k, float *out) {
    int S = p->m->img_size, L = 4 * p->m->grid;
    /* upscale to S x S, keep the crop [:input_h, :input_w], resize that to the original size */
    return nn_bilinear_resize2_forward(out, low_res, k, L, L, L, (size_t)L * L, S, S, p->input_h, p->input_w,
                                    p->orig_h, p->orig_w);
}

/* which decoder outputs a call returns: [1, T) with multimask, [0, 1) without */
static void output_range(const sam_model *m, int multimask, int *first, int *k) {
    *first = multimask ? 1 : 0;
    *k = multimask ? m->decoder.num_mask_tokens - 1 : 1;
}

/* One prompt of sam_predict_points_batch: its k outputs into low_res[k][LL] and iou[k]. */
static int decode_point(const sam_predictor *p, nn_arena *a, const double *point, int first, int k, float *low_res,
                        float *iou) {
    const sam_model *m = p->m;
    size_t LL = (size_t)16 * m->grid * m->grid;
    nn_arena_reset(a);
    float *all = nn_arena_alloc(a, (size_t)m->decoder.num_mask_tokens, LL * sizeof(float));
    if (!all) return -1;
    double sx = (double)p->input_w / p->orig_w, sy = (double)p->input_h / p->orig_h, S = m->img_size;
    /* apply_coords, + 0.5 and / S all in float64 (the points stay float64 in this path) */
    float xy[4] = {(float)((point[0] * sx + 0.5) / S), (float)((point[1] * sy + 0.5) / S), 0, 0};
    int labels[2] = {1, -1};
    float all_iou[MD_MAX_MASK_TOKENS];
    int rc = sam_decode_normalised(p, a, xy, labels, 2, NULL, all, all_iou);
    if (!rc) {
        memcpy(low_res, all + first * LL, (size_t)k * LL * sizeof(float));
        memcpy(iou, all_iou + first, (size_t)k * sizeof(float));
    }
    return rc;
}

int sam_predict_points_batch(const sam_predictor *p, const double *points, int n, int multimask, float *low_res,
                             float *iou) {
    const sam_model *m = p->m;
    if (!p->has_image) return util_err("predict: no image set (call set_image or set_embedding first)");
    int first, k;
    output_range(m, multimask, &first, &k);
    size_t LL = (size_t)16 * m->grid * m->grid;
    int threads = nn_blas_get_threads();
    /* Prompts are independent: each thread decodes whole prompts, each op on its thread, which
     * scales better than splitting each prompt's small products (and gives the same bits:
     * every op is thread-count independent). Each thread's work memory serves all its prompts. */
    int failed = -1;
    #pragma omp parallel num_threads(n < 2 ? 1 : threads)
    {
        nn_arena a = {0};
        #pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; i++)
            if (decode_point(p, &a, points + 2 * i, first, k, low_res + (size_t)i * k * LL, iou + (size_t)i * k)) {
                #pragma omp critical
                failed = i;
            }
        nn_arena_free(&a);
    }
    if (failed >= 0) return util_err("predict: prompt %d of the batch failed (out of memory)", failed);
    return 0;
}

void sam_prediction_free(sam_prediction *out) {
    if (!out) return;
    free(out->masks);
    free(out->iou);
    free(out->low_res_logits);
    free(out->logits);
    memset(out, 0, sizeof *out);
}

static int coord_ok(double v) { return isfinite(v) && fabs(v) <= SAM_COORD_LIMIT; }

int sam_prompt_validate(const sam_model *m, const sam_prompt *pr) {
    if (pr->n_points < 0 || pr->n_points > 1 << 20) return util_err("predict: bad number of points %d", pr->n_points);
    if (pr->n_points > 0 && (!pr->points || !pr->labels)) return util_err("predict: points given without coordinates or labels");
    for (int i = 0; i < pr->n_points; i++) {
        if (!coord_ok(pr->points[2 * i]) || !coord_ok(pr->points[2 * i + 1]))
            return util_err("predict: point %d (%g, %g): coordinates must be finite and within +-%g pixels", i,
                            pr->points[2 * i], pr->points[2 * i + 1], SAM_COORD_LIMIT);
        if (pr->labels[i] < -1 || pr->labels[i] > 1)
            return util_err("predict: point %d has label %d (expected 1 foreground, 0 background)", i, pr->labels[i]);
    }
    if (pr->box)
        for (int i = 0; i < 4; i++)
            if (!coord_ok(pr->box[i]))
                return util_err("predict: box coordinate %d (%g): coordinates must be finite and within +-%g pixels",
                                i, pr->box[i], SAM_COORD_LIMIT);
    long bad = pr->mask_input ? first_non_finite(pr->mask_input, (size_t)16 * m->grid * m->grid) : -1;
    if (bad >= 0) return util_err("predict: the mask input holds a non-finite value (at index %ld)", bad);
    return 0;
}

int sam_predict(sam_predictor *p, const sam_prompt *pr, sam_prediction *out) {
    memset(out, 0, sizeof *out);
    const sam_model *m = p->m;
    if (!p->has_image) return util_err("predict: no image set (call set_image or set_embedding first)");
    if (sam_prompt_validate(m, pr)) return -1;
    int n = pr->n_points, S = m->img_size, L = 4 * m->grid, T = m->decoder.num_mask_tokens;
    int ntok = sam_prompt_sparse_count(n, pr->box != NULL);
    size_t LL = (size_t)L * L, HW = (size_t)p->orig_h * p->orig_w;
    int first, k;
    output_range(m, pr->multimask, &first, &k);
    nn_arena_reset(&p->scratch); /* the last predict's work memory, for this one */
    float *xy = nn_arena_alloc(&p->scratch, (size_t)ntok + 1, 2 * sizeof(float));
    int *labels = nn_arena_alloc(&p->scratch, (size_t)ntok + 1, sizeof(int));
    float *all = nn_arena_alloc(&p->scratch, (size_t)T, LL * sizeof(float));
    float all_iou[MD_MAX_MASK_TOKENS];
    int rc = -1;
    if (!xy || !labels || !all) goto done;

    /* predict(): apply_coords / apply_boxes in float64, then torch.float; _embed_points /
     * _embed_boxes then add 0.5 and divide by S in float32 */
    double sx = (double)p->input_w / p->orig_w, sy = (double)p->input_h / p->orig_h;
    float fS = (float)S;
    for (int i = 0; i < n; i++) {
        xy[2 * i] = ((float)(pr->points[2 * i] * sx) + 0.5f) / fS;
        xy[2 * i + 1] = ((float)(pr->points[2 * i + 1] * sy) + 0.5f) / fS;
        labels[i] = pr->labels[i];
    }
    if (pr->box) {
        for (int c = 0; c < 2; c++) {
            xy[2 * (n + c)] = ((float)(pr->box[2 * c] * sx) + 0.5f) / fS;
            xy[2 * (n + c) + 1] = ((float)(pr->box[2 * c + 1] * sy) + 0.5f) / fS;
            labels[n + c] = PROMPT_BOX_TOPLEFT + c;
        }
    } else if (n > 0) { /* the padding point of _embed_points(pad=True) */
        xy[2 * n] = xy[2 * n + 1] = 0.0f;
        labels[n] = PROMPT_PAD;
    }
    if (sam_decode_normalised(p, &p->scratch, xy, labels, ntok, pr->mask_input, all, all_iou)) goto done;

    out->k = k;
    out->h = p->orig_h;
    out->w = p->orig_w;
    out->low_res = L;
    out->iou = util_xmalloc_array((size_t)k, sizeof(float));
    out->low_res_logits = util_xmalloc_array((size_t)k, LL * sizeof(float));
    out->logits = util_xmalloc_array((size_t)k, HW * sizeof(float));
    out->masks = util_xmalloc_array((size_t)k, HW);
    if (!out->iou || !out->low_res_logits || !out->logits || !out->masks) goto done;
    memcpy(out->iou, all_iou + first, (size_t)k * sizeof(float));
    memcpy(out->low_res_logits, all + first * LL, (size_t)k * LL * sizeof(float));
    if (sam_postprocess_logits(p, out->low_res_logits, k, out->logits)) goto done;
    /* predict_torch's low_res_masks, iou_predictions and (return_logits) masks */
    nn_trace("low_res_masks", out->low_res_logits, 1, k, L, L);
    nn_trace("iou_predictions", out->iou, 1, k, 0, 0);
    nn_trace("masks", out->logits, 1, k, out->h, out->w);
    /* masks = logits > mask_threshold (0.0) */
    #pragma omp simd /* gcc -O2 leaves it scalar otherwise */
    for (size_t i = 0; i < (size_t)k * HW; i++) out->masks[i] = out->logits[i] > 0.0f;
    rc = 0;
done:
    if (rc) sam_prediction_free(out);
    return rc;
}
