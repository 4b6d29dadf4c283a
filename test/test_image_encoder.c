/* sam/image_encoder: parity with the official embeddings of the fixtures, configuration
 * checks, and a ViT-B-shaped model with random weights (runs, finite, the same bits at 1
 * and 2 threads). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "io/npy.h"
#include "nn/blas.h"
#include "nn/mode.h"
#include "sam/image_encoder.h"
#include "sam/transforms.h"
#include "util/err.h"
#include "test/random_encoder.h"
#include "weights/convert.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* Converts test/fixtures/NAME/model.pth, encodes `img` (3 x S x S) at 1 and at 2 threads and
 * compares with the official embedding.npy: max abs diff <= 1e-4 x max abs value (the
 * fixtures' parity rule), and the same bits at both thread counts. */
static void check_parity(const char *name, int dec_heads, const float *img) {
    char pth[256], ref_path[256], samw_path[256];
    snprintf(pth, sizeof pth, "test/fixtures/%s/model.pth", name);
    snprintf(ref_path, sizeof ref_path, "test/fixtures/%s/embedding.npy", name);
    snprintf(samw_path, sizeof samw_path, "/tmp/samc_test_encoder_%ld_%s.samw", (long)getpid(), name);
    samw *w = NULL;
    npy_array ref = {0};
    float *out1 = NULL, *out2 = NULL;
    image_encoder enc;
    CHECK_MSG(weights_convert(pth, samw_path, dec_heads, NULL) == 0, "%s", samc_errmsg());
    CHECK_MSG((w = samw_open(samw_path)) != NULL, "%s", samc_errmsg());
    CHECK_MSG(io_npy_read_f32(ref_path, &ref) == 0, "%s", samc_errmsg());
    if (!w || !ref.data) goto done;
    CHECK_MSG(sam_image_encoder_load(&enc, w) == 0, "%s", samc_errmsg());
    size_t n = (size_t)enc.out_chans * enc.grid * enc.grid;
    CHECK(ref.count == n && ref.ndim == 4 && ref.shape[1] == enc.out_chans && ref.shape[2] == enc.grid);
    if (ref.count != n) goto done;
    out1 = malloc(n * sizeof(float)), out2 = malloc(n * sizeof(float));
    int threads = nn_blas_get_threads();
    nn_blas_set_threads(1);
    CHECK_MSG(sam_image_encoder_forward(&enc, img, out1) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(2);
    CHECK_MSG(sam_image_encoder_forward(&enc, img, out2) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(threads);
    const float *r = ref.data;
    double max_diff = 0, max_ref = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)out1[i] - r[i]);
        max_diff = d > max_diff || isnan(d) ? d : max_diff;
        max_ref = fabs(r[i]) > max_ref ? fabs(r[i]) : max_ref;
    }
    printf("    %s: max abs diff %.3g = %.3g x max abs value %.3g (tolerance 1e-4 x)\n", name, max_diff,
           max_diff / max_ref, max_ref);
    CHECK(max_diff <= 1e-4 * max_ref);
    CHECK(memcmp(out1, out2, n * sizeof(float)) == 0);
done:
    free(out1), free(out2);
    io_npy_free(&ref);
    samw_close(w);
    remove(samw_path);
}

static void check_parity_preprocessed(const char *name, int dec_heads) {
    char path[256];
    snprintf(path, sizeof path, "test/fixtures/%s/preprocessed.npy", name);
    npy_array img = {0};
    CHECK_MSG(io_npy_read_f32(path, &img) == 0, "%s", samc_errmsg());
    if (img.data) check_parity(name, dec_heads, img.data);
    io_npy_free(&img);
}

TEST(sam_tiny_matches_official_embedding) {
    /* 16x16 tokens, window 5 padded to 20, global blocks 1 and 3 */
    check_parity_preprocessed("sam-tiny", 4);
}

TEST(sam_tiny_reference_mode_matches_official_embedding) {
    /* the portable fixed-order matrix products and elementary functions of nn/mode.h */
    nn_set_reference_mode(1);
    check_parity_preprocessed("sam-tiny", 4);
    nn_set_reference_mode(0);
}

TEST(sam_demo_matches_official_embedding) {
    /* 3 heads of 32, window 4 (no padding) */
    check_parity_preprocessed("sam-demo", 4);
}

TEST(sam_small_matches_official_embedding) {
    /* the real 64x64 grid: 70x70 window padding, global attention in query blocks; its input
     * is the fixture's resized image, normalised and padded by sam_preprocess */
    npy_array rs = {0};
    CHECK_MSG(io_npy_read("test/fixtures/sam-small/resized.npy", &rs) == 0, "%s", samc_errmsg());
    CHECK(rs.dtype == NPY_U8 && rs.ndim == 3 && rs.shape[2] == 3 && rs.shape[0] <= 1024 && rs.shape[1] <= 1024);
    float *img = malloc(3 * 1024 * 1024 * sizeof(float));
    if (img && rs.dtype == NPY_U8 && rs.ndim == 3 && rs.shape[2] == 3 && rs.shape[0] <= 1024 && rs.shape[1] <= 1024) {
        sam_preprocess(img, rs.data, (int)rs.shape[0], (int)rs.shape[1], 1024);
        check_parity("sam-small", 0, img);
    }
    free(img);
    io_npy_free(&rs);
}

/* Runs enc on a random image at 1 and at 2 threads: both succeed, are finite, same bits. */
static void check_runs_deterministic(const image_encoder *e) {
    size_t S = e->img_size, n_out = (size_t)e->out_chans * e->grid * e->grid;
    float *img = malloc(3 * S * S * sizeof(float)), *out1 = malloc(n_out * sizeof(float)),
          *out2 = malloc(n_out * sizeof(float));
    CHECK(img && out1 && out2);
    if (!img || !out1 || !out2) goto done;
    for (size_t i = 0; i < 3 * S * S; i++) img[i] = 2.0f * frand();
    int threads = nn_blas_get_threads();
    nn_blas_set_threads(1);
    CHECK_MSG(sam_image_encoder_forward(e, img, out1) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(2);
    CHECK_MSG(sam_image_encoder_forward(e, img, out2) == 0, "%s", samc_errmsg());
    nn_blas_set_threads(threads);
    int finite = 1;
    double mx = 0;
    for (size_t i = 0; i < n_out; i++) {
        finite &= isfinite(out1[i]) != 0;
        if (fabs(out1[i]) > mx) mx = fabs(out1[i]);
    }
    CHECK(finite);
    CHECK(mx > 0.1); /* LayerNorm2d output: not all zero */
    CHECK(memcmp(out1, out2, n_out * sizeof(float)) == 0);
done:
    free(img), free(out1), free(out2);
}

TEST(small_random_encoder_deterministic) {
    /* 8x8 tokens, window 3 (padded to 9x9), global blocks 1 and 2 */
    image_encoder e;
    float *w = random_encoder(&e, 64, 8, 48, 3, 3, 3, 0x6, 16);
    CHECK(w != NULL);
    if (w) check_runs_deterministic(&e);
    free(w);
    /* window_size 0: every block global */
    w = random_encoder(&e, 64, 8, 48, 2, 2, 0, 0, 16);
    CHECK(w != NULL);
    if (w) check_runs_deterministic(&e);
    free(w);
}

TEST(vit_b_random_encoder_runs) {
    if (UNDER_ASAN) {
        printf("    skipped under AddressSanitizer (too slow there)\n");
        return;
    }
    /* ViT-B (E 768, depth 12, 12 heads, global [2, 5, 8, 11], window 14) on a 384 image
     * instead of 1024 to keep the test short: 24x24 tokens, windows padded to 28x28, global
     * attention in query blocks of 10 + 10 + 4 rows. bench/bench_image_encoder runs 1024. */
    image_encoder e;
    float *w = random_encoder(&e, 384, 16, 768, 12, 12, 14, (1u << 2) | (1u << 5) | (1u << 8) | (1u << 11), 256);
    CHECK(w != NULL);
    if (w) check_runs_deterministic(&e);
    free(w);
}

TEST(check_rejects_bad_configs) {
    image_encoder ok = {.img_size = 64, .patch_size = 8, .grid = 8, .embed_dim = 48, .depth = 3, .num_heads = 3,
                        .head_dim = 16, .mlp_dim = 192, .window_size = 3, .global_attn = 2, .out_chans = 16};
    CHECK(sam_image_encoder_check(&ok) == 0);
    image_encoder e = ok;
    e.img_size = 60; /* not a multiple of the patch */
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "img_size"));
    e = ok, e.grid = 7;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "grid"));
    e = ok, e.head_dim = 15; /* heads x head_dim != embed_dim */
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "embed_dim"));
    e = ok, e.depth = 0;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "depth"));
    e = ok, e.depth = 65;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "depth"));
    e = ok, e.mlp_dim = 0;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "mlp_dim"));
    e = ok, e.out_chans = -1;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "out_chans"));
    e = ok, e.window_size = 9; /* larger than the token grid */
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "window_size"));
    e = ok, e.patch_size = 0;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "patch_size"));
    e = ok, e.img_size = 8192, e.grid = 1024; /* 1M tokens: beyond the int bounds of the ops */
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "grid"));
    e = ok, e.num_heads = 2048, e.embed_dim = 2048, e.head_dim = 1;
    CHECK(sam_image_encoder_check(&e) == -1 && strstr(samc_errmsg(), "heads"));
    /* forward refuses too, before touching any pointer */
    e = ok, e.depth = 0;
    CHECK(sam_image_encoder_forward(&e, NULL, NULL) == -1);
}

int main(void) {
    RUN(sam_tiny_matches_official_embedding);
    RUN(sam_tiny_reference_mode_matches_official_embedding);
    RUN(sam_demo_matches_official_embedding);
    RUN(sam_small_matches_official_embedding);
    RUN(check_rejects_bad_configs);
    RUN(small_random_encoder_deterministic);
    RUN(vit_b_random_encoder_runs);
    return check_summary();
}
