/* Everything mode (samc everything) at the official decoder size: a random-weight SAM with
 * the real prompt encoder and mask decoder (prompt dim 256, 8 heads, MLP 2048, mask_in 16) and
 * a small image encoder (its time is reported on its own), on a 640 x 480 synthetic phantom,
 * 32 x 32 grid. Two runs: the official thresholds, and both thresholds at 0 (every mask is
 * upscaled and scored). Random weights give random IoU predictions, so with the default
 * thresholds few masks survive: the second run is the worst case.
 * The official SamAutomaticMaskGenerator takes 158 s (default thresholds) and 242 s (both at
 * 0) for decoder + post-processing on the 2-core machine this was written on.
 * The wall times depend on what else the machine runs; whole_cpu_s (CPU seconds of all
 * threads over the run) does not, and at one thread it is the time of an idle machine.
 * usage: bench_everything [points_per_side] [threads] [encoder_width]
 *   defaults: 32, all cores, 64. Prints `key value` lines, then a summary. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn/blas.h"
#include "sam/automatic_mask_generator.h"
#include "samc.h"
#include "util/err.h"
#include "weights/sam_config.h"
#include "weights/samw_write.h"

#define OFFICIAL_DEFAULT_S 158.0
#define OFFICIAL_ZERO_S 242.0

static uint32_t g_seed = 2024;
static float frand(void) { /* uniform in [-1, 1) */
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float)(g_seed >> 8) / (float)(1 << 23) - 1.0f;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_now(void) { /* CPU time of the whole process, all threads */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static int ends_with(const char *s, const char *tail) {
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

/* Random tensor i: matrices U(-1,1)/sqrt(fan_in), norm scales near 1, small biases. */
static int fill_random(void *ctx, int i, float *out) {
    const sam_key *k = &((const sam_key *)ctx)[i];
    size_t n = 1, fan_in = 1;
    for (int d = 0; d < k->ndim; d++) n *= (size_t)k->shape[d];
    for (int d = 1; d < k->ndim; d++) fan_in *= (size_t)k->shape[d];
    float scale = 0.1f, offset = 0.0f;
    if (strstr(k->name, "positional_encoding_gaussian_matrix")) scale = 1.0f;
    else if (k->ndim >= 2 && !strstr(k->name, "pos")) scale = 1.0f / sqrtf((float)fan_in);
    else if (k->ndim == 1 && ends_with(k->name, "weight") && strstr(k->name, "norm")) offset = 1.0f;
    for (size_t j = 0; j < n; j++) out[j] = offset + scale * frand();
    return 0;
}

static int write_model(const char *path, int enc_width) {
    sam_config cfg = {.img_size = 1024, .patch_size = 16, .embed_dim = enc_width, .depth = 1,
                      .num_heads = enc_width >= 64 ? enc_width / 64 : 1, .window_size = 14, .global_attn = 0,
                      .out_chans = 256, .prompt_dim = 256, .mask_in_chans = 16, .dec_depth = 2, .dec_heads = 8,
                      .dec_mlp_dim = 2048, .num_mask_tokens = 4, .iou_hidden = 256, .iou_head_depth = 3};
    cfg.head_dim = cfg.embed_dim / cfg.num_heads, cfg.mlp_dim = 4 * cfg.embed_dim;
    sam_key *keys = NULL;
    int n = 0;
    if (weights_sam_config_check(&cfg) || weights_sam_config_keys(&cfg, &keys, &n)) return -1;
    int rc = samw_write(path, &cfg, keys, n, fill_random, keys);
    free(keys);
    return rc;
}

/* A CT-like phantom: a body ellipse with organs of different intensities, plus noise. */
static uint8_t *phantom(int h, int w) {
    uint8_t *rgb = malloc((size_t)h * w * 3);
    if (!rgb) return NULL;
    const float e[][5] = {/* cx, cy, rx, ry (fractions of w, h), intensity */
                          {0.50f, 0.50f, 0.42f, 0.40f, 90},  {0.35f, 0.45f, 0.10f, 0.16f, 160},
                          {0.65f, 0.45f, 0.10f, 0.16f, 150}, {0.50f, 0.70f, 0.06f, 0.05f, 230},
                          {0.50f, 0.30f, 0.15f, 0.06f, 40},  {0.42f, 0.62f, 0.03f, 0.03f, 200},
                          {0.60f, 0.62f, 0.04f, 0.02f, 120}};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = 10;
            for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
                float dx = (x - e[k][0] * w) / (e[k][2] * w), dy = (y - e[k][1] * h) / (e[k][3] * h);
                if (dx * dx + dy * dy <= 1.0f) v = e[k][4];
            }
            v += 12.0f * frand();
            uint8_t g = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
            for (int c = 0; c < 3; c++) rgb[((size_t)y * w + x) * 3 + c] = g;
        }
    return rgb;
}

typedef struct {
    double whole, cpu, enc, dec, post;
    int masks;
} run_times;

static int run(sam_predictor *pred, const uint8_t *rgb, int h, int w, const sam_amg_params *p, run_times *t) {
    amg_model am;
    sam_amg_result r;
    if (sam_amg_model_init(&am, pred)) return -1;
    double t0 = now(), c0 = cpu_now();
    int rc = sam_amg_generate(&am, rgb, h, w, p, &r);
    t->whole = now() - t0, t->cpu = cpu_now() - c0;
    sam_amg_model_free(&am);
    if (rc) return -1;
    t->enc = r.t_encoder, t->dec = r.t_decoder, t->post = r.t_post, t->masks = r.n;
    sam_amg_result_free(&r);
    return 0;
}

static void report(const char *tag, const run_times *t, int n_prompts, double official, int threads) {
    double dp = t->dec + t->post;
    printf("%s_masks %d\n", tag, t->masks);
    printf("%s_encoder_s %.3f\n", tag, t->enc);
    printf("%s_decoder_s %.3f\n", tag, t->dec);
    printf("%s_decoder_ms_per_prompt %.2f\n", tag, 1e3 * t->dec / n_prompts);
    printf("%s_post_s %.3f\n", tag, t->post);
    printf("%s_whole_s %.3f\n", tag, t->whole);
    printf("%s_whole_cpu_s %.3f\n", tag, t->cpu);
    printf("%s_speedup_vs_official %.2f\n", tag, official / dp);
    /* what the run would take with the threads to itself (encoder included) */
    printf("%s_idle_estimate_s %.3f\n", tag, t->cpu / threads);
    printf("%s_idle_estimate_speedup %.2f\n", tag, official / (t->cpu / threads));
}

int main(int argc, char **argv) {
    nn_blas_runtime_reexec(argv); /* as the samc program does */
    int side = argc > 1 ? atoi(argv[1]) : 32, threads = argc > 2 ? atoi(argv[2]) : 0;
    int enc_width = argc > 3 ? atoi(argv[3]) : 64;
    if (side < 1 || side > 1024 || threads < 0 || enc_width < 1 || enc_width > 4096) {
        fprintf(stderr, "usage: bench_everything [points_per_side] [threads] [encoder_width]\n");
        return 2;
    }
    if (threads > 0) nn_blas_set_threads(threads);
    char path[64];
    snprintf(path, sizeof path, "/tmp/bench_everything_%d.samw", (int)getpid());
    const int H = 480, W = 640;
    uint8_t *rgb = phantom(H, W);
    sam_model *m = NULL;
    sam_predictor *pred = NULL;
    if (!rgb || write_model(path, enc_width) || !(m = sam_model_load(path)) || !(pred = sam_predictor_new(m))) {
        fprintf(stderr, "bench_everything: %s\n", samc_errmsg());
        remove(path);
        return 1;
    }
    remove(path); /* the mapping stays valid */
    sam_amg_params p;
    sam_amg_params_default(&p);
    p.points_per_side = side;
    run_times def, zero;
    if (run(pred, rgb, H, W, &p, &def)) {
        fprintf(stderr, "bench_everything: %s\n", samc_errmsg());
        return 1;
    }
    p.pred_iou_thresh = 0, p.stability_score_thresh = 0;
    if (run(pred, rgb, H, W, &p, &zero)) {
        fprintf(stderr, "bench_everything: %s\n", samc_errmsg());
        return 1;
    }
    /* the official times are for the 32 x 32 grid; scale them to this grid */
    int n = side * side;
    double scale = n / 1024.0;
    printf("image %dx%d\npoints_per_side %d\nthreads %d\nencoder_width %d\n", W, H, side, nn_blas_get_threads(),
           enc_width);
    report("default", &def, n, OFFICIAL_DEFAULT_S * scale, nn_blas_get_threads());
    report("zero", &zero, n, OFFICIAL_ZERO_S * scale, nn_blas_get_threads());
    printf("\nsamc everything, 640x480, %dx%d grid, %d threads (random weights, encoder width %d):\n", side, side,
           nn_blas_get_threads(), enc_width);
    printf("  official thresholds: decoder %.2f s (%.1f ms/prompt) + post-processing %.2f s = %.2f s, "
           "%.1fx faster than the official %.0f s\n",
           def.dec, 1e3 * def.dec / n, def.post, def.dec + def.post, OFFICIAL_DEFAULT_S * scale / (def.dec + def.post),
           OFFICIAL_DEFAULT_S * scale);
    printf("  both thresholds 0:   decoder %.2f s (%.1f ms/prompt) + post-processing %.2f s = %.2f s, "
           "%.1fx faster than the official %.0f s\n",
           zero.dec, 1e3 * zero.dec / n, zero.post, zero.dec + zero.post, OFFICIAL_ZERO_S * scale / (zero.dec + zero.post),
           OFFICIAL_ZERO_S * scale);
    int th = nn_blas_get_threads();
    printf("  CPU time / threads (the wall time with the cores to itself, encoder included): %.2f s (%.1fx) and "
           "%.2f s (%.1fx)\n",
           def.cpu / th, OFFICIAL_DEFAULT_S * scale / (def.cpu / th), zero.cpu / th,
           OFFICIAL_ZERO_S * scale / (zero.cpu / th));
    sam_predictor_free(pred);
    sam_model_free(m);
    free(rgb);
    return 0;
}
