/* nn/: the ops of the image encoder on tiny cases, against hand-computed values or a naive
 * loop written straight from the PyTorch formulas. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "nn/blas.h"
#include "nn/gemm.h"
#include "nn/gemm_library.h"
#include "nn/mode.h"
#include "nn/nn.h"
#include "util/mem.h"

static float frand(uint32_t *s) { /* uniform in [-1, 1) */
    *s = *s * 1664525u + 1013904223u;
    return (float)(*s >> 8) / (float)(1 << 23) - 1.0f;
}

static void fill(float *x, size_t n, uint32_t seed) {
    for (size_t i = 0; i < n; i++) x[i] = frand(&seed);
}

TEST(layernorm_hand_values) {
    /* mean 2.5, biased variance 1.25: y = (x - 2.5) / sqrt(1.25 + 1e-6) * w + b */
    float x[4] = {1, 2, 3, 4}, w[4] = {1, 1, 2, 1}, b[4] = {0, 0, 0, 0.5f}, y[4];
    nn_layernorm_forward(y, x, w, b, 1, 4, 1e-6f);
    double r = 1.0 / sqrt(1.25 + 1e-6);
    CHECK_NEAR(y[0], -1.5 * r, 1e-6);
    CHECK_NEAR(y[1], -0.5 * r, 1e-6);
    CHECK_NEAR(y[2], 2 * 0.5 * r, 1e-6);
    CHECK_NEAR(y[3], 1.5 * r + 0.5, 1e-6);
    CHECK_NEAR(-1.5 * r, -1.3416402, 1e-6); /* the hand value itself */
}

TEST(gelu_known_erf_values) {
    /* 0.5 x (1 + erf(x / sqrt 2)) with erf(1/sqrt2) = 0.682689492137086, erf(sqrt2) = 0.954499736103642 */
    float x[5] = {0.0f, 1.0f, -1.0f, 2.0f, -2.0f};
    nn_gelu_inplace(x, 5);
    CHECK_NEAR(x[0], 0.0, 0);
    CHECK_NEAR(x[1], 0.841344746068543, 1e-6);
    CHECK_NEAR(x[2], -0.158655253931457, 1e-6);
    CHECK_NEAR(x[3], 1.954499736103642, 1e-6);
    CHECK_NEAR(x[4], -0.045500263896358, 1e-6);
}

/* the fast GELU against 0.5 x erfc(-x/sqrt2) in double, at the bounds nn.h states */
TEST(gelu_fast_relative_error) {
    double worst3 = 0, worst = 0;
    for (double x = -13; x <= 13; x += 1e-3) {
        float xf = (float)x;
        double want = 0.5 * xf * erfc(-(double)xf / sqrt(2.0));
        if (want == 0) continue;
        double rel = fabs(nn_gelu_fast_value(xf) - want) / fabs(want);
        if (fabs(x) <= 3 && rel > worst3) worst3 = rel;
        if (fabs(want) >= 1.2e-38 && rel > worst) worst = rel;
    }
    CHECK(worst3 <= 1.5e-6);
    CHECK(worst <= 2e-5);
    CHECK(nn_gelu_fast_value(0.0f) == 0.0f);
    CHECK(nn_gelu_fast_value(-20.0f) == 0.0f);
    CHECK(nn_gelu_fast_value(30.0f) == 30.0f);
    /* nn_gelu_inplace in fast mode computes exactly these values, vector loop or not */
    float x[37], y[37];
    for (int i = 0; i < 37; i++) x[i] = y[i] = -6.0f + 0.33f * i;
    nn_gelu_inplace(x, 37);
    int same = 1;
    for (int i = 0; i < 37; i++) same &= x[i] == nn_gelu_fast_value(y[i]);
    CHECK(same);
}

TEST(residual_adds) {
    float x[3] = {1, 2, 3}, y[3] = {0.5f, -2, 10};
    nn_residual_forward(x, y, 3);
    CHECK(x[0] == 1.5f && x[1] == 0.0f && x[2] == 13.0f);
}

/* The fused Linears against a direct double-precision sum (GELU by the C library's erf in
 * double), in both modes; in reference mode also bit for bit against the unfused ops they
 * replace (nn.h promises the same bits there). N = 37 is not a multiple of the epilogue's
 * 8-row steps. */
enum { FL_N = 37, FL_IC = 50, FL_OC = 19 };
static void check_fused_linears(void) {
    float inp[FL_N * FL_IC], w[FL_OC * FL_IC], b[FL_OC], x0[FL_N * FL_OC];
    float g[FL_N * FL_OC], r[FL_N * FL_OC], y[FL_N * FL_OC], u[FL_N * FL_OC];
    fill(inp, FL_N * FL_IC, 1), fill(w, FL_OC * FL_IC, 2), fill(b, FL_OC, 3), fill(x0, FL_N * FL_OC, 4);
    nn_linear_gelu_forward(g, inp, w, b, FL_N, FL_IC, FL_OC);
    memcpy(r, x0, sizeof r);
    nn_linear_residual_forward(r, y, inp, w, b, FL_N, FL_IC, FL_OC);
    int close = 1;
    for (int n = 0; n < FL_N; n++)
        for (int o = 0; o < FL_OC; o++) {
            double s = b[o];
            for (int c = 0; c < FL_IC; c++) s += (double)inp[n * FL_IC + c] * w[o * FL_IC + c];
            double gelu = 0.5 * s * (1.0 + erf(s / sqrt(2.0))), res = x0[n * FL_OC + o] + s;
            close &= fabs(g[n * FL_OC + o] - gelu) <= 1e-5 * (1.0 + fabs(gelu));
            close &= fabs(r[n * FL_OC + o] - res) <= 1e-5 * (1.0 + fabs(res));
        }
    CHECK(close);
    if (!nn_reference_mode()) return;
    nn_linear_forward(u, inp, w, b, FL_N, FL_IC, FL_OC);
    nn_gelu_inplace(u, FL_N * FL_OC);
    CHECK(!memcmp(u, g, sizeof u));
    nn_linear_forward(u, inp, w, b, FL_N, FL_IC, FL_OC);
    memcpy(y, x0, sizeof y);
    nn_residual_forward(y, u, FL_N * FL_OC);
    CHECK(!memcmp(y, r, sizeof y));
}

TEST(fused_linears_fast_mode) { check_fused_linears(); }

TEST(fused_linears_reference_mode_same_bits_as_unfused) {
    nn_set_reference_mode(1);
    check_fused_linears();
    nn_set_reference_mode(0);
}

TEST(conv2d_patchify_hand_values) {
    /* 2 channels of 4x4, patch 2, 2 output channels -> 4 tokens x 2 */
    float inp[32], w[16], b[2] = {0.5f, -1.0f}, cols[32], out[8];
    for (int i = 0; i < 32; i++) inp[i] = (float)i;     /* channel 0: 0..15, channel 1: 16..31 */
    for (int i = 0; i < 8; i++) w[i] = (float)(i + 1);  /* out 0: ch0 taps 1,2,3,4; ch1 taps 5,6,7,8 */
    for (int i = 8; i < 16; i++) w[i] = (i % 2) ? 1.0f : 0.0f; /* out 1: picks the right column of each patch row */
    nn_conv2d_patchify_forward(out, inp, w, b, 2, 4, 4, 2, 2, cols);
    /* token 0 (rows 0-1, cols 0-1): ch0 {0,1,4,5}, ch1 {16,17,20,21} */
    CHECK_NEAR(out[0], 0 * 1 + 1 * 2 + 4 * 3 + 5 * 4 + 16 * 5 + 17 * 6 + 20 * 7 + 21 * 8 + 0.5, 1e-4);
    CHECK_NEAR(out[1], 1 + 5 + 17 + 21 - 1.0, 1e-4);
    /* token 3 (rows 2-3, cols 2-3): ch0 {10,11,14,15}, ch1 {26,27,30,31} */
    CHECK_NEAR(out[6], 10 * 1 + 11 * 2 + 14 * 3 + 15 * 4 + 26 * 5 + 27 * 6 + 30 * 7 + 31 * 8 + 0.5, 1e-4);
    CHECK_NEAR(out[7], 11 + 15 + 27 + 31 - 1.0, 1e-4);
    /* token 1 is the top-right patch: ch0 {2,3,6,7} */
    CHECK_NEAR(out[3], 3 + 7 + 19 + 23 - 1.0, 1e-4);
}

TEST(conv2d_3x3_pad1_hand_values) {
    /* all-ones 3x3 input and kernel: each output counts the taps inside the image */
    float inp[9], w[9], cols[81], out[9];
    for (int i = 0; i < 9; i++) inp[i] = w[i] = 1.0f;
    nn_conv2d_forward(out, inp, w, NULL, 1, 3, 3, 1, 3, 1, 1, cols);
    const float want[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    for (int i = 0; i < 9; i++) CHECK_NEAR(out[i], want[i], 0);
    /* a kernel with a single tap at (ky, kx) = (0, 2) shifts the image: out[y][x] = inp[y-1][x+1] */
    float ramp[9];
    for (int i = 0; i < 9; i++) ramp[i] = (float)(i + 1), w[i] = i == 2 ? 1.0f : 0.0f;
    nn_conv2d_forward(out, ramp, w, NULL, 1, 3, 3, 1, 3, 1, 1, cols);
    const float shifted[9] = {0, 0, 0, 2, 3, 0, 5, 6, 0};
    for (int i = 0; i < 9; i++) CHECK_NEAR(out[i], shifted[i], 0);
}

/* nn_conv2d_forward against the direct definition, with channels, stride, padding and bias */
TEST(conv2d_matches_direct_loop) {
    enum { IC = 3, H = 7, W = 6, OC = 4, K = 3, S = 2, PAD = 1, OH = 4, OW = 3 };
    float inp[IC * H * W], w[OC * IC * K * K], b[OC], cols[IC * K * K * OH * OW], out[OC * OH * OW];
    fill(inp, IC * H * W, 1);
    fill(w, OC * IC * K * K, 2);
    fill(b, OC, 3);
    nn_conv2d_forward(out, inp, w, b, IC, H, W, OC, K, S, PAD, cols);
    double maxerr = 0;
    for (int o = 0; o < OC; o++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                double acc = b[o];
                for (int c = 0; c < IC; c++)
                    for (int ky = 0; ky < K; ky++)
                        for (int kx = 0; kx < K; kx++) {
                            int y = oy * S + ky - PAD, x = ox * S + kx - PAD;
                            if (y >= 0 && y < H && x >= 0 && x < W)
                                acc += (double)w[((o * IC + c) * K + ky) * K + kx] * inp[(c * H + y) * W + x];
                        }
                double e = fabs(acc - out[(o * OH + oy) * OW + ox]);
                if (e > maxerr) maxerr = e;
            }
    CHECK(maxerr < 1e-5);
    /* a 1x1 conv reads the input directly */
    float out1[OC * H * W];
    nn_conv2d_forward(out1, inp, w, NULL, IC, H, W, OC, 1, 1, 0, NULL);
    CHECK_NEAR(out1[1 * H * W + 5], w[3] * inp[5] + w[4] * inp[H * W + 5] + w[5] * inp[2 * H * W + 5], 1e-6);
}

TEST(conv2d_1x1_tokens_hand_values) {
    /* tokens [2][3] -> channel-first [2][2] */
    float inp[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, out[4];
    nn_conv2d_1x1_tokens_forward(out, inp, w, 2, 3, 2);
    CHECK_NEAR(out[0], 1 - 3, 0);   /* channel 0, token 0 */
    CHECK_NEAR(out[1], 4 - 6, 0);   /* channel 0, token 1 */
    CHECK_NEAR(out[2], 3.0, 1e-6);  /* channel 1, token 0 */
    CHECK_NEAR(out[3], 7.5, 1e-6);
}

TEST(window_partition_pads_bottom_right) {
    /* 3x3 grid of 1..9, window 2 -> padded to 4x4, 4 windows of 4 tokens */
    float x[9], win[16], back[9];
    for (int i = 0; i < 9; i++) x[i] = (float)(i + 1);
    for (int i = 0; i < 16; i++) win[i] = -1.0f;
    nn_window_partition(win, x, 3, 3, 1, 2, NULL);
    const float want[16] = {1, 2, 4, 5, /**/ 3, 0, 6, 0, /**/ 7, 8, 0, 0, /**/ 9, 0, 0, 0};
    for (int i = 0; i < 16; i++) CHECK_NEAR(win[i], want[i], 0);
    nn_window_unpartition(back, win, 3, 3, 1, 2);
    CHECK(memcmp(back, x, sizeof x) == 0);
}

TEST(window_partition_channels_and_rectangles) {
    /* 2x5 grid, 2 channels, window 3 -> 1x2 windows of 9 tokens; token (1, 4) is window 1, row 1, col 1 */
    float x[20], win[36], back[20];
    for (int i = 0; i < 20; i++) x[i] = (float)(i + 1);
    nn_window_partition(win, x, 2, 5, 2, 3, NULL);
    CHECK(win[(9 + 4) * 2] == x[(1 * 5 + 4) * 2] && win[(9 + 4) * 2 + 1] == x[(1 * 5 + 4) * 2 + 1]);
    CHECK(win[(9 + 2) * 2] == 0.0f && win[(6) * 2 + 1] == 0.0f); /* padded column 5, padded row 2 */
    CHECK(win[(0 + 2) * 2 + 1] == x[2 * 2 + 1]);
    nn_window_unpartition(back, win, 2, 5, 2, 3);
    CHECK(memcmp(back, x, sizeof x) == 0);
}

TEST(window_partition_pads_with_a_given_row) {
    /* 1x3 grid, 2 channels, window 2 -> 1x2 windows of 4 tokens, padded tokens = pad */
    float x[6] = {1, 2, 3, 4, 5, 6}, pad[2] = {7, -8}, win[16];
    nn_window_partition(win, x, 1, 3, 2, 2, pad);
    const float want[16] = {1, 2, 3, 4, 7, -8, 7, -8, /**/ 5, 6, 7, -8, 7, -8, 7, -8};
    CHECK(memcmp(win, want, sizeof want) == 0);
}

TEST(window_pad_writes_only_the_padding) {
    /* 1x3 grid, 2 channels, window 2: window rows 0, 1 and 4 hold tokens (0,0), (0,1),
     * (0,2); nn_window_pad writes the other five as nn_window_partition does and leaves
     * those three alone */
    float x[6] = {1, 2, 3, 4, 5, 6}, pad[2] = {7, -8}, want[16], win[16];
    nn_window_partition(want, x, 1, 3, 2, 2, pad);
    for (int i = 0; i < 16; i++) win[i] = 100.0f + (float)i;
    nn_window_pad(win, 1, 3, 2, 2, pad);
    for (int r = 0; r < 8; r++) {
        int token = r == 0 || r == 1 || r == 4;
        for (int c = 0; c < 2; c++) CHECK(win[r * 2 + c] == (token ? 100.0f + (float)(r * 2 + c) : want[r * 2 + c]));
    }
    nn_window_pad(win, 1, 3, 2, 2, NULL); /* zeros, as F.pad */
    CHECK(win[4 * 2] == 100.0f + 8 && win[3 * 2] == 0.0f && win[7 * 2 + 1] == 0.0f);
}

/* nn_linear_windows_forward against nn_linear_forward (at 2 threads) then nn_window_partition,
 * bit for bit (its promise), on a grid the windows do not divide and an output wider than one
 * column tile, at 1 to 3 threads and in both modes; the padding rows stay untouched. IC 40:
 * rows cut by the shape; IC 48: for the thread count where the library allows (nn/gemm.h). */
static void check_linear_windows(int reference, int IC) {
    enum { H = 37, W = 45, OC = 2100, WS = 14 };
    int nh = (H + WS - 1) / WS, nw = (W + WS - 1) / WS;
    size_t rows = (size_t)nh * nw * WS * WS;
    float *inp = util_xmalloc_array((size_t)H * W * IC, sizeof(float));
    float *w = util_xmalloc_array((size_t)OC * IC, sizeof(float)), *bias = util_xmalloc_array(OC, sizeof(float));
    float *out = util_xmalloc_array((size_t)H * W * OC, sizeof(float));
    float *want = util_xmalloc_array(rows * OC, sizeof(float)), *got = util_xmalloc_array(rows * OC, sizeof(float));
    fill(inp, (size_t)H * W * IC, 21), fill(w, (size_t)OC * IC, 22), fill(bias, OC, 23);
    nn_set_reference_mode(reference);
    nn_blas_set_threads(2);
    nn_linear_forward(out, inp, w, bias, H * W, IC, OC);
    float pad_marker = -12345.0f;
    float *pad = util_xmalloc_array(OC, sizeof(float));
    for (int c = 0; c < OC; c++) pad[c] = pad_marker;
    nn_window_partition(want, out, H, W, OC, WS, pad);
    for (int threads = 1; threads <= 3; threads++) {
        size_t need = 0;
        CHECK(nn_linear_windows_scratch_size(&need, H, W, IC, OC, threads) == 0);
        float *scratch = util_xmalloc_array(need, sizeof(float));
        for (size_t i = 0; i < rows * OC; i++) got[i] = pad_marker;
        nn_blas_set_threads(threads);
        nn_linear_windows_forward(got, inp, w, bias, H, W, IC, OC, WS, threads, scratch);
        CHECK_MSG(memcmp(got, want, rows * OC * sizeof(float)) == 0, "reference %d, IC %d, %d threads: not the same bits",
                  reference, IC, threads);
        free(scratch);
    }
    nn_blas_set_threads(2);
    nn_set_reference_mode(0);
    free(inp), free(w), free(bias), free(out), free(want), free(got), free(pad);
}

TEST(linear_windows_same_bits_as_linear_then_partition) {
    check_linear_windows(0, 40);
    check_linear_windows(1, 40);
    check_linear_windows(0, 48);
}

TEST(get_rel_pos_equal_sizes) {
    /* q = k = 3, table of 5 rows: R[i][j] = table[i - j + 2] */
    float table[10] = {10, 110, 11, 111, 12, 112, 13, 113, 14, 114}, out[18];
    int idx[9];
    nn_get_rel_pos(out, 3, 3, table, 5, 2, NULL, idx);
    CHECK(out[(0 * 3 + 0) * 2] == 12 && out[(0 * 3 + 0) * 2 + 1] == 112);
    CHECK(out[(0 * 3 + 2) * 2] == 10);
    CHECK(out[(2 * 3 + 0) * 2] == 14 && out[(2 * 3 + 0) * 2 + 1] == 114);
    CHECK(out[(2 * 3 + 1) * 2] == 13);
}

TEST(get_rel_pos_interpolates_short_table) {
    /* q = k = 3 needs 5 rows; a 3-row table [0, 2, 4] is linearly resized (align_corners=False):
     * scale 3/5, src = 0.6*(o+0.5) - 0.5 clamped at 0 -> 0, 0.4, 1.0, 1.6, 2.2 (clamped to row 2)
     * -> 0, 0.8, 2, 3.2, 4 */
    float table[3] = {0, 2, 4}, resized[5], out[9];
    int idx[9];
    nn_get_rel_pos(out, 3, 3, table, 3, 1, resized, idx);
    const float want[5] = {0, 0.8f, 2, 3.2f, 4};
    for (int i = 0; i < 5; i++) CHECK_NEAR(resized[i], want[i], 1e-6);
    CHECK_NEAR(out[0 * 3 + 1], 0.8, 1e-6); /* R[0][1] = resized[1] */
    CHECK_NEAR(out[2 * 3 + 0], 4.0, 1e-6);
    CHECK_NEAR(out[1 * 3 + 0], 3.2, 1e-6);
    /* a longer table is shrunk: 4 rows [0,1,2,3] -> 3 rows, scale 4/3: src 0.1667, 1.5, 2.8333 */
    float t4[4] = {0, 1, 2, 3}, r3[3];
    nn_rel_pos_resize(r3, 3, t4, 4, 1);
    CHECK_NEAR(r3[0], 1.0 / 6.0, 1e-6);
    CHECK_NEAR(r3[1], 1.5, 1e-6);
    CHECK_NEAR(r3[2], 2.0 + 5.0 / 6.0, 1e-6);
}

TEST(get_rel_pos_unequal_sizes) {
    int idx[12];
    /* q=2, k=4: q_coords 2i, k_coords j, offset 3 -> 2i - j + 3 */
    nn_rel_pos_index(idx, 2, 4);
    CHECK(idx[0 * 4 + 0] == 3 && idx[0 * 4 + 3] == 0 && idx[1 * 4 + 0] == 5 && idx[1 * 4 + 3] == 2);
    /* q=4, k=2: q_coords i, k_coords 2j, offset (2-1)*2 -> i - 2j + 2 */
    nn_rel_pos_index(idx, 4, 2);
    CHECK(idx[3 * 2 + 0] == 5 && idx[0 * 2 + 1] == 0 && idx[2 * 2 + 1] == 2);
    /* q=3, k=2: k_coords 1.5j, offset 1.5 -> trunc(i - 1.5j + 1.5) */
    nn_rel_pos_index(idx, 3, 2);
    CHECK(idx[0 * 2 + 0] == 1 && idx[2 * 2 + 0] == 3 && idx[1 * 2 + 1] == 1 && idx[0 * 2 + 1] == 0);
    /* through nn_get_rel_pos: 7-row table for q=2, k=4 */
    float table[7] = {0, 1, 2, 3, 4, 5, 6}, out[8];
    nn_get_rel_pos(out, 2, 4, table, 7, 1, NULL, idx);
    CHECK(out[1 * 4 + 0] == 5 && out[0 * 4 + 3] == 0);
}

/* Attention.forward written out directly: logits per (query, key) with Rh/Rw from nn_get_rel_pos,
 * softmax and the weighted sum in double. */
static void naive_attention(float *out, const float *qkv, const float *rel_h, int Lh, const float *rel_w, int Lw,
                            int B, int h, int w, int heads, int hd) {
    int C = heads * hd, N = h * w;
    float *Rh = malloc(sizeof(float) * h * h * hd), *Rw = malloc(sizeof(float) * w * w * hd);
    float *rs = malloc(sizeof(float) * (2 * (h > w ? h : w)) * hd);
    int *idx = malloc(sizeof(int) * (h > w ? h * h : w * w));
    double *p = malloc(sizeof(double) * N);
    float scale = (float)(1.0 / sqrt(hd));
    nn_get_rel_pos(Rh, h, h, rel_h, Lh, hd, rs, idx);
    nn_get_rel_pos(Rw, w, w, rel_w, Lw, hd, rs, idx);
    for (int b = 0; b < B; b++)
        for (int hh = 0; hh < heads; hh++)
            for (int n = 0; n < N; n++) {
                const float *q = qkv + ((size_t)b * N + n) * 3 * C + hh * hd;
                int i = n / w, j = n % w;
                double mx = -1e300, sum = 0;
                for (int m = 0; m < N; m++) {
                    const float *k = qkv + ((size_t)b * N + m) * 3 * C + C + hh * hd;
                    int kk = m / w, l = m % w;
                    double a = 0;
                    for (int d = 0; d < hd; d++)
                        a += (double)(q[d] * scale) * k[d] + (double)q[d] * Rh[(i * h + kk) * hd + d] +
                             (double)q[d] * Rw[(j * w + l) * hd + d];
                    p[m] = a;
                    if (a > mx) mx = a;
                }
                for (int m = 0; m < N; m++) sum += (p[m] = exp(p[m] - mx));
                for (int d = 0; d < hd; d++) {
                    double acc = 0;
                    for (int m = 0; m < N; m++)
                        acc += p[m] / sum * qkv[((size_t)b * N + m) * 3 * C + 2 * C + hh * hd + d];
                    out[((size_t)b * N + n) * C + hh * hd + d] = (float)acc;
                }
            }
    free(Rh), free(Rw), free(rs), free(idx), free(p);
}

/* nn_rel_pos_attention_forward vs the naive loop, and the same bits at 1 and 2 threads */
static void check_attention(int B, int h, int w, int heads, int hd, int Lh, int Lw, uint32_t seed) {
    int C = heads * hd, N = h * w;
    size_t nqkv = (size_t)B * N * 3 * C, nout = (size_t)B * N * C, s1 = 0, s2 = 0;
    float *qkv = malloc(sizeof(float) * nqkv), *rh = malloc(sizeof(float) * Lh * hd);
    float *rw = malloc(sizeof(float) * Lw * hd), *want = malloc(sizeof(float) * nout);
    float *got1 = malloc(sizeof(float) * nout), *got2 = malloc(sizeof(float) * nout);
    CHECK(nn_rel_pos_attention_scratch_size(&s1, h, w, hd, 1) == 0);
    CHECK(nn_rel_pos_attention_scratch_size(&s2, h, w, hd, 2) == 0);
    float *scratch = malloc(sizeof(float) * s2);
    fill(qkv, nqkv, seed);
    for (size_t i = 0; i < nqkv; i++) qkv[i] *= 2.0f; /* logits of a few units: a peaked softmax */
    fill(rh, (size_t)Lh * hd, seed + 1);
    fill(rw, (size_t)Lw * hd, seed + 2);
    naive_attention(want, qkv, rh, Lh, rw, Lw, B, h, w, heads, hd);
    nn_rel_pos_attention_forward(got1, qkv, rh, Lh, rw, Lw, B, h, w, heads, hd, 1, scratch);
    nn_rel_pos_attention_forward(got2, qkv, rh, Lh, rw, Lw, B, h, w, heads, hd, 2, scratch);
    double maxerr = 0;
    for (size_t i = 0; i < nout; i++) {
        double e = fabs((double)got1[i] - want[i]);
        if (e > maxerr) maxerr = e;
    }
    CHECK_MSG(maxerr < 2e-5, "B=%d h=%d w=%d: max error %g", B, h, w, maxerr);
    CHECK(memcmp(got1, got2, sizeof(float) * nout) == 0);
    free(qkv), free(rh), free(rw), free(want), free(got1), free(got2), free(scratch);
}

TEST(attention_windows_match_naive) {
    check_attention(3, 3, 4, 2, 5, 5, 7, 10); /* 3 windows of 3x4, 2 heads of 5 */
}

TEST(attention_query_blocks_match_naive) {
    /* 70x4 grid: 64 query rows per block, so a full and a partial block */
    check_attention(1, 70, 4, 2, 4, 139, 7, 20);
}

TEST(attention_resized_tables_match_naive) {
    /* tables of the wrong length go through nn_get_rel_pos's interpolation */
    check_attention(2, 4, 4, 1, 3, 5, 9, 30);
}

TEST(attention_reference_mode_matches_naive) {
    nn_set_reference_mode(1);
    check_attention(2, 5, 3, 2, 4, 9, 5, 40);
    nn_set_reference_mode(0);
}

TEST(attention_expf_within_2_ulp) {
    /* against exp in double over the whole range the softmax feeds it, x in [-87, 0] */
    double max_rel = 0;
    for (int i = 0; i <= 1000000; i++) {
        float x = (float)(-87.0 * i / 1000000.0);
        double want = exp((double)x), rel = fabs(nn_attention_expf(x) - want) / want;
        if (rel > max_rel) max_rel = rel;
    }
    CHECK_MSG(max_rel < 2.4e-7, "max relative error %g", max_rel); /* 2 ulp = 2^-22 relative */
    CHECK(nn_attention_expf(0.0f) == 1.0f);
    CHECK_NEAR(nn_attention_expf(-1.0f), 0.36787944117144233, 1e-7);
    CHECK(nn_attention_expf(-87.5f) == 0.0f && nn_attention_expf(-1e30f) == 0.0f && nn_attention_expf(-INFINITY) == 0.0f);
    CHECK(nn_attention_expf(NAN) == 0.0f);
}


/* nn_sgemm's few-rows product (fast mode, A @ B^T with M <= 8 and K >= 128: a Linear on the
 * decoder's tokens) against a double dot product, for every M, a K with a tail past the 16
 * lanes, alpha and beta, and the same bits at 1 and 2 threads (each value is one thread's). */
TEST(few_rows_product_matches_double_and_any_threads) {
    enum { N = 301, K = 200, LD = 203 };
    float *A = util_xmalloc_array(8 * LD, sizeof(float)), *B = util_xmalloc_array(N * LD, sizeof(float));
    float *C1 = util_xmalloc_array(8 * N, sizeof(float)), *C2 = util_xmalloc_array(8 * N, sizeof(float));
    fill(A, 8 * LD, 5);
    fill(B, N * LD, 6);
    for (int M = 1; M <= 8; M++) {
        fill(C1, 8 * N, 7);
        fill(C2, 8 * N, 7);
        nn_blas_set_threads(1);
        nn_sgemm(0, 1, M, N, K, 0.5f, A, LD, B, LD, 1.0f, C1, N);
        nn_blas_set_threads(2);
        nn_sgemm(0, 1, M, N, K, 0.5f, A, LD, B, LD, 1.0f, C2, N);
        CHECK_MSG(memcmp(C1, C2, (size_t)M * N * sizeof(float)) == 0, "M %d: bits differ between 1 and 2 threads", M);
        float *C0 = util_xmalloc_array(8 * N, sizeof(float)); /* C before: beta 1 adds onto it */
        fill(C0, 8 * N, 7);
        double worst = 0;
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double d = 0;
                for (int k = 0; k < K; k++) d += (double)A[i * LD + k] * B[j * LD + k];
                worst = fmax(worst, fabs(C1[i * N + j] - (0.5 * d + C0[i * N + j])));
            }
        free(C0);
        CHECK_MSG(worst < 1e-5, "M %d: worst error %g", M, worst);
        /* beta 0 only writes */
        for (int i = 0; i < M * N; i++) C1[i] = NAN;
        nn_sgemm(0, 1, M, N, K, 1.0f, A, LD, B, LD, 0.0f, C1, N);
        int finite = 1;
        for (int i = 0; i < M * N; i++) finite &= isfinite(C1[i]);
        CHECK(finite);
    }
    nn_blas_set_threads(2);
    free(A), free(B), free(C1), free(C2);
}

/* A cut's row parts: they cover rows 0..M-1 in order, start at whole blocks, and differ in
 * size by at most one block (the last may lack part of a block). */
static void check_cut_parts(const nn_sgemm_cut *c, const char *what) {
    int next = 0, most = 0, least = c->M;
    for (int p = 0; p < c->row_parts; p++) {
        int r0, m = nn_sgemm_cut_part(c, p, &r0);
        CHECK_MSG(r0 == next && r0 % c->block == 0 && m > 0, "%s: part %d at row %d (%d rows)", what, p, r0, m);
        next = r0 + m;
        if (m > most) most = m;
        if (p < c->row_parts - 1 && m < least) least = m;
    }
    CHECK_MSG(next == c->M, "%s: parts end at row %d of %d", what, next, c->M);
    int bound = nn_sgemm_cut_max_rows(c); /* a bound: the part of the most blocks may be the short last one */
    CHECK_MSG(most <= bound && bound - most < c->block, "%s: most rows %d, max_rows %d", what, most, bound);
    CHECK_MSG(c->row_parts == 1 || most - least <= c->block, "%s: parts of %d to %d rows", what, least, most);
}

/* The ViT encoders' products (4096 tokens, or 4900 in 14 x 14 windows; the qkv, proj, lin1
 * and lin2 widths of ViT-B, -L and -H) with rows cut by the shape (K 1: too few
 * multiply-adds for cuts to be free; every K under a library without a row block) share
 * evenly among 2, 4, 8 and 16 threads at any thread count: a multiple of 16 tiles of at
 * least NN_TILE_M_MIN rows; columns whole blocks of 64, an even count of them when several;
 * a small product is not cut into thin tiles. */
TEST(cut_by_shape_shares_evenly_among_16_threads) {
    static const int Ms[] = {4096, 4900}, Ns[] = {768, 2304, 3072, 1024, 4096, 1280, 3840, 5120};
    int K = nn_gemm_library_row_block() ? 1 : 768;
    for (size_t a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof Ns[0]; b++)
            for (int threads = 1; threads <= 17; threads += 8) {
                int M = Ms[a], N = Ns[b];
                char what[64];
                snprintf(what, sizeof what, "%d x %d x %d, %d threads", M, N, K, threads);
                nn_sgemm_cut c;
                nn_sgemm_cut_make(&c, M, N, K, threads);
                int cols = (N + c.tile_n - 1) / c.tile_n;
                CHECK_MSG(c.block == 16 && nn_sgemm_cut_tiles(&c) % 16 == 0, "%s: %d x %d tiles of %d-row blocks", what,
                          c.row_parts, cols, c.block);
                CHECK_MSG(M / c.row_parts >= NN_TILE_M_MIN, "%s: %d row parts", what, c.row_parts);
                CHECK_MSG(c.tile_n <= NN_TILE_N * 3 / 2 && c.tile_n % 64 == 0, "%s: tiles of %d columns", what, c.tile_n);
                CHECK_MSG(cols == 1 || cols % 2 == 0, "%s: %d column parts", what, cols);
                check_cut_parts(&c, what);
            }
    nn_sgemm_cut c;
    nn_sgemm_cut_make(&c, 2000, 256, 1, 16); /* 16 parts would be 125 rows: 2, of 62 and 63 blocks */
    int r0, first = nn_sgemm_cut_part(&c, 0, &r0);
    CHECK_MSG(c.row_parts == 2 && c.tile_n == 256 && first == 992, "2000 x 256: %d parts, the first %d x %d",
              c.row_parts, first, c.tile_n);
    nn_sgemm_cut_make(&c, 4096, 3072, 1, 2); /* two column parts: 8 row parts make 16 tiles */
    CHECK_MSG(c.row_parts == 8 && c.tile_n == 1536, "4096 x 3072: %d row parts, %d columns", c.row_parts, c.tile_n);
    nn_sgemm_cut_make(&c, 4096, 5120, 1, 2); /* two column parts, not three (16 row parts) */
    CHECK_MSG(c.row_parts == 8 && c.tile_n == 2560, "4096 x 5120: %d row parts, %d columns", c.row_parts, c.tile_n);
}

/* Where the library's row blocks make cuts free (nn_gemm_library_row_block), the ViT products
 * are cut for the thread count: a multiple of it in tiles at 2, 4, 8 and 16 threads (so 2
 * threads get 4 calls of ViT-H's proj, 1280 x 1280, not 16), as many as keep NN_TILE_M_MIN
 * rows beyond that, and never a part under NN_TILE_M_MIN / 2 rows, which keeps every call at
 * NN_GEMM_FREE_MNK multiply-adds. Counts by hand from the rule in nn/gemm.h. */
TEST(cut_for_threads_where_cuts_are_free) {
    int block = nn_gemm_library_row_block();
    if (!block) { /* rows by the shape alone, whatever the thread count */
        nn_sgemm_cut a, b;
        nn_sgemm_cut_make(&a, 4096, 768, 768, 2);
        nn_sgemm_cut_make(&b, 4096, 768, 768, 32);
        CHECK(a.block == 16 && a.row_parts == 16 && b.block == 16 && b.row_parts == 16);
        return;
    }
    static const int Ms[] = {4096, 4900}, Ns[] = {768, 2304, 3072, 1024, 4096, 1280, 3840, 5120};
    for (size_t a = 0; a < sizeof Ms / sizeof Ms[0]; a++)
        for (size_t b = 0; b < sizeof Ns / sizeof Ns[0]; b++)
            for (int threads = 1; threads <= 64; threads++) {
                int M = Ms[a], N = Ns[b];
                char what[64];
                snprintf(what, sizeof what, "%d x %d x 768, %d threads", M, N, threads);
                nn_sgemm_cut c;
                nn_sgemm_cut_make(&c, M, N, 768, threads);
                int tiles = nn_sgemm_cut_tiles(&c), least = c.M;
                CHECK_MSG(c.block == block, "%s: blocks of %d rows", what, c.block);
                if (threads == 2 || threads == 4 || threads == 8 || threads == 16)
                    CHECK_MSG(tiles % threads == 0, "%s: %d tiles", what, tiles);
                if (threads > 16) CHECK_MSG(tiles >= 16, "%s: %d tiles", what, tiles);
                for (int p = 0; p < c.row_parts; p++) {
                    int r0, m = nn_sgemm_cut_part(&c, p, &r0);
                    if (m < least) least = m;
                }
                CHECK_MSG(least >= NN_TILE_M_MIN / 2 && (double)least * N * 768 >= (double)NN_GEMM_FREE_MNK,
                          "%s: a part of %d rows", what, least);
                check_cut_parts(&c, what);
            }
    nn_sgemm_cut c;
    nn_sgemm_cut_make(&c, 4096, 1280, 1280, 2); /* parts of at most 1024 rows: 4 */
    CHECK_MSG(c.row_parts == 4, "ViT-H proj, 2 threads: %d parts", c.row_parts);
    nn_sgemm_cut_make(&c, 4900, 1280, 1280, 2); /* 5 parts of 980 rows, one more for 2 threads */
    CHECK_MSG(c.row_parts == 6, "ViT-H proj on windows, 2 threads: %d parts", c.row_parts);
    nn_sgemm_cut_make(&c, 4096, 5120, 1280, 3); /* two column parts: 6 row parts make 12 tiles */
    CHECK_MSG(c.row_parts == 6 && c.tile_n == 2560, "ViT-H lin1, 3 threads: %d x %d", c.row_parts, c.tile_n);
    nn_sgemm_cut_make(&c, 4096, 768, 768, 16); /* 16 parts of 256 rows */
    CHECK_MSG(c.row_parts == 16, "ViT-B proj, 16 threads: %d parts", c.row_parts);
    nn_sgemm_cut_make(&c, 4096, 768, 768, 32); /* 32 parts would be 128 rows: 21 of 192 or more */
    CHECK_MSG(c.row_parts == 21, "ViT-B proj, 32 threads: %d parts", c.row_parts);
    nn_sgemm_cut_make(&c, 4096, 768, 1, 32); /* too few multiply-adds per call: by the shape */
    CHECK_MSG(c.row_parts == 16 && c.block == 16, "K 1, 32 threads: %d parts of %d-row blocks", c.row_parts, c.block);
}

/* The promise under nn_gemm_library_row_block: a product cut into row parts at whole blocks
 * has the bits of one library call, for every transpose form, alpha and beta (OpenBLAS takes
 * other paths for alpha 1, beta 0), rows that leave a partial block at the end, and N * K at
 * the least that nn_sgemm cuts freely. test/cli/test_kernels.sh runs this under every
 * OpenBLAS kernel the CPU can run. */
TEST(row_cuts_at_whole_blocks_change_no_bit) {
    int block = nn_gemm_library_row_block();
    enum { M = 1004, N = 352, K = 250 }; /* N * K * 96 >= NN_GEMM_FREE_MNK */
    if (!block) { /* no such promise: this product's rows are cut by the shape */
        nn_sgemm_cut a, b;
        nn_sgemm_cut_make(&a, M, N, K, 1);
        nn_sgemm_cut_make(&b, M, N, K, 7);
        CHECK(a.block == 16 && a.row_parts == b.row_parts && a.block == b.block);
        return;
    }
    float *A = util_xmalloc_array((size_t)M * K, sizeof(float)), *B = util_xmalloc_array((size_t)N * K, sizeof(float));
    float *C0 = util_xmalloc_array((size_t)M * N, sizeof(float)), *C1 = util_xmalloc_array((size_t)M * N, sizeof(float));
    float *C2 = util_xmalloc_array((size_t)M * N, sizeof(float));
    fill(A, (size_t)M * K, 31);
    fill(B, (size_t)N * K, 32);
    fill(C0, (size_t)M * N, 33);
    CHECK((double)N * K * (NN_TILE_M_MIN / 2) >= (double)NN_GEMM_FREE_MNK);
    for (int form = 0; form < 8; form++) {
        int ta = form & 1, tb = (form >> 1) & 1, acc = form >> 2;
        int lda = ta ? M : K, ldb = tb ? K : N;
        float alpha = acc ? 0.5f : 1.0f, beta = acc ? 1.0f : 0.0f;
        memcpy(C1, C0, sizeof(float) * M * N);
        nn_sgemm_tiled(M, N, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, N); /* one call */
        int tried = 0;
        for (int rows = block; rows < M; rows += block) {
            int last = M - (M - 1) / rows * rows; /* nn_sgemm's parts are never this small */
            if (rows < NN_TILE_M_MIN / 2 || last < NN_TILE_M_MIN / 2) continue;
            memcpy(C2, C0, sizeof(float) * M * N);
            nn_sgemm_tiled(rows, N, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, N);
            CHECK_MSG(memcmp(C1, C2, sizeof(float) * M * N) == 0, "trans %d %d, beta %g: parts of %d rows differ", ta,
                      tb, beta, rows);
            tried++;
        }
        CHECK_MSG(tried >= 10, "only %d cuts tried", tried);
    }
    free(A), free(B), free(C0), free(C1), free(C2);
}

/* nn_sgemm cuts a product bigger than one tile into tiles shared among the threads: for each
 * transpose form, a shape of several uneven tiles (M 2200 -> row parts for the thread count,
 * N 2100 -> 1088, 1012 columns) gives the same bits at 1, 2 and 3 threads
 * whatever kernel OpenBLAS loaded (test/cli/test_kernels.sh runs this under several), and
 * sampled values match a double dot product (the tiles' offsets right). */
TEST(tiled_product_same_bits_at_any_threads) {
    enum { M = 2200, N = 2100, K = 67 };
    float *A = util_xmalloc_array((size_t)M * K, sizeof(float)), *B = util_xmalloc_array((size_t)N * K, sizeof(float));
    float *C0 = util_xmalloc_array((size_t)M * N, sizeof(float)), *C[3];
    fill(A, (size_t)M * K, 11);
    fill(B, (size_t)N * K, 12);
    fill(C0, (size_t)M * N, 13);
    for (int t = 0; t < 3; t++) C[t] = util_xmalloc_array((size_t)M * N, sizeof(float));
    for (int form = 0; form < 4; form++) {
        int ta = form & 1, tb = form >> 1;
        int lda = ta ? M : K, ldb = tb ? K : N; /* A stored [M][K] or [K][M], B [K][N] or [N][K] */
        for (int t = 0; t < 3; t++) {
            memcpy(C[t], C0, sizeof(float) * M * N);
            nn_blas_set_threads(t + 1);
            nn_sgemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 1.0f, C[t], N);
        }
        CHECK_MSG(memcmp(C[0], C[1], sizeof(float) * M * N) == 0, "trans %d %d: 1 and 2 threads differ", ta, tb);
        CHECK_MSG(memcmp(C[0], C[2], sizeof(float) * M * N) == 0, "trans %d %d: 1 and 3 threads differ", ta, tb);
        double worst = 0;
        for (size_t e = 0; e < (size_t)M * N; e += 997) {
            int i = (int)(e / N), j = (int)(e % N);
            double d = 0;
            for (int k = 0; k < K; k++)
                d += (double)(ta ? A[(size_t)k * M + i] : A[(size_t)i * K + k]) *
                     (tb ? B[(size_t)j * K + k] : B[(size_t)k * N + j]);
            worst = fmax(worst, fabs(C[0][e] - (0.5 * d + C0[e])));
        }
        CHECK_MSG(worst < 1e-5, "trans %d %d: worst error %g", ta, tb, worst);
    }
    nn_blas_set_threads(2);
    free(A), free(B), free(C0);
    for (int t = 0; t < 3; t++) free(C[t]);
}

/* nn_softmax_cols_inplace against softmax computed in double down each column of each group,
 * in both modes, for a column count that is not a multiple of the vector blocks; each
 * column then sums to 1. */
static void check_softmax_cols(int reference) {
    enum { G = 3, R = 5, CL = 300 };
    float *x = util_xmalloc_array(G * R * CL, sizeof(float)), *x0 = util_xmalloc_array(G * R * CL, sizeof(float));
    fill(x0, G * R * CL, 9);
    for (int i = 0; i < G * R * CL; i++) x[i] = x0[i] = 20.0f * x0[i]; /* logits up to +-20 */
    nn_set_reference_mode(reference);
    nn_softmax_cols_inplace(x, G, R, CL);
    nn_set_reference_mode(0);
    double worst = 0, worst_sum = 0;
    for (int g = 0; g < G; g++)
        for (int c = 0; c < CL; c++) {
            double mx = -1e30, sum = 0, got = 0;
            for (int r = 0; r < R; r++) mx = fmax(mx, x0[(g * R + r) * CL + c]);
            for (int r = 0; r < R; r++) sum += exp(x0[(g * R + r) * CL + c] - mx);
            for (int r = 0; r < R; r++) {
                double want = exp(x0[(g * R + r) * CL + c] - mx) / sum, v = x[(g * R + r) * CL + c];
                worst = fmax(worst, fabs(v - want) / want);
                got += v;
            }
            worst_sum = fmax(worst_sum, fabs(got - 1.0));
        }
    /* x - max is rounded to float: up to half an ulp of 40 (1.9e-6) for the smallest values,
     * which becomes their relative error after the exp; plus the exp's 2 ulp */
    CHECK_MSG(worst < 4e-6, "reference %d: worst relative error %g", reference, worst);
    CHECK_MSG(worst_sum < 2e-6, "reference %d: a column sums to 1 +- %g", reference, worst_sum);
    free(x), free(x0);
}

TEST(softmax_cols_fast_mode) { check_softmax_cols(0); }
TEST(softmax_cols_reference_mode) { check_softmax_cols(1); }

/* nn_transpose_forward into rows ld floats apart leaves the padding alone */
TEST(transpose_into_padded_rows) {
    float in[2 * 3] = {1, 2, 3, 4, 5, 6}, out[3 * 4];
    for (int i = 0; i < 12; i++) out[i] = -1.0f;
    nn_transpose_forward(out, 4, in, 2, 3);
    float want[12] = {1, 4, -1, -1, 2, 5, -1, -1, 3, 6, -1, -1};
    CHECK(memcmp(out, want, sizeof out) == 0);
}

int main(void) {
    RUN(layernorm_hand_values);
    RUN(gelu_known_erf_values);
    RUN(gelu_fast_relative_error);
    RUN(residual_adds);
    RUN(fused_linears_fast_mode);
    RUN(fused_linears_reference_mode_same_bits_as_unfused);
    RUN(conv2d_patchify_hand_values);
    RUN(conv2d_3x3_pad1_hand_values);
    RUN(conv2d_matches_direct_loop);
    RUN(conv2d_1x1_tokens_hand_values);
    RUN(window_partition_pads_bottom_right);
    RUN(window_partition_channels_and_rectangles);
    RUN(window_partition_pads_with_a_given_row);
    RUN(window_pad_writes_only_the_padding);
    RUN(linear_windows_same_bits_as_linear_then_partition);
    RUN(get_rel_pos_equal_sizes);
    RUN(get_rel_pos_interpolates_short_table);
    RUN(get_rel_pos_unequal_sizes);
    RUN(attention_windows_match_naive);
    RUN(attention_query_blocks_match_naive);
    RUN(attention_resized_tables_match_naive);
    RUN(attention_reference_mode_matches_naive);
    RUN(attention_expf_within_2_ulp);
    RUN(few_rows_product_matches_double_and_any_threads);
    RUN(cut_by_shape_shares_evenly_among_16_threads);
    RUN(cut_for_threads_where_cuts_are_free);
    RUN(row_cuts_at_whole_blocks_change_no_bit);
    RUN(tiled_product_same_bits_at_any_threads);
    RUN(softmax_cols_fast_mode);
    RUN(softmax_cols_reference_mode);
    RUN(transpose_into_padded_rows);
    return check_summary();
}
