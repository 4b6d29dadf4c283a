/* The prompt side of SAM at the real decoder sizes (prompt dim 256, 8 heads, MLP 2048,
 * mask_in 16, 64 x 64 embedding) with random weights: milliseconds per prompt of
 *  - sam_predict for one click on a cached embedding of a 640 x 480 image (multimask, the
 *    three masks upscaled to 640 x 480): the best of 5 rounds' medians of reps calls;
 *  - sam_predict_points_batch (low-res masks) per prompt, alone and with the same upscaling;
 * and, given a path, the warm load time of a ViT-H-sized .samw (written there with random
 * weights if missing; 2.5 GB): samw_open + sam_model_load of an already cached file.
 * usage: bench_decoder [threads] [reps] [vit_h.samw]
 * Prints "key value" lines that bench/run.sh collects (decoder_single_cpu_ms: the CPU time of
 * all threads per click, a steadier figure on a busy machine). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/random_samw.h"
#include "nn/blas.h"
#include "samc.h"
#include "sam/predictor.h"
#include "util/err.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double cpu_now(void) { /* CPU time of all threads: what the work costs on a busy machine */
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* ViT-H's encoder, or a one-block 64-wide one when only the decoder matters; the official
 * prompt encoder and mask decoder either way. */
static sam_config config(int vit_h) {
    sam_config c = random_samw_config('h');
    if (!vit_h) c.embed_dim = 64, c.depth = 1, c.num_heads = 1, c.head_dim = 64, c.mlp_dim = 256, c.global_attn = 1;
    return c;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n) {
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void die(const char *what) {
    fprintf(stderr, "bench_decoder: %s: %s\n", what, samc_errmsg());
    exit(1);
}

/* ms of the load of a warm (page-cached) ViT-H .samw: best of 3 after one untimed open */
static double load_ms(const char *path) {
    struct stat st;
    if (stat(path, &st)) {
        sam_config c = config(1);
        fprintf(stderr, "bench_decoder: writing a random ViT-H model to %s (2.5 GB, once)\n", path);
        if (random_samw_write(path, &c)) die("writing the ViT-H model");
    }
    double best = 1e30;
    for (int r = 0; r < 4; r++) {
        double t = now();
        sam_model *m = sam_model_load(path);
        if (!m) die(path);
        t = now() - t;
        sam_model_free(m);
        if (r > 0 && t < best) best = t;
    }
    return best * 1e3;
}

int main(int argc, char **argv) {
    nn_blas_runtime_reexec(argv); /* as the samc program does */
    int threads = argc > 1 ? atoi(argv[1]) : 0, reps = argc > 2 ? atoi(argv[2]) : 21;
    const char *vit_h = argc > 3 ? argv[3] : NULL;
    if (reps < 1) reps = 1;
    /* glibc's default allocator, as a program linking libsamc has it: a click's work memory is
     * the predictor's (nn/arena.h), so only its outputs are fresh pages */
    if (threads > 0) nn_blas_set_threads(threads);
    const char *path = "build/bench_decoder.samw";
    sam_config cfg = config(0);
    if (random_samw_write(path, &cfg)) die(path);
    sam_model *m = sam_model_load(path);
    if (!m) die(path);
    remove(path); /* the mapping stays valid */
    sam_predictor *p = sam_predictor_new(m);
    int C = sam_model_embed_channels(m), G = sam_model_embed_grid(m), H = 480, W = 640;
    size_t n_emb = (size_t)C * G * G;
    float *emb = malloc(n_emb * sizeof(float));
    if (!p || !emb) die("out of memory");
    for (size_t i = 0; i < n_emb; i++) emb[i] = 0.5f * random_samw_frand();
    if (sam_predictor_set_embedding(p, emb, H, W)) die("set_embedding");

    /* one click, multimask (SamPredictor.predict's default): 3 masks at 640 x 480, in ROUNDS
     * rounds of reps clicks half a second apart; the figure is the best round's median. Other
     * work on the machine only ever adds time, and comes in bursts of a few seconds that can
     * cover a whole round; every round's median is printed too. */
    enum { ROUNDS = 5 };
    double *t = malloc((size_t)reps * sizeof(double)), *tc = malloc((size_t)reps * sizeof(double));
    double round_ms[ROUNDS], round_cpu_ms[ROUNDS];
    if (!t || !tc) die("out of memory");
    for (int rd = 0; rd < ROUNDS; rd++) {
        if (rd > 0) nanosleep(&(struct timespec){.tv_nsec = 500000000}, NULL);
        for (int r = 0; r <= reps; r++) {
            double xy[2] = {40.0 + 17.0 * r, 300.0 - 9.0 * r};
            int label = 1;
            sam_prompt pr = {.n_points = 1, .points = xy, .labels = &label, .multimask = 1};
            sam_prediction out;
            double t0 = now(), c0 = cpu_now();
            if (sam_predict(p, &pr, &out)) die("predict");
            if (r > 0) t[r - 1] = now() - t0, tc[r - 1] = cpu_now() - c0; /* the first call warms up */
            sam_prediction_free(&out);
        }
        round_ms[rd] = median(t, reps) * 1e3, round_cpu_ms[rd] = median(tc, reps) * 1e3;
    }
    int best = 0;
    for (int rd = 1; rd < ROUNDS; rd++)
        if (round_ms[rd] < round_ms[best]) best = rd;
    double single_ms = round_ms[best], single_cpu_ms = round_cpu_ms[best];

    /* a batch of B points: low-res masks, then the same upscaling as predict */
    enum { B = 16 };
    int L = 4 * G;
    double pts[2 * B];
    for (int i = 0; i < B; i++) pts[2 * i] = 20.0 + 37.0 * i, pts[2 * i + 1] = 450.0 - 27.0 * i;
    float *low = malloc((size_t)B * 3 * L * L * sizeof(float)), *iou = malloc((size_t)B * 3 * sizeof(float));
    float *logits = malloc((size_t)3 * H * W * sizeof(float));
    if (!low || !iou || !logits) die("out of memory");
    int batch_reps = reps / 4 > 3 ? reps / 4 : 3;
    double *tb = malloc((size_t)batch_reps * sizeof(double)), *tu = malloc((size_t)batch_reps * sizeof(double));
    if (!tb || !tu) die("out of memory");
    for (int r = 0; r < batch_reps; r++) {
        double t0 = now();
        if (sam_predict_points_batch(p, pts, B, 1, low, iou)) die("batch");
        double t1 = now();
        for (int i = 0; i < B; i++)
            if (sam_postprocess_logits(p, low + (size_t)i * 3 * L * L, 3, logits)) die("postprocess");
        tb[r] = (t1 - t0) / B;
        tu[r] = (now() - t0) / B;
    }
    double batch_ms = median(tb, batch_reps) * 1e3, batch_up_ms = median(tu, batch_reps) * 1e3;

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("threads %d\n", nn_blas_get_threads());
    printf("decoder_single_ms %.2f\n", single_ms);
    printf("decoder_single_cpu_ms %.2f\n", single_cpu_ms);
    printf("decoder_single_rounds_ms");
    for (int rd = 0; rd < ROUNDS; rd++) printf(" %.2f", round_ms[rd]);
    printf("\n");
    printf("decoder_batch%d_ms_per_prompt %.2f\n", B, batch_ms);
    printf("decoder_batch%d_upscaled_ms_per_prompt %.2f\n", B, batch_up_ms);
    printf("decoder_peak_rss_mb %.0f\n", ru.ru_maxrss / 1024.0);
    if (vit_h) printf("load_vit_h_warm_ms %.1f\n", load_ms(vit_h));
    free(t), free(tc), free(tb), free(tu), free(low), free(iou), free(logits), free(emb);
    sam_predictor_free(p);
    sam_model_free(m);
    return 0;
}
