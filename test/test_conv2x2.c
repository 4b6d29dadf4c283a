/* nn/conv2x2.c and nn/interp.c: the small convolutions and the bilinear resize of the
 * prompt encoder, mask decoder and postprocessing, against hand-computed values and the
 * ops' definitions evaluated naively in double. */
#include <stdlib.h>

#include "check.h"
#include "nn/nn.h"

static float rnd(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 32768.0f - 1.0f;
}

TEST(conv2d_k2s2_hand_example) {
    /* one 2x2 input window, weight picks the diagonal: 1*1 + 4*1 + bias 0.5 */
    float in[4] = {1, 2, 3, 4}, w[4] = {1, 0, 0, 1}, b = 0.5f, out = 0;
    nn_conv2d_k2s2_forward(&out, in, w, &b, 1, 2, 2, 1);
    CHECK(out == 5.5f);
}

TEST(conv2d_k2s2_matches_definition) {
    enum { IC = 3, OC = 4, H = 6, W = 4 };
    unsigned s = 1;
    float in[IC * H * W], w[OC * IC * 4], b[OC], out[OC * (H / 2) * (W / 2)];
    for (int i = 0; i < IC * H * W; i++) in[i] = rnd(&s);
    for (int i = 0; i < OC * IC * 4; i++) w[i] = rnd(&s);
    for (int i = 0; i < OC; i++) b[i] = rnd(&s);
    nn_conv2d_k2s2_forward(out, in, w, b, IC, H, W, OC);
    for (int o = 0; o < OC; o++)
        for (int y = 0; y < H / 2; y++)
            for (int x = 0; x < W / 2; x++) {
                double e = b[o];
                for (int c = 0; c < IC; c++)
                    for (int i = 0; i < 2; i++)
                        for (int j = 0; j < 2; j++)
                            e += (double)in[(c * H + 2 * y + i) * W + 2 * x + j] * w[((o * IC + c) * 2 + i) * 2 + j];
                CHECK_NEAR(out[(o * (H / 2) + y) * (W / 2) + x], e, 1e-5);
            }
}

TEST(conv2d_1x1_matches_definition) {
    enum { IC = 4, OC = 3, HW = 5 };
    unsigned s = 3;
    float in[IC * HW], w[OC * IC], b[OC], out[OC * HW];
    for (int i = 0; i < IC * HW; i++) in[i] = rnd(&s);
    for (int i = 0; i < OC * IC; i++) w[i] = rnd(&s);
    for (int i = 0; i < OC; i++) b[i] = rnd(&s);
    nn_conv2d_1x1_forward(out, in, w, b, IC, HW, OC);
    for (int o = 0; o < OC; o++)
        for (int p = 0; p < HW; p++) {
            double e = b[o];
            for (int c = 0; c < IC; c++) e += (double)w[o * IC + c] * in[c * HW + p];
            CHECK_NEAR(out[o * HW + p], e, 1e-5);
        }
}

TEST(bilinear_upscale_hand_values) {
    /* 1 x 2 -> 1 x 4, align_corners=False: source x = 0.5*(o+0.5)-0.5 = -0.25 (clamped to 0),
     * 0.25, 0.75, 1.25 (clamped to the last pixel) */
    float in[2] = {0, 1}, out[4];
    CHECK(nn_bilinear_resize2_forward(out, in, 1, 1, 2, 2, 2, 1, 4, 1, 4, 1, 4) == 0);
    CHECK(out[0] == 0.0f && out[1] == 0.25f && out[2] == 0.75f && out[3] == 1.0f);
}

TEST(bilinear_downscale_hand_values) {
    /* 1 x 4 -> 1 x 2: source x = 2*(o+0.5)-0.5 = 0.5, 2.5: the means of pixel pairs */
    float in[4] = {1, 3, 10, 20}, out[2];
    CHECK(nn_bilinear_resize2_forward(out, in, 1, 1, 4, 4, 4, 1, 2, 1, 2, 1, 2) == 0);
    CHECK(out[0] == 2.0f && out[1] == 15.0f);
}

TEST(bilinear_properties) {
    enum { C = 2, IH = 7, IW = 5, OH = 13, OW = 11 };
    unsigned s = 11;
    float in[C * IH * IW], full[C * OH * OW], crop[C * 6 * 4], same[C * IH * IW], cst[C * OH * OW];
    for (int i = 0; i < C * IH * IW; i++) in[i] = rnd(&s);
    CHECK(nn_bilinear_resize2_forward(full, in, C, IH, IW, IW, IH * IW, OH, OW, OH, OW, OH, OW) == 0);
    /* computing only the top-left corner gives the same values as the full resize */
    CHECK(nn_bilinear_resize2_forward(crop, in, C, IH, IW, IW, IH * IW, OH, OW, 6, 4, 6, 4) == 0);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 4; x++) CHECK(crop[(c * 6 + y) * 4 + x] == full[(c * OH + y) * OW + x]);
    /* same size: identity */
    CHECK(nn_bilinear_resize2_forward(same, in, C, IH, IW, IW, IH * IW, IH, IW, IH, IW, IH, IW) == 0);
    CHECK(memcmp(same, in, sizeof in) == 0);
    /* a constant map stays constant (weights sum to 1; 0.5 is exact in every product) */
    for (int i = 0; i < C * IH * IW; i++) in[i] = 0.5f;
    CHECK(nn_bilinear_resize2_forward(cst, in, C, IH, IW, IW, IH * IW, OH, OW, OH, OW, OH, OW) == 0);
    for (int i = 0; i < C * OH * OW; i++) CHECK_NEAR(cst[i], 0.5f, 1e-7);
    /* a strided input window (rows in_ld apart) reads only that window */
    float big[3 * 8] = {0}, win[2 * 2], o1[4], o2[4];
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++) big[y * 8 + x] = win[y * 2 + x] = rnd(&s);
    CHECK(nn_bilinear_resize2_forward(o1, big, 1, 2, 2, 8, 24, 2, 2, 2, 2, 2, 2) == 0);
    CHECK(nn_bilinear_resize2_forward(o2, win, 1, 2, 2, 2, 4, 2, 2, 2, 2, 2, 2) == 0);
    CHECK(memcmp(o1, o2, sizeof o1) == 0);
}

int main(void) {
    RUN(conv2d_k2s2_hand_example);
    RUN(conv2d_k2s2_matches_definition);
    RUN(conv2d_1x1_matches_definition);
    RUN(bilinear_upscale_hand_values);
    RUN(bilinear_downscale_hand_values);
    RUN(bilinear_properties);
    return check_summary();
}
