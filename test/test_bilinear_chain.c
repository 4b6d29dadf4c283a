/* nn/interp.c nn_bilinear_resize2_forward (Sam.postprocess_masks' two F.interpolate calls
 * around the crop, fused) against a plain per-pixel transcription of aten's bilinear
 * formula (sam-reference.md 4.6, torch 1.13 CPU: float scale, double source index, float
 * weights, float blend x then y) through a stored intermediate, bit for bit. */
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "nn/nn.h"
#include "util/err.h"

/* index and weights of output o along an axis in -> out, written out from the formula */
static void ref_axis(int in, int out, int o, int *i0, int *i1, float *w0, float *w1) {
    if (in == out) { /* aten's CPU kernel copies through with weights 1, 0 */
        *i0 = *i1 = o, *w0 = 1.0f, *w1 = 0.0f;
        return;
    }
    float scale = (float)in / (float)out;
    double src = (double)scale * ((double)o + 0.5) - 0.5;
    if (src < 0.0) src = 0.0;
    int f = (int)src;
    *i0 = f < in - 1 ? f : in - 1;
    *i1 = *i0 < in - 1 ? *i0 + 1 : *i0;
    double l = src - *i0;
    if (l < 0.0) l = 0.0;
    if (l > 1.0) l = 1.0;
    *w1 = (float)l;
    *w0 = 1.0f - *w1;
}

/* F.interpolate(in[C][H][W] with rows ld apart, planes cs apart, (OH, OW)), kept [:KH, :KW] */
static void ref_resize(float *out, const float *in, int C, int H, int W, int ld, size_t cs, int OH, int OW, int KH,
                       int KW) {
    for (int c = 0; c < C; c++)
        for (int y = 0; y < KH; y++)
            for (int x = 0; x < KW; x++) {
                int h0, h1, w0, w1;
                float a0, a1, b0, b1;
                ref_axis(H, OH, y, &h0, &h1, &a0, &a1);
                ref_axis(W, OW, x, &w0, &w1, &b0, &b1);
                const float *p = in + c * cs;
                float top = b0 * p[(size_t)h0 * ld + w0] + b1 * p[(size_t)h0 * ld + w1];
                float bot = b0 * p[(size_t)h1 * ld + w0] + b1 * p[(size_t)h1 * ld + w1];
                out[((size_t)c * KH + y) * KW + x] = a0 * top + a1 * bot;
            }
}

static uint32_t g_seed = 7;
static float frand(void) {
    g_seed = g_seed * 1664525u + 1013904223u;
    return (float)(g_seed >> 8) / (float)(1 << 23) - 1.0f;
}

/* One chain case: random input, a third of it -0 and some +0 (a shortcut for weight-1/weight-0
 * taps would turn -0 into +0, 1*-0 + 0*x being +0 for x > 0), in a padded layout; the fused result must
 * equal the reference and the two-call path bit for bit, at 1, 2 and 3 threads. */
static int chain_case(int C, int IH, int IW, int MH, int MW, int KH, int KW, int OH, int OW) {
    int ld = IW + 3;
    size_t cs = (size_t)(IH + 1) * ld, n_out = (size_t)C * OH * OW, n_mid = (size_t)C * KH * KW;
    float *in = malloc(C * cs * sizeof(float)), *mid = malloc(n_mid * sizeof(float));
    float *ref = malloc(n_out * sizeof(float)), *got = malloc(n_out * sizeof(float));
    int ok = in && mid && ref && got;
    if (ok) {
        for (size_t i = 0; i < C * cs; i++) {
            float v = frand();
            in[i] = v > 0.4f ? -0.0f : v < -0.8f ? 0.0f : 100.0f * v;
        }
        ref_resize(mid, in, C, IH, IW, ld, cs, MH, MW, KH, KW);
        ref_resize(ref, mid, C, KH, KW, KW, (size_t)KH * KW, OH, OW, OH, OW);
        int saved = omp_get_max_threads();
        for (int t = 1; t <= 3; t++) {
            omp_set_num_threads(t);
            memset(got, 0xff, n_out * sizeof(float));
            int same = nn_bilinear_resize2_forward(got, in, C, IH, IW, ld, cs, MH, MW, KH, KW, OH, OW) == 0 &&
                       memcmp(got, ref, n_out * sizeof(float)) == 0;
            CHECK_MSG(same, "fused, %d threads, %dx%d -> %dx%d[:%d, :%d] -> %dx%d", t, IH, IW, MH, MW, KH, KW, OH,
                      OW);
            ok = ok && same;
        }
        omp_set_num_threads(saved);
    }
    free(in), free(mid), free(ref), free(got);
    return ok;
}

TEST(sam_postprocess_sizes) {
    /* 256 -> 1024, crop to a 640 x 480 image's 1024 x 768, back to 480 x 640; and the
     * portrait and exactly-square cases */
    CHECK(chain_case(3, 256, 256, 1024, 1024, 768, 1024, 480, 640));
    CHECK(chain_case(1, 256, 256, 1024, 1024, 1024, 683, 300, 200));
    CHECK(chain_case(1, 256, 256, 1024, 1024, 1024, 1024, 512, 512));
}

TEST(upscaling_second_resize) {
    /* an image larger than 1024: the second resize upscales (1920 x 1080) */
    CHECK(chain_case(1, 256, 256, 1024, 1024, 576, 1024, 1080, 1920));
    CHECK(chain_case(2, 16, 16, 64, 64, 40, 64, 97, 131));
}

TEST(downscaling_both) {
    CHECK(chain_case(2, 50, 40, 23, 17, 20, 17, 9, 5));
    /* exact 3x: integer source coordinates, weight 0 on a distinct neighbour */
    CHECK(chain_case(2, 10, 12, 30, 36, 30, 36, 10, 12));
}

TEST(odd_and_identity_sizes) {
    CHECK(chain_case(3, 7, 5, 13, 11, 9, 10, 3, 17));
    CHECK(chain_case(2, 9, 6, 9, 6, 9, 6, 9, 6));     /* both resizes identities */
    CHECK(chain_case(1, 9, 6, 9, 6, 5, 4, 11, 4));    /* identity, crop, mixed */
    CHECK(chain_case(2, 5, 8, 12, 8, 12, 7, 12, 13)); /* identity along one axis */
}

TEST(one_pixel_sizes) {
    CHECK(chain_case(1, 1, 1, 1, 1, 1, 1, 1, 1));
    CHECK(chain_case(2, 1, 1, 5, 7, 3, 4, 6, 2));
    CHECK(chain_case(1, 1, 9, 4, 3, 1, 3, 1, 8));
    CHECK(chain_case(1, 6, 1, 2, 5, 2, 1, 7, 1));
    CHECK(chain_case(1, 4, 4, 8, 8, 8, 8, 1, 1));
}

TEST(bad_sizes_rejected) {
    float in[4] = {0}, out[4];
    util_err_clear();
    CHECK(nn_bilinear_resize2_forward(out, in, 1, 2, 2, 2, 4, 4, 4, 5, 4, 2, 2) == -1); /* crop taller than 4 */
    CHECK(strstr(samc_errmsg(), "bad sizes") != NULL);
    CHECK(nn_bilinear_resize2_forward(out, in, 1, 2, 2, 2, 4, 4, 4, 4, 5, 2, 2) == -1); /* crop wider */
    CHECK(nn_bilinear_resize2_forward(out, in, 1, 2, 2, 2, 4, 4, 4, 4, 4, 0, 2) == -1); /* empty output */
    CHECK(nn_bilinear_resize2_forward(out, in, 0, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2) == -1); /* no planes */
}

int main(void) {
    RUN(sam_postprocess_sizes);
    RUN(upscaling_second_resize);
    RUN(downscaling_both);
    RUN(odd_and_identity_sizes);
    RUN(one_pixel_sizes);
    RUN(bad_sizes_rejected);
    return check_summary();
}
