/* Reproducible bits: the portable reference mode gives the same bits at any thread count,
 * whichever mode the model was loaded in, and is still SAM (the fixture tolerances); the
 * fast mode gives the same bits at 1 and 2 threads; the reference-mode outputs hash to the
 * pinned values (test/reference_run.h explains what the pins are and are not). Runs
 * sam-tiny end to end from image.png over all eight fixture cases. */
#include <math.h>

#include "check.h"
#include "eval/embedding_cache.h"
#include "sam/fast_decoder.h"
#include "reference_run.h"

static sam_model *g_tiny;

static int same_bits(const ref_run *a, const ref_run *b) {
    if (a->embedding_n != b->embedding_n || memcmp(a->embedding, b->embedding, a->embedding_n * sizeof(float)))
        return 0;
    for (int c = 0; c < REF_CASES; c++) {
        const sam_prediction *x = &a->pred[c], *y = &b->pred[c];
        size_t LL = (size_t)x->low_res * x->low_res, HW = (size_t)x->h * x->w;
        if (x->k != y->k || x->h != y->h || x->w != y->w || x->low_res != y->low_res ||
            memcmp(x->iou, y->iou, x->k * sizeof(float)) ||
            memcmp(x->low_res_logits, y->low_res_logits, x->k * LL * sizeof(float)) ||
            memcmp(x->logits, y->logits, x->k * HW * sizeof(float)) || memcmp(x->masks, y->masks, x->k * HW))
            return 0;
    }
    return 1;
}

TEST(reference_mode_same_bits_at_1_2_4_threads) {
    ref_run r1, r2, r4;
    CHECK(ref_run_model(g_tiny, 1, 1, &r1) == 0);
    CHECK(ref_run_model(g_tiny, 1, 2, &r2) == 0);
    CHECK(ref_run_model(g_tiny, 1, 4, &r4) == 0);
    if (!check_failures_in_test) {
        CHECK(same_bits(&r1, &r2));
        CHECK(same_bits(&r1, &r4));
    }
    /* a model loaded in reference mode (its dense positional encoding computed with the
     * portable sin/cos at load) gives the same bits as g_tiny, loaded in fast mode */
    samc_set_reference_mode(1);
    sam_model *m = test_model_load("sam-tiny");
    samc_set_reference_mode(0);
    ref_run rm;
    CHECK(m && ref_run_model(m, 1, 2, &rm) == 0);
    if (!check_failures_in_test) {
        CHECK(same_bits(&r1, &rm));
        ref_run_free(&rm);
    }
    sam_model_free(m);
    ref_run_free(&r1);
    ref_run_free(&r2);
    ref_run_free(&r4);
}

TEST(fast_mode_same_bits_at_1_and_2_threads) {
    ref_run r1, r2, ref;
    CHECK(ref_run_model(g_tiny, 0, 1, &r1) == 0);
    CHECK(ref_run_model(g_tiny, 0, 2, &r2) == 0);
    CHECK(ref_run_model(g_tiny, 1, 2, &ref) == 0);
    if (!check_failures_in_test) {
        CHECK(same_bits(&r1, &r2));
        /* and the mode switch does something: OpenBLAS and libm round differently */
        CHECK(!same_bits(&r1, &ref));
    }
    ref_run_free(&r1);
    ref_run_free(&r2);
    ref_run_free(&ref);
}

static double max_abs(const float *a, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(a[i]));
    return m;
}

static double max_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static int read_ref(const char *dir, const char *file, npy_array *a) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return io_npy_read_f32(path, a);
}

/* The reference mode is still SAM: the official outputs' tolerances of
 * test/fixtures/README.md, for the embedding and every case. */
TEST(reference_mode_meets_fixture_tolerances) {
    ref_run r;
    npy_array emb;
    CHECK(ref_run_model(g_tiny, 1, 2, &r) == 0);
    CHECK(io_npy_read_f32("test/fixtures/sam-tiny/embedding.npy", &emb) == 0);
    if (check_failures_in_test) return;
    CHECK(emb.count == r.embedding_n);
    double em = max_abs(emb.data, emb.count), ed = max_diff(r.embedding, emb.data, emb.count);
    CHECK_MSG(ed <= 1e-4 * em, "embedding max diff %g (max abs %g)", ed, em);
    io_npy_free(&emb);
    for (int c = 0; c < REF_CASES && !check_failures_in_test; c++) {
        char dir[256];
        snprintf(dir, sizeof dir, "test/fixtures/sam-tiny/cases/%s", k_ref_cases[c]);
        const sam_prediction *p = &r.pred[c];
        size_t LL = (size_t)p->low_res * p->low_res, HW = (size_t)p->h * p->w;
        npy_array low, iou, masks, logits;
        CHECK(read_ref(dir, "low_res_logits.npy", &low) == 0 && low.count == p->k * LL);
        CHECK(read_ref(dir, "iou_predictions.npy", &iou) == 0 && iou.count == (size_t)p->k);
        CHECK(read_ref(dir, "masks.npy", &masks) == 0 && masks.count == p->k * HW);
        int has_logits = read_ref(dir, "logits.npy", &logits) == 0;
        if (check_failures_in_test) break;
        double lm = max_abs(low.data, low.count), ld = max_diff(p->low_res_logits, low.data, low.count);
        CHECK_MSG(ld <= 1e-3 * lm, "%s low_res_logits max diff %g (max abs %g)", k_ref_cases[c], ld, lm);
        CHECK_MSG(max_diff(p->iou, iou.data, p->k) <= 1e-4, "%s iou", k_ref_cases[c]);
        /* masks identical wherever the reference logit (or, without one, ours) is clear of 0 */
        const float *judge = has_logits ? logits.data : p->logits, *rm = masks.data;
        size_t flips = 0;
        for (size_t i = 0; i < p->k * HW; i++) flips += fabsf(judge[i]) > 1e-3f && p->masks[i] != (rm[i] != 0);
        CHECK_MSG(flips == 0, "%s: %zu mask pixels differ", k_ref_cases[c], flips);
        if (has_logits) {
            double gm = max_abs(logits.data, logits.count), gd = max_diff(p->logits, logits.data, logits.count);
            CHECK_MSG(gd <= 1e-3 * gm, "%s logits max diff %g (max abs %g)", k_ref_cases[c], gd, gm);
            io_npy_free(&logits);
        }
        io_npy_free(&low);
        io_npy_free(&iou);
        io_npy_free(&masks);
    }
    ref_run_free(&r);
}

/* The cross-build check (see the comment at the pins): this build's reference-mode bits are
 * the pinned ones; test/reference_builds.sh checks clang -O2, gcc -O0 and gcc -O3. */
TEST(reference_mode_hashes_are_pinned) {
    ref_run r;
    CHECK(ref_run_model(g_tiny, 1, 3, &r) == 0);
    if (check_failures_in_test) return;
    CHECK_MSG(r.amg.n > 0, "everything mode kept no mask: its hash would pin nothing");
    char hex[REF_N_HASHES][65];
    ref_run_hashes(&r, hex);
    for (int k = 0; k < REF_N_HASHES; k++)
        CHECK_MSG(!strcmp(hex[k], k_reference_hashes[k].hex), "%s: %s, pinned %s", k_reference_hashes[k].name,
                  hex[k], k_reference_hashes[k].hex);
    ref_run_free(&r);
}

/* the pins hash floats as their little-endian bytes: two floats of known bit patterns hash
 * like the byte string written out by hand */
TEST(float_hash_is_of_little_endian_bytes) {
    float x[2];
    uint32_t u[2] = {0x04030201u, 0x08070605u};
    memcpy(x, u, sizeof x);
    uint8_t bytes[8] = {1, 2, 3, 4, 5, 6, 7, 8}, want[32], got[32];
    util_sha256(bytes, 8, want);
    sha256_ctx c;
    util_sha256_init(&c);
    ref_hash_f32(&c, x, 2);
    util_sha256_final(&c, got);
    CHECK(memcmp(want, got, 32) == 0);
}

/* the everything-mode decoder in reference mode: the same bits from a model loaded in
 * either mode (its dense positional encoding follows the mode in use) */
static int amg_reference_run(const sam_model *m, const float *emb, float *iou, float *low) {
    const float xy[4] = {0.3f, 0.6f, 0.9f, 0.1f};
    fast_decoder d;
    samc_set_reference_mode(1);
    int rc = sam_fast_decoder_init(&d, m, emb);
    if (!rc) rc = sam_fast_decoder_run(&d, xy, 2, NAN, iou, low);
    if (!rc) sam_fast_decoder_free(&d);
    samc_set_reference_mode(0);
    return rc;
}

TEST(everything_decoder_reference_mode_whatever_the_load_mode) {
    npy_array emb;
    CHECK(io_npy_read_f32("test/fixtures/sam-tiny/embedding.npy", &emb) == 0);
    if (check_failures_in_test) return;
    size_t LL = (size_t)16 * sam_model_embed_grid(g_tiny) * sam_model_embed_grid(g_tiny);
    float iou1[6], iou2[6], *low1 = malloc(6 * LL * sizeof(float)), *low2 = malloc(6 * LL * sizeof(float));
    samc_set_reference_mode(1);
    sam_model *m = test_model_load("sam-tiny");
    samc_set_reference_mode(0);
    CHECK(m && low1 && low2);
    if (!check_failures_in_test) {
        CHECK(amg_reference_run(g_tiny, emb.data, iou1, low1) == 0);
        CHECK(amg_reference_run(m, emb.data, iou2, low2) == 0);
        CHECK(memcmp(iou1, iou2, sizeof iou1) == 0 && memcmp(low1, low2, 6 * LL * sizeof(float)) == 0);
    }
    sam_model_free(m);
    free(low1);
    free(low2);
    io_npy_free(&emb);
}

/* an embedding cache never hands a fast-mode embedding to a reference-mode run */
TEST(embedding_cache_keys_differ_by_mode) {
    uint8_t model[32] = {1}, img[6] = {1, 2, 3, 4, 5, 6};
    char fast[65], fast2[65], ref[65];
    eval_embedding_cache_key(model, img, 1, 2, fast);
    samc_set_reference_mode(1);
    eval_embedding_cache_key(model, img, 1, 2, ref);
    samc_set_reference_mode(0);
    eval_embedding_cache_key(model, img, 1, 2, fast2);
    CHECK(strcmp(fast, ref) != 0);
    CHECK(strcmp(fast, fast2) == 0);
}

int main(void) {
    g_tiny = test_model_load("sam-tiny");
    if (!g_tiny) {
        printf("cannot load sam-tiny: %s\n", samc_errmsg());
        return 1;
    }
    RUN(reference_mode_same_bits_at_1_2_4_threads);
    RUN(fast_mode_same_bits_at_1_and_2_threads);
    RUN(reference_mode_meets_fixture_tolerances);
    RUN(reference_mode_hashes_are_pinned);
    RUN(float_hash_is_of_little_endian_bytes);
    RUN(embedding_cache_keys_differ_by_mode);
    RUN(everything_decoder_reference_mode_whatever_the_load_mode);
    sam_model_free(g_tiny);
    return check_summary();
}
