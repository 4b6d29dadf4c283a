/* SamAutomaticMaskGenerator.generate, step by step as automatic_mask_generator.py:
 * _generate_masks (crops, crop-level NMS), _process_crop (set_image, batches, box NMS),
 * _process_batch (IoU filter, stability score, threshold, boxes, crop-edge filter, RLE) and
 * postprocess_small_regions. The per-mask work of a batch runs in parallel; its results are
 * gathered in the official order, so the output is the same at any thread count. */
#include "sam/automatic_mask_generator.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

void sam_amg_params_default(sam_amg_params *p) {
    p->points_per_side = 32;
    p->points_per_batch = 64;
    p->pred_iou_thresh = 0.88;
    p->stability_score_thresh = 0.95;
    p->stability_score_offset = 1.0;
    p->box_nms_thresh = 0.7;
    p->crop_n_layers = 0;
    p->crop_nms_thresh = 0.7;
    p->crop_overlap_ratio = 512.0 / 1500.0;
    p->crop_n_points_downscale_factor = 1;
    p->min_mask_region_area = 0;
}

int sam_amg_params_check(const sam_amg_params *p) {
    if (p->points_per_side < 1 || p->points_per_side > 1024)
        return util_err("points_per_side %d is outside [1, 1024]", p->points_per_side);
    if (p->points_per_batch < 1 || p->points_per_batch > 1024)
        return util_err("points_per_batch %d is outside [1, 1024]", p->points_per_batch);
    if (p->crop_n_layers < 0 || p->crop_n_layers > 6)
        return util_err("crop_n_layers %d is outside [0, 6]", p->crop_n_layers);
    if (p->crop_n_points_downscale_factor < 1 || p->crop_n_points_downscale_factor > 1024)
        return util_err("crop_n_points_downscale_factor %d is outside [1, 1024]", p->crop_n_points_downscale_factor);
    const double v[6] = {p->pred_iou_thresh, p->stability_score_thresh, p->stability_score_offset,
                         p->box_nms_thresh, p->crop_nms_thresh, p->crop_overlap_ratio};
    const char *names[6] = {"pred_iou_thresh", "stability_score_thresh", "stability_score_offset",
                            "box_nms_thresh", "crop_nms_thresh", "crop_overlap_ratio"};
    for (int i = 0; i < 6; i++)
        if (!isfinite(v[i])) return util_err("%s must be a finite number", names[i]);
    if (p->crop_overlap_ratio < 0 || p->crop_overlap_ratio >= 1)
        return util_err("crop_overlap_ratio %g is outside [0, 1)", p->crop_overlap_ratio);
    if (p->min_mask_region_area < 0) return util_err("min_mask_region_area must be >= 0");
    for (int l = 0; l <= p->crop_n_layers; l++)
        if (sam_amg_layer_points_per_side(p->points_per_side, l, p->crop_n_points_downscale_factor) < 1)
            return util_err("crop layer %d would have no points (points_per_side %d, downscale factor %d)", l,
                            p->points_per_side, p->crop_n_points_downscale_factor);
    return 0;
}

void sam_amg_result_free(sam_amg_result *r) {
    for (int i = 0; i < r->n; i++) sam_amg_rle_free(&r->masks[i].rle);
    free(r->masks);
    memset(r, 0, sizeof *r);
}

/* ---- the growing list of records (MaskData) ---- */

typedef struct {
    sam_amg_mask *v;
    int n, cap;
} mask_list;

static int list_push(mask_list *l, const sam_amg_mask *m) {
    if (l->n == l->cap) {
        int ncap = l->cap ? 2 * l->cap : 64;
        sam_amg_mask *nv = util_xmalloc_array((size_t)ncap, sizeof *nv);
        if (!nv) return -1;
        if (l->n) memcpy(nv, l->v, (size_t)l->n * sizeof *nv);
        free(l->v);
        l->v = nv, l->cap = ncap;
    }
    l->v[l->n++] = *m;
    return 0;
}

/* MaskData.filter(keep) on the records [start, l->n): keeps keep[0..k) (indices relative to
 * start) in that order and frees the others. */
static int list_filter(mask_list *l, int start, const int *keep, int k) {
    int n = l->n - start;
    sam_amg_mask *tmp = util_xmalloc_array((size_t)(k > 0 ? k : 1), sizeof *tmp);
    uint8_t *kept = util_xcalloc_array((size_t)(n > 0 ? n : 1), 1);
    if (!tmp || !kept) {
        free(tmp);
        free(kept);
        return -1;
    }
    for (int i = 0; i < k; i++) tmp[i] = l->v[start + keep[i]], kept[keep[i]] = 1;
    for (int i = 0; i < n; i++)
        if (!kept[i]) sam_amg_rle_free(&l->v[start + i].rle);
    memcpy(l->v + start, tmp, (size_t)k * sizeof *tmp);
    l->n = start + k;
    free(tmp);
    free(kept);
    return 0;
}

/* batched_nms(boxes.float(), scores, zeros, thresh) over records [start, l->n), then filter. */
static int list_nms(mask_list *l, int start, const float *scores, double thresh) {
    int n = l->n - start;
    if (n <= 0) return 0;
    float *boxes = util_xmalloc_array((size_t)n, 4 * sizeof(float));
    int *keep = util_xmalloc_array((size_t)n, sizeof(int));
    int rc = -1;
    if (boxes && keep) {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 4; k++) boxes[4 * i + k] = (float)l->v[start + i].box[k];
        int kept = sam_amg_nms(boxes, scores, n, thresh, keep);
        if (kept >= 0) rc = list_filter(l, start, keep, kept);
    }
    free(boxes);
    free(keep);
    return rc;
}

/* ---- _process_batch ---- */

/* Per-thread buffers for the per-mask work of a crop. */
typedef struct {
    float *logits; /* crop h x w */
    uint8_t *mask; /* crop h x w */
} worker_buf;

typedef struct {
    const amg_model *m;
    const uint8_t *rgb;
    int H, W;            /* the original image */
    const int *crop;     /* XYXY of the current crop */
    int ch, cw;          /* its size */
    const sam_amg_params *p;
    worker_buf *bufs;
    int n_bufs;
    mask_list *out;
    int *boxes_are_float;
    sam_amg_result *times;
} crop_ctx;

/* What happened to one candidate mask of a batch. */
enum { CAND_DROPPED = 0, CAND_EDGE = 1, CAND_KEPT = 2, CAND_ERROR = 3 };

/* Everything _process_batch does to one mask after the IoU filter: upscale, stability score
 * and its filter, threshold at 0, box, crop-edge filter, uncrop + RLE. */
static int process_mask(const crop_ctx *c, const float *low, worker_buf *b, sam_amg_mask *rec) {
    size_t n = (size_t)c->ch * c->cw;
    if (c->m->upscale(c->m->ctx, low, b->logits)) return CAND_ERROR;
    rec->stability_score = sam_amg_stability_score(b->logits, n, 0.0, c->p->stability_score_offset);
    if (c->p->stability_score_thresh > 0.0 && !(rec->stability_score >= (float)c->p->stability_score_thresh))
        return CAND_DROPPED;
    for (size_t i = 0; i < n; i++) b->mask[i] = b->logits[i] > 0.0f; /* Sam.mask_threshold */
    sam_amg_mask_to_box(b->mask, c->ch, c->cw, rec->box);
    if (sam_amg_box_near_crop_edge(rec->box, c->crop, c->H, c->W)) return CAND_EDGE;
    if (sam_amg_rle_encode_placed(b->mask, c->ch, c->cw, c->crop[0], c->crop[1], c->H, c->W, &rec->rle))
        return CAND_ERROR;
    return CAND_KEPT;
}

static int process_batch(const crop_ctx *c, const double *xy, int nb, float *iou, float *low) {
    const sam_amg_params *p = c->p;
    int L = c->m->low_res, K = 3 * nb;
    size_t LL = (size_t)L * L;
    float iou_thr = (float)p->pred_iou_thresh; /* a float32 tensor compared with a Python float */
    int iou_filter = p->pred_iou_thresh > 0.0;

    double t0 = omp_get_wtime();
    if (c->m->decode(c->m->ctx, xy, nb, iou_filter ? iou_thr : NAN, iou, low)) return -1;
    double t1 = omp_get_wtime();
    c->times->t_decoder += t1 - t0;

    /* candidates in the order of masks.flatten(0, 1): point-major, three masks each */
    sam_amg_mask *rec = util_xcalloc_array((size_t)K, sizeof *rec);
    int *status = util_xcalloc_array((size_t)K, sizeof *status);
    int rc = -1;
    if (!rec || !status) goto done;
    for (int j = 0; j < K; j++) {
        rec[j].predicted_iou = iou[j];
        rec[j].point[0] = xy[2 * (j / 3)], rec[j].point[1] = xy[2 * (j / 3) + 1];
        rec[j].multimask_index = j % 3;
        status[j] = iou_filter && !(iou[j] > iou_thr) ? CAND_DROPPED : -1;
    }
    #pragma omp parallel for schedule(dynamic, 1) num_threads(c->n_bufs)
    for (int j = 0; j < K; j++) {
        if (status[j] != -1) continue;
        status[j] = process_mask(c, low + (size_t)j * LL, &c->bufs[omp_get_thread_num()], &rec[j]);
    }
    int after_stability = 0;
    for (int j = 0; j < K; j++) {
        if (status[j] == CAND_ERROR) {
            util_err("post-processing a mask failed (upscaling or RLE; out of memory?)");
            goto done;
        }
        after_stability += status[j] == CAND_EDGE || status[j] == CAND_KEPT;
    }
    if (after_stability == 0) *c->boxes_are_float = 1;
    for (int j = 0; j < K; j++) {
        if (status[j] != CAND_KEPT) continue;
        if (list_push(c->out, &rec[j])) goto done;
        status[j] = CAND_DROPPED; /* now owned by the list */
    }
    rc = 0;
done:
    if (rec && status)
        for (int j = 0; j < K; j++)
            if (status[j] == CAND_KEPT) sam_amg_rle_free(&rec[j].rle);
    free(rec);
    free(status);
    c->times->t_post += omp_get_wtime() - t1;
    return rc;
}

/* ---- _process_crop ---- */

static int process_crop(crop_ctx *c, const double *grid, int n_points) {
    const amg_model *m = c->m;
    const int *cb = c->crop;
    c->cw = cb[2] - cb[0], c->ch = cb[3] - cb[1];
    double t0 = omp_get_wtime();
    if (m->set_image(m->ctx, c->rgb + ((size_t)cb[1] * c->W + cb[0]) * 3, c->ch, c->cw, c->W)) return -1;
    c->times->t_encoder += omp_get_wtime() - t0;

    int start = c->out->n, B = c->p->points_per_batch, L = m->low_res, rc = -1;
    size_t crop_px = (size_t)c->ch * c->cw;
    double *xy = util_xmalloc_array((size_t)B, 2 * sizeof(double));
    float *iou = util_xmalloc_array((size_t)B, 3 * sizeof(float));
    float *low = util_xmalloc_array((size_t)B * 3, (size_t)L * L * sizeof(float));
    c->n_bufs = omp_get_max_threads();
    c->bufs = util_xcalloc_array((size_t)c->n_bufs, sizeof *c->bufs);
    if (!xy || !iou || !low || !c->bufs) goto done;
    for (int t = 0; t < c->n_bufs; t++) {
        worker_buf *b = &c->bufs[t];
        b->logits = util_xmalloc_array(crop_px, sizeof(float));
        b->mask = util_xmalloc_array(crop_px, 1);
        if (!b->logits || !b->mask) goto done;
    }
    /* points_for_image = grid * [w, h] in float64, batched in grid order */
    for (int b0 = 0; b0 < n_points; b0 += B) {
        int nb = n_points - b0 < B ? n_points - b0 : B;
        for (int i = 0; i < nb; i++) {
            xy[2 * i] = grid[2 * (b0 + i)] * c->cw;
            xy[2 * i + 1] = grid[2 * (b0 + i) + 1] * c->ch;
        }
        if (process_batch(c, xy, nb, iou, low)) goto done;
    }
    double t1 = omp_get_wtime();
    /* remove duplicates within the crop, scored by predicted IoU */
    int n = c->out->n - start;
    float *scores = util_xmalloc_array((size_t)(n > 0 ? n : 1), sizeof(float));
    if (!scores) goto done;
    for (int i = 0; i < n; i++) scores[i] = c->out->v[start + i].predicted_iou;
    int nms_rc = list_nms(c->out, start, scores, c->p->box_nms_thresh);
    free(scores);
    if (nms_rc) goto done;
    /* back to the original image frame */
    for (int i = start; i < c->out->n; i++) {
        sam_amg_mask *r = &c->out->v[i];
        r->box[0] += cb[0], r->box[1] += cb[1], r->box[2] += cb[0], r->box[3] += cb[1];
        r->point[0] += cb[0], r->point[1] += cb[1];
        memcpy(r->crop_box, cb, sizeof r->crop_box);
    }
    c->times->t_post += omp_get_wtime() - t1;
    rc = 0;
done:
    if (c->bufs)
        for (int t = 0; t < c->n_bufs; t++) {
            free(c->bufs[t].logits);
            free(c->bufs[t].mask);
        }
    free(c->bufs);
    c->bufs = NULL;
    free(xy);
    free(iou);
    free(low);
    return rc;
}

/* ---- postprocess_small_regions ---- */

static int postprocess_small_regions(mask_list *l, int H, int W, int64_t min_area, double nms_thresh) {
    int n = l->n;
    if (n == 0) return 0;
    size_t px = (size_t)H * W;
    float *scores = util_xmalloc_array((size_t)n, sizeof(float));
    int *new_box = util_xmalloc_array((size_t)n, 4 * sizeof(int));
    amg_rle *new_rle = util_xcalloc_array((size_t)n, sizeof *new_rle);
    int *keep = util_xmalloc_array((size_t)n, sizeof(int));
    float *fboxes = util_xmalloc_array((size_t)n, 4 * sizeof(float));
    int failed = 0, rc = -1;
    if (!scores || !new_box || !new_rle || !keep || !fboxes) goto done;
    #pragma omp parallel
    {
        uint8_t *mask = util_xmalloc_array(px, 1);
        if (!mask) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (int i = 0; i < n; i++) {
            if (!mask) continue;
            int ch_holes = 0, ch_islands = 0;
            if (sam_amg_rle_decode(&l->v[i].rle, mask) ||
                sam_amg_remove_small_regions(mask, H, W, min_area, 1, &ch_holes) ||
                sam_amg_remove_small_regions(mask, H, W, min_area, 0, &ch_islands)) {
                #pragma omp atomic write
                failed = 1;
                continue;
            }
            /* NMS prefers the masks that needed no change */
            scores[i] = ch_holes || ch_islands ? 0.0f : 1.0f;
            sam_amg_mask_to_box(mask, H, W, &new_box[4 * i]);
            if (scores[i] == 0.0f && sam_amg_rle_encode(mask, H, W, &new_rle[i])) {
                #pragma omp atomic write
                failed = 1;
            }
        }
        free(mask);
    }
    if (failed) {
        util_err("small-region removal failed (out of memory?)");
        goto done;
    }
    for (int i = 0; i < 4 * n; i++) fboxes[i] = (float)new_box[i];
    int k = sam_amg_nms(fboxes, scores, n, nms_thresh, keep);
    if (k < 0) goto done;
    /* only the kept masks that changed take their new RLE and box */
    for (int a = 0; a < k; a++) {
        int i = keep[a];
        if (scores[i] != 0.0f) continue;
        sam_amg_rle_free(&l->v[i].rle);
        l->v[i].rle = new_rle[i];
        new_rle[i].counts = NULL;
        memcpy(l->v[i].box, &new_box[4 * i], sizeof l->v[i].box);
    }
    rc = list_filter(l, 0, keep, k);
done:
    if (new_rle)
        for (int i = 0; i < n; i++) sam_amg_rle_free(&new_rle[i]);
    free(scores);
    free(new_box);
    free(new_rle);
    free(keep);
    free(fboxes);
    return rc;
}

/* ---- _generate_masks + generate ---- */

int sam_amg_generate(const amg_model *model, const uint8_t *rgb, int h, int w, const sam_amg_params *p,
                     sam_amg_result *out) {
    memset(out, 0, sizeof *out);
    if (sam_amg_params_check(p)) return -1;
    if (h <= 0 || w <= 0 || (uint64_t)h * (uint64_t)w >= INT32_MAX)
        return util_err("image of %d x %d pixels is not supported", h, w);
    int n_crops = sam_amg_crop_boxes(h, w, p->crop_n_layers, p->crop_overlap_ratio, NULL, NULL, 0);
    int *crops = util_xmalloc_array((size_t)n_crops, 4 * sizeof(int));
    int *layers = util_xmalloc_array((size_t)n_crops, sizeof(int));
    mask_list list = {0};
    double *grid = NULL;
    int rc = -1;
    if (!crops || !layers) goto done;
    sam_amg_crop_boxes(h, w, p->crop_n_layers, p->crop_overlap_ratio, crops, layers, n_crops);
    crop_ctx c = {.m = model, .rgb = rgb, .H = h, .W = w, .p = p, .out = &list,
                  .boxes_are_float = &out->boxes_are_float, .times = out};
    for (int k = 0; k < n_crops; k++) {
        const int *cb = crops + 4 * k;
        if (cb[2] <= cb[0] || cb[3] <= cb[1]) continue; /* an empty crop of a tiny image has no points */
        int ng = sam_amg_layer_points_per_side(p->points_per_side, layers[k], p->crop_n_points_downscale_factor);
        free(grid);
        grid = util_xmalloc_array((size_t)ng * ng, 2 * sizeof(double));
        if (!grid) goto done;
        sam_amg_point_grid(ng, grid);
        c.crop = cb;
        if (process_crop(&c, grid, ng * ng)) goto done;
    }
    double t0 = omp_get_wtime();
    if (n_crops > 1 && list.n > 0) {
        /* remove duplicates between crops, preferring smaller crops: score 1 / crop area */
        float *scores = util_xmalloc_array((size_t)list.n, sizeof(float));
        if (!scores) goto done;
        for (int i = 0; i < list.n; i++) {
            const int *b = list.v[i].crop_box;
            scores[i] = 1.0f / (float)((int64_t)(b[2] - b[0]) * (b[3] - b[1]));
        }
        int nms_rc = list_nms(&list, 0, scores, p->crop_nms_thresh);
        free(scores);
        if (nms_rc) goto done;
    }
    if (p->min_mask_region_area > 0) {
        double t = p->box_nms_thresh > p->crop_nms_thresh ? p->box_nms_thresh : p->crop_nms_thresh;
        if (postprocess_small_regions(&list, h, w, p->min_mask_region_area, t)) goto done;
    }
    out->t_post += omp_get_wtime() - t0;
    out->h = h, out->w = w;
    out->n = list.n;
    out->masks = list.v;
    list.v = NULL, list.n = 0;
    rc = 0;
done:
    for (int i = 0; i < list.n; i++) sam_amg_rle_free(&list.v[i].rle);
    free(list.v);
    free(grid);
    free(crops);
    free(layers);
    if (rc) {
        util_err_context("automatic mask generator");
        sam_amg_result_free(out);
    }
    return rc;
}
