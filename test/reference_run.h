/* One end-to-end run of sam-tiny for the reproducibility tests (test/test_reference.c and
 * test/reference_hashes.c): set_image(image.png), then every fixture case's prompt, with
 * the outputs kept for bit comparisons, and the SHA-256 of those outputs.
 *
 * PINNED HASHES: k_reference_hashes below are the reference-mode outputs' hashes as samc
 * computed them. They are a cross-build reproducibility check (the same bits from any
 * compiler, optimisation level and thread count), NOT a correctness oracle: correctness
 * comes from the fixture tolerance test beside them (test_reference.c), which compares
 * the same reference-mode outputs with the official PyTorch results. If an intended change
 * of the computation moves the bits, re-pin them from `build/test/reference_hashes` output,
 * after that tolerance test passes. */
#ifndef SAMC_TEST_REFERENCE_RUN_H
#define SAMC_TEST_REFERENCE_RUN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/image.h"
#include "io/npy.h"
#include "nn/blas.h"
#include "sam/automatic_mask_generator.h"
#include "samc.h"
#include "test_models.h"
#include "util/sha256.h"

/* sha256 of, in order: the embedding (float32, little-endian); the concatenated
 * low_res_logits, iou_predictions (float32, little-endian) and masks (uint8 0/1) of the
 * REF_CASES cases; everything mode on the same image (ref_amg_params: every mask's RLE counts,
 * box, predicted IoU, stability score and multimask index, little-endian) */
static const struct {
    const char *name, *hex;
} k_reference_hashes[] = {
    {"embedding",
     "352353cd5035eaaf5662c545a9167ac95a8974e47f0c6018598c3049e836e726"},
    {"low_res_logits",
     "4d7c152a1a8272b3615686bcdf78002c80a9a652b36e37ee4f3b48c29a8ee51a"},
    {"iou_predictions",
     "5da84d5c31329837659bde091a4bd4534663a8a0ff24a8443f153cd674f671c8"},
    {"masks",
     "bfc94c8d20a598dd7afaa7cc95ee0172d443d6fe1a51033fbcc5f3a0f72c1a0f"},
    {"everything",
     "7995753e16203c4704672614f6c454702f394165b40d228623d94d1a4813b970"},
};
#define REF_N_HASHES 5

static const char *k_ref_cases[] = {"iterative_mask_input", "box_points", "point1_single", "point1_multi",
                                    "points3_mixed", "box", "box_multi", "point_corner"};
#define REF_CASES 8

typedef struct {
    float *embedding;
    size_t embedding_n;
    sam_prediction pred[REF_CASES];
    sam_amg_result amg;
} ref_run;

/* Everything mode small enough for every build: an 8 x 8 grid, both filters off (the random
 * sam-tiny scores pass no official threshold), the rest the official defaults. */
static void ref_amg_params(sam_amg_params *p) {
    sam_amg_params_default(p);
    p->points_per_side = 8;
    p->pred_iou_thresh = 0;
    p->stability_score_thresh = 0;
}

static void ref_run_free(ref_run *r) {
    free(r->embedding);
    for (int c = 0; c < REF_CASES; c++) sam_prediction_free(&r->pred[c]);
    sam_amg_result_free(&r->amg);
    memset(r, 0, sizeof *r);
}

/* The prompt of test/fixtures/sam-tiny/cases/NAME: its arrays are read into a (freed by
 * the caller with io_npy_free). Returns 0 or -1. */
typedef struct {
    npy_array coords, labels, box, mask;
    int labels_i[16];
    sam_prompt prompt;
} ref_case;

static int ref_read_opt(const char *dir, const char *file, npy_array *a) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) return 0; /* an input the case does not have */
    fclose(f);
    return io_npy_read(path, a) ? -1 : 1;
}

static int ref_case_read(const char *name, ref_case *rc) {
    char dir[256], path[512];
    memset(rc, 0, sizeof *rc);
    snprintf(dir, sizeof dir, "test/fixtures/sam-tiny/cases/%s", name);
    int has = ref_read_opt(dir, "point_coords.npy", &rc->coords);
    if (has < 0 || (has && (rc->coords.dtype != NPY_F64 || ref_read_opt(dir, "point_labels.npy", &rc->labels) != 1 ||
                            rc->labels.dtype != NPY_I32 || rc->labels.count > 16 ||
                            rc->coords.count != 2 * rc->labels.count)))
        return -1;
    for (size_t i = 0; has && i < rc->labels.count; i++) rc->labels_i[i] = ((int32_t *)rc->labels.data)[i];
    rc->prompt.n_points = has ? (int)rc->labels.count : 0;
    rc->prompt.points = has ? rc->coords.data : NULL;
    rc->prompt.labels = rc->labels_i;
    if ((has = ref_read_opt(dir, "box.npy", &rc->box)) < 0 || (has && (rc->box.dtype != NPY_F64 || rc->box.count != 4)))
        return -1;
    rc->prompt.box = has ? rc->box.data : NULL;
    if ((has = ref_read_opt(dir, "mask_input.npy", &rc->mask)) < 0 || (has && rc->mask.dtype != NPY_F32)) return -1;
    rc->prompt.mask_input = has ? rc->mask.data : NULL;
    snprintf(path, sizeof path, "%s/multimask", dir);
    FILE *f = fopen(path, "r");
    int ok = f && fscanf(f, "%d", &rc->prompt.multimask) == 1;
    if (f) fclose(f);
    return ok ? 0 : -1;
}

static void ref_case_free(ref_case *rc) {
    io_npy_free(&rc->coords);
    io_npy_free(&rc->labels);
    io_npy_free(&rc->box);
    io_npy_free(&rc->mask);
}

/* set_image(sam-tiny's image.png) and every case's predict on model m, in reference mode
 * or not, at the given thread count. Returns 0 or -1. */
static int ref_run_model(const sam_model *m, int reference, int threads, ref_run *out) {
    memset(out, 0, sizeof *out);
    samc_set_reference_mode(reference);
    nn_blas_set_threads(threads);
    uint8_t *rgb = NULL;
    int h, w, rc = -1;
    sam_predictor *p = sam_predictor_new(m);
    if (!p || io_image_read_rgb8("test/fixtures/sam-tiny/image.png", &rgb, &h, &w) ||
        sam_predictor_set_image(p, rgb, h, w))
        goto done;
    int C = sam_model_embed_channels(m), G = sam_model_embed_grid(m);
    out->embedding_n = (size_t)C * G * G;
    if (!(out->embedding = malloc(out->embedding_n * sizeof(float)))) goto done;
    memcpy(out->embedding, sam_predictor_embedding(p), out->embedding_n * sizeof(float));
    for (int c = 0; c < REF_CASES; c++) {
        ref_case fc;
        int bad = ref_case_read(k_ref_cases[c], &fc) || sam_predict(p, &fc.prompt, &out->pred[c]);
        ref_case_free(&fc);
        if (bad) goto done;
    }
    amg_model am;
    sam_amg_params ap;
    ref_amg_params(&ap);
    if (sam_amg_model_init_preset(&am, p)) goto done;
    int bad = sam_amg_generate(&am, rgb, h, w, &ap, &out->amg);
    sam_amg_model_free(&am);
    if (bad) goto done;
    rc = 0;
done:
    samc_set_reference_mode(0);
    free(rgb);
    sam_predictor_free(p);
    if (rc) ref_run_free(out);
    return rc;
}

/* values hashed as little-endian bytes, whatever the host order */
static void ref_hash_u32(sha256_ctx *c, uint32_t u) {
    uint8_t b[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    util_sha256_update(c, b, 4);
}

static void ref_hash_f32(sha256_ctx *c, const float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        ref_hash_u32(c, u);
    }
}

/* the REF_N_HASHES hashes of a run, in the order of k_reference_hashes */
static void ref_run_hashes(const ref_run *r, char hex[REF_N_HASHES][65]) {
    sha256_ctx c[REF_N_HASHES];
    for (int k = 0; k < REF_N_HASHES; k++) util_sha256_init(&c[k]);
    ref_hash_f32(&c[0], r->embedding, r->embedding_n);
    for (int i = 0; i < REF_CASES; i++) {
        const sam_prediction *p = &r->pred[i];
        ref_hash_f32(&c[1], p->low_res_logits, (size_t)p->k * p->low_res * p->low_res);
        ref_hash_f32(&c[2], p->iou, (size_t)p->k);
        util_sha256_update(&c[3], p->masks, (size_t)p->k * p->h * p->w);
    }
    for (int i = 0; i < r->amg.n; i++) {
        const sam_amg_mask *m = &r->amg.masks[i];
        for (size_t j = 0; j < m->rle.n; j++) ref_hash_u32(&c[4], m->rle.counts[j]);
        for (int j = 0; j < 4; j++) ref_hash_u32(&c[4], (uint32_t)m->box[j]);
        ref_hash_f32(&c[4], &m->predicted_iou, 1);
        ref_hash_f32(&c[4], &m->stability_score, 1);
        ref_hash_u32(&c[4], (uint32_t)m->multimask_index);
    }
    for (int k = 0; k < REF_N_HASHES; k++) {
        uint8_t d[32];
        util_sha256_final(&c[k], d);
        util_sha256_hex(d, hex[k]);
    }
}

#endif
