/* sam/keys_fold against the chain it folds, computed directly in double: per image token,
 *   keys_l = LayerNorm_l(keys_{l-1} + bo_l + S_l F_l)   (keys_{-1} = src),
 * then keys_{L-1} U. Random sizes small enough to run in a blink, token rows with a large
 * common mean (the case the centring is for), and probabilities that sum to 1 per token
 * and head as the attention's do. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/mode.h"
#include "sam/keys_fold.h"

#define HW 37 /* not a multiple of anything */
#define C 24
#define O 20
#define N 3 /* tokens */
#define H 2 /* heads */
#define NR (H * N) /* rows of the folded attention */
#define EPS 1e-5

static double urand(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return ((*s >> 8) & 0xffff) / 65536.0 - 0.5;
}

/* one LayerNorm over x[C] in double, in place; returns 1/sqrt(var + eps) */
static double layernorm(double *x, const float *g, const float *b) {
    double m = 0, v = 0;
    for (int c = 0; c < C; c++) m += x[c];
    m /= C;
    for (int c = 0; c < C; c++) v += (x[c] - m) * (x[c] - m);
    double rstd = 1.0 / sqrt(v / C + EPS);
    for (int c = 0; c < C; c++) x[c] = (x[c] - m) * rstd * g[c] + b[c];
    return rstd;
}

static void check_layers(int L, unsigned seed) {
    float src[HW * C], U[C * O], gamma[KEYS_FOLD_MAX_LAYERS][C], beta[KEYS_FOLD_MAX_LAYERS][C];
    float bo[KEYS_FOLD_MAX_LAYERS][C], F[KEYS_FOLD_MAX_LAYERS][NR * C], S[KEYS_FOLD_MAX_LAYERS][HW * NR];
    keys_fold_layer layers[KEYS_FOLD_MAX_LAYERS];
    for (int i = 0; i < HW * C; i++) src[i] = (float)(5.0 + urand(&seed)); /* mean 5, spread 1 */
    for (int i = 0; i < C * O; i++) U[i] = (float)urand(&seed);
    for (int l = 0; l < L; l++) {
        for (int c = 0; c < C; c++) {
            gamma[l][c] = (float)(1.0 + urand(&seed));
            beta[l][c] = (float)urand(&seed);
            bo[l][c] = (float)(3.0 + urand(&seed));
        }
        for (int i = 0; i < NR * C; i++) F[l][i] = (float)(2.0 + urand(&seed));
        for (int p = 0; p < HW; p++) /* per head, N probabilities summing to 1 */
            for (int h = 0; h < H; h++) {
                double w[N], sum = 0;
                for (int j = 0; j < N; j++) sum += w[j] = 0.6 + urand(&seed);
                for (int j = 0; j < N; j++) S[l][p * NR + h * N + j] = (float)(w[j] / sum);
            }
        layers[l] = (keys_fold_layer){gamma[l], beta[l], bo[l]};
    }
    /* the fold */
    keys_fold f;
    CHECK(sam_keys_fold_init(&f, layers, L, C, U, O, src, HW) == 0);
    int K = KEYS_FOLD_K(L, NR);
    float *probs = malloc(sizeof(float) * K * HW), *v = malloc(sizeof(float) * K * O);
    float *g = malloc(sizeof(float) * L * HW), *rstd = malloc(sizeof(float) * L * HW);
    float *scratch = malloc(sizeof(float) * NR * C), *out = malloc(sizeof(float) * HW * O);
    double *keys = malloc(sizeof(double) * HW * C);
    for (int l = 0; l < L; l++) {
        for (int r = 0; r < NR; r++)
            for (int p = 0; p < HW; p++) probs[((size_t)l * NR + r) * HW + p] = S[l][p * NR + r];
        sam_keys_fold_values(&f, l, F[l], NR, v + (size_t)l * NR * O, scratch);
    }
    /* the chain in double, keeping each LayerNorm's scale for the fold */
    for (int i = 0; i < HW * C; i++) keys[i] = src[i];
    for (int l = 0; l < L; l++)
        for (int p = 0; p < HW; p++) {
            double *x = keys + (size_t)p * C;
            for (int c = 0; c < C; c++) {
                double a = bo[l][c];
                for (int r = 0; r < NR; r++) a += (double)S[l][p * NR + r] * F[l][r * C + c];
                x[c] += a;
            }
            rstd[l * HW + p] = (float)layernorm(x, gamma[l], beta[l]);
        }
    keys_fold_prompt kp = {.f = &f, .R = NR, .probs = probs, .v = v, .g = g, .rstd = rstd};
    sam_keys_fold_scale(&kp);
    sam_keys_fold_conv(&kp, 0, HW, out);
    double worst = 0, scale = 0;
    for (int p = 0; p < HW; p++)
        for (int o = 0; o < O; o++) {
            double want = 0;
            for (int c = 0; c < C; c++) want += keys[(size_t)p * C + c] * U[c * O + o];
            worst = fmax(worst, fabs(out[p * O + o] - want));
            scale = fmax(scale, fabs(want));
        }
    CHECK_MSG(worst <= 2e-5 * scale, "L %d: max error %g of max %g", L, worst, scale);
    /* a block of tokens gives the values of the whole: within rounding in fast mode (OpenBLAS's
     * AVX2 kernels sum a row in another order when it falls in a partial register block), the
     * same bits in reference mode (one summation order per value) */
    float part[5 * O];
    sam_keys_fold_conv(&kp, 11, 5, part);
    for (int i = 0; i < 5 * O; i++) CHECK(fabs(part[i] - out[11 * O + i]) <= 1e-6 * scale);
    nn_set_reference_mode(1);
    sam_keys_fold_conv(&kp, 0, HW, out);
    sam_keys_fold_conv(&kp, 11, 5, part);
    nn_set_reference_mode(0);
    CHECK(memcmp(part, out + 11 * O, sizeof part) == 0);
    sam_keys_fold_free(&f);
    free(probs), free(v), free(g), free(rstd), free(scratch), free(out), free(keys);
}

TEST(keys_fold_one_layer) { check_layers(1, 7); }
TEST(keys_fold_two_layers) { check_layers(2, 11); }
TEST(keys_fold_three_layers) { check_layers(3, 13); }

TEST(keys_fold_rejects_bad_depth) {
    keys_fold f;
    float x[C * O] = {0};
    keys_fold_layer l = {x, x, x};
    CHECK(sam_keys_fold_init(&f, &l, 0, C, x, O, x, 1) == -1);
    CHECK(sam_keys_fold_init(&f, &l, KEYS_FOLD_MAX_LAYERS + 1, C, x, O, x, 1) == -1);
}

int main(void) {
    RUN(keys_fold_one_layer);
    RUN(keys_fold_two_layers);
    RUN(keys_fold_three_layers);
    RUN(keys_fold_rejects_bad_depth);
    return check_summary();
}
