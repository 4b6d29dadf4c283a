/* The nn ops and predictor pieces the baselines share, against hand computations and
 * PyTorch's documented sample positions (baselines.md §2.5). */
#include <math.h>
#include <stdlib.h>

#include "iseg/click_input.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "test/check.h"

/* align_corners=True 2 -> 3 along x: positions 0, 0.5, 1 */
TEST(bilinear_ac_hand) {
    float in[2] = {1.0f, 3.0f}, out[3];
    CHECK(nn_bilinear_ac_forward(out, in, 1, 1, 2, 1, 3) == 0);
    CHECK(out[0] == 1.0f && out[1] == 2.0f && out[2] == 3.0f);
    /* 3 -> 2: the corners are kept */
    float in3[3] = {5.0f, -1.0f, 7.0f}, out2[2];
    CHECK(nn_bilinear_ac_forward(out2, in3, 1, 1, 3, 1, 2) == 0);
    CHECK(out2[0] == 5.0f && out2[1] == 7.0f);
}

/* align_corners=False 2 -> 4: src = 0.5*(i+0.5)-0.5 = -0.25 (clamped 0), 0.25, 0.75, 1.25 (i0 = 1 = last) */
TEST(bilinear_hp_hand) {
    float in[2] = {0.0f, 4.0f}, out[4];
    CHECK(nn_bilinear_hp_forward(out, in, 1, 1, 2, 1, 4) == 0);
    CHECK(out[0] == 0.0f && out[1] == 1.0f && out[2] == 3.0f && out[3] == 4.0f);
}

/* 2-D: corners a b / c d, 2x2 -> 3x3 AC; the centre is the mean of the four */
TEST(bilinear_2d_and_copy) {
    float in[4] = {0.0f, 4.0f, 8.0f, 16.0f}, out[9];
    CHECK(nn_bilinear_ac_forward(out, in, 1, 2, 2, 3, 3) == 0);
    CHECK(out[4] == 7.0f);
    CHECK(out[1] == 2.0f && out[7] == 12.0f && out[3] == 4.0f && out[5] == 10.0f);
    /* equal sizes: an exact copy, even of values that weights would round */
    float v[6] = {0.1f, 1e30f, -3.3f, 7.7e-30f, 2.0f, -0.0f}, w[6];
    CHECK(nn_bilinear_hp_forward(w, v, 2, 1, 3, 1, 3) == 0);
    CHECK(memcmp(v, w, sizeof v) == 0);
    CHECK(nn_bilinear_ac_forward(w, v, 1, 1, 6, 0, 6) == -1);
}

TEST(batchnorm_hand) {
    float x[4] = {1.0f, 3.0f, -2.0f, 6.0f};
    float wt[2] = {2.0f, 1.0f}, b[2] = {0.5f, -1.0f}, mean[2] = {1.0f, 2.0f}, var[2] = {3.0f, 15.0f};
    nn_batchnorm2d_forward(x, wt, b, mean, var, 2, 2, 1.0f);
    /* channel 0: (x - 1) / 2 * 2 + 0.5; channel 1: (x - 2) / 4 - 1 */
    CHECK(x[0] == 0.5f && x[1] == 2.5f && x[2] == -2.0f && x[3] == 0.0f);
}

TEST(activations_hand) {
    float x[3] = {-2.0f, 0.0f, 3.0f};
    nn_leaky_relu_inplace(x, 3, 0.2f);
    CHECK(x[0] == -2.0f * 0.2f && x[1] == 0.0f && x[2] == 3.0f);
    float s[3] = {0.0f, 100.0f, -100.0f};
    nn_sigmoid_inplace(s, 3);
    CHECK(s[0] == 0.5f && s[1] == 1.0f && s[2] < 1e-40f);
}

/* two heads of hd 1; head 0's keys equal, so its weights are uniform: the mean of v */
TEST(mha_hand) {
    /* q[2][2], k[3][2], v[3][2] (head h = column h) */
    float q[4] = {1.0f, 0.0f, 5.0f, 0.0f};
    float k[6] = {2.0f, 0.0f, 2.0f, 1.0f, 2.0f, 0.0f};
    float v[6] = {3.0f, 1.0f, 6.0f, 2.0f, 9.0f, 4.0f};
    float out[4];
    float *scratch = malloc(nn_mha_scratch_size(2, 3) * sizeof(float));
    nn_mha_forward(out, 2, q, 2, k, v, 2, 2, 3, 2, 1, scratch);
    CHECK_NEAR(out[0], 6.0f, 1e-6);
    CHECK_NEAR(out[2], 6.0f, 1e-6);
    /* head 1: q = 0, so uniform too: (1 + 2 + 4) / 3 */
    CHECK_NEAR(out[1], 7.0f / 3.0f, 1e-6);
    free(scratch);
}

TEST(points_and_disks) {
    iseg_click c[3] = {{1, 90, 120}, {0, 144, 234}, {1, 60, 108}};
    CHECK(iseg_points_per_sign(c, 3) == 2);
    CHECK(iseg_points_per_sign(c, 1) == 1);
    double r[3] = {90, 144, 60}, col[3] = {120, 234, 108};
    float pts[12];
    iseg_points_fill(pts, c, r, col, 3, 2);
    float want[12] = {90, 120, 0, 60, 108, 2, 144, 234, 1, -1, -1, -1};
    CHECK(memcmp(pts, want, sizeof want) == 0);
    /* a disk of radius 5 around (6, 6) on a 12x12 grid: 81 pixels (the lattice points within 5) */
    float one[6] = {6, 6, 0, -1, -1, -1}, maps[2 * 144];
    iseg_disk_maps(maps, one, 1, 12, 12, 5.0f);
    int n = 0, neg = 0;
    for (int i = 0; i < 144; i++) n += maps[i] == 1.0f, neg += maps[144 + i] != 0.0f;
    CHECK(n == 81 && neg == 0);
    CHECK(maps[6 * 12 + 11] == 1.0f && maps[6 * 12 + 0] == 0.0f && maps[11 * 12 + 6] == 1.0f && maps[10 * 12 + 10] == 0.0f);
}

TEST(image_and_flip) {
    uint8_t rgb[6] = {255, 0, 51, 0, 255, 102};
    float x[6], f[6];
    iseg_image_to_chw(x, rgb, 1, 2);
    CHECK(x[0] == 1.0f && x[1] == 0.0f && x[2] == 0.0f && x[3] == 1.0f && x[4] == 0.2f && x[5] == 0.4f);
    iseg_flip_w(f, x, 3, 1, 2);
    CHECK(f[0] == 0.0f && f[1] == 1.0f && f[4] == 0.4f);
    float n[3] = {0.485f, 0.456f + 0.224f, 0.406f - 2 * 0.225f};
    iseg_normalize_rgb(n, n, 1);
    CHECK(n[0] == 0.0f && fabsf(n[1] - 1.0f) < 1e-6f && fabsf(n[2] + 2.0f) < 1e-6f);
}

int main(void) {
    RUN(bilinear_ac_hand);
    RUN(bilinear_hp_hand);
    RUN(bilinear_2d_and_copy);
    RUN(batchnorm_hand);
    RUN(activations_hand);
    RUN(mha_hand);
    RUN(points_and_disks);
    RUN(image_and_flip);
    return check_summary();
}
