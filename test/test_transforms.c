/* sam/transforms: ResizeLongestSide (sizes, coordinates, Pillow-exact BILINEAR resize) and
 * Sam.preprocess, against the official fixtures and hand-computed values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "io/image.h"
#include "io/npy.h"
#include "sam/transforms.h"

TEST(preprocess_shape_rounds_half_up) {
    int h, w;
    sam_resize_longest_side_shape(200, 300, 256, &h, &w); /* 200 * 256/300 = 170.67 */
    CHECK(h == 171 && w == 256);
    sam_resize_longest_side_shape(480, 640, 1024, &h, &w);
    CHECK(h == 768 && w == 1024);
    sam_resize_longest_side_shape(1500, 2250, 1024, &h, &w); /* 682.67 */
    CHECK(h == 683 && w == 1024);
    sam_resize_longest_side_shape(2250, 1500, 1024, &h, &w);
    CHECK(h == 1024 && w == 683);
    sam_resize_longest_side_shape(256, 256, 256, &h, &w);
    CHECK(h == 256 && w == 256);
    sam_resize_longest_side_shape(3, 2048, 1024, &h, &w); /* 1.5 rounds up to 2 */
    CHECK(h == 2 && w == 1024);
    sam_resize_longest_side_shape(1, 5000, 1024, &h, &w); /* 0.2: an image the model cannot take */
    CHECK(h == 0 && w == 1024);
}

TEST(apply_coords_scales_each_axis) {
    /* 200 x 300 -> 171 x 256: x * 256/300, y * 171/200 */
    double xy[4] = {150, 100, 299.5, 0}, box[4] = {10, 20, 30, 40};
    sam_resize_apply_coords(xy, 2, 200, 300, 256);
    CHECK_NEAR(xy[0], 128.0, 1e-12);
    CHECK_NEAR(xy[1], 85.5, 1e-12);
    CHECK_NEAR(xy[2], 299.5 * 256.0 / 300.0, 1e-12);
    CHECK(xy[3] == 0.0);
    sam_resize_apply_boxes(box, 1, 200, 300, 256);
    CHECK_NEAR(box[0], 10 * 256.0 / 300, 1e-12);
    CHECK_NEAR(box[1], 20 * 171.0 / 200, 1e-12);
    CHECK_NEAR(box[2], 30 * 256.0 / 300, 1e-12);
    CHECK_NEAR(box[3], 40 * 171.0 / 200, 1e-12);
}

TEST(pillow_resize_hand_example) {
    /* 1 x 4 -> 1 x 2 (horizontal only): support 2, output 0 centred at 1 takes inputs 0..2
     * with triangle weights 0.75, 0.75, 0.25 (/1.75), output 1 centred at 3 takes inputs 1..3
     * with 0.25, 0.75, 0.75. In 22-bit fixed point: 255*0.25/1.75 = 36.4 -> 36 and
     * 255*1.5/1.75 = 218.6 -> 219. */
    uint8_t in[4 * 3], out[2 * 3];
    for (int x = 0; x < 4; x++)
        for (int c = 0; c < 3; c++) in[x * 3 + c] = x < 2 ? 0 : 255;
    CHECK(sam_pillow_resize_bilinear_rgb8(in, 1, 4, out, 1, 2) == 0);
    for (int c = 0; c < 3; c++) CHECK(out[c] == 36 && out[3 + c] == 219);
    /* the same along y (vertical pass only) */
    CHECK(sam_pillow_resize_bilinear_rgb8(in, 4, 1, out, 2, 1) == 0);
    for (int c = 0; c < 3; c++) CHECK(out[c] == 36 && out[3 + c] == 219);
}

TEST(pillow_resize_constant_and_identity) {
    /* a constant image stays constant whatever the sizes (weights sum to 1 in fixed point,
     * up to rounding that cannot move a value by a whole level) */
    static const int sizes[][4] = {{5, 7, 731, 1024}, {77, 1000, 79, 1024}, {300, 200, 1024, 683},
                                   {1023, 1025, 1022, 1024}, {37, 2000, 19, 1024}, {9, 9, 3, 3}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int ih = sizes[s][0], iw = sizes[s][1], oh = sizes[s][2], ow = sizes[s][3];
        uint8_t *in = malloc((size_t)ih * iw * 3), *out = malloc((size_t)oh * ow * 3);
        for (size_t i = 0; i < (size_t)ih * iw; i++) {
            in[3 * i] = 0;
            in[3 * i + 1] = 137;
            in[3 * i + 2] = 255;
        }
        CHECK(sam_pillow_resize_bilinear_rgb8(in, ih, iw, out, oh, ow) == 0);
        size_t bad = 0;
        for (size_t i = 0; i < (size_t)oh * ow; i++) bad += out[3 * i] != 0 || out[3 * i + 1] != 137 || out[3 * i + 2] != 255;
        CHECK_MSG(bad == 0, "%dx%d -> %dx%d: %zu pixels changed", ih, iw, oh, ow, bad);
        free(in);
        free(out);
    }
    uint8_t a[2 * 3 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, b[sizeof a];
    CHECK(sam_pillow_resize_bilinear_rgb8(a, 2, 3, b, 2, 3) == 0 && memcmp(a, b, sizeof a) == 0);
}

TEST(preprocess_matches_fixture) {
    /* sam-tiny: resized.npy (uint8 171x256x3) -> preprocessed.npy (float32 1x3x256x256) */
    npy_array rs, pp;
    CHECK(io_npy_read("test/fixtures/sam-tiny/resized.npy", &rs) == 0 && rs.dtype == NPY_U8 && rs.ndim == 3);
    CHECK(io_npy_read("test/fixtures/sam-tiny/preprocessed.npy", &pp) == 0 && pp.dtype == NPY_F32);
    if (check_failures_in_test) return;
    int S = (int)pp.shape[3];
    CHECK(pp.count == (size_t)3 * S * S);
    float *x = malloc(pp.count * sizeof(float));
    sam_preprocess(x, rs.data, (int)rs.shape[0], (int)rs.shape[1], S);
    double md = 0;
    for (size_t i = 0; i < pp.count; i++) md = fmax(md, fabs(x[i] - ((float *)pp.data)[i]));
    CHECK_MSG(md <= 1e-6, "max diff %g", md);
    free(x);
    io_npy_free(&rs);
    io_npy_free(&pp);
}

TEST(resize_matches_fixtures_bit_for_bit) {
    /* ResizeLongestSide.apply_image of each fixture image (200x300 -> 171x256 down,
     * 256x256 unchanged, 480x640 -> 768x1024 up): identical bytes */
    static const struct {
        const char *model;
        int target;
    } fx[] = {{"sam-tiny", 256}, {"sam-demo", 256}, {"sam-small", 1024}};
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        char path[256];
        uint8_t *rgb = NULL;
        int h, w, nh, nw;
        npy_array ref;
        snprintf(path, sizeof path, "test/fixtures/%s/image.png", fx[i].model);
        CHECK(io_image_read_rgb8(path, &rgb, &h, &w) == 0);
        snprintf(path, sizeof path, "test/fixtures/%s/resized.npy", fx[i].model);
        CHECK(io_npy_read(path, &ref) == 0 && ref.dtype == NPY_U8 && ref.ndim == 3);
        if (check_failures_in_test) return;
        sam_resize_longest_side_shape(h, w, fx[i].target, &nh, &nw);
        CHECK(nh == ref.shape[0] && nw == ref.shape[1]);
        uint8_t *out = malloc((size_t)nh * nw * 3);
        CHECK(sam_pillow_resize_bilinear_rgb8(rgb, h, w, out, nh, nw) == 0);
        size_t diff = 0;
        for (size_t k = 0; k < ref.count && k < (size_t)nh * nw * 3; k++) diff += out[k] != ((uint8_t *)ref.data)[k];
        CHECK_MSG(diff == 0, "%s: %zu bytes differ", fx[i].model, diff);
        free(out);
        free(rgb);
        io_npy_free(&ref);
    }
}

int main(void) {
    RUN(resize_matches_fixtures_bit_for_bit);
    RUN(preprocess_shape_rounds_half_up);
    RUN(apply_coords_scales_each_axis);
    RUN(pillow_resize_hand_example);
    RUN(pillow_resize_constant_and_identity);
    RUN(preprocess_matches_fixture);
    return check_summary();
}
