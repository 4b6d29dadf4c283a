/* io/intensity: the paper's rule, min-max and CT windows, on hand-computed values. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "io/intensity.h"

TEST(paper_rule) {
    intensity_map m;
    CHECK(io_intensity_parse("paper", &m) == 0 && m.mode == INTENSITY_PAPER);
    /* max 1000: 100 -> 25.5 -> 25 (truncation), 200 -> 51, 999 -> 254.745 -> 254 */
    float x[6] = {0, 100, 200, 999, 1000, -50};
    uint8_t out[6];
    CHECK(io_intensity_to_u8(x, 6, &m, out) == 0);
    CHECK(out[0] == 0 && out[1] == 25 && out[2] == 51 && out[3] == 254 && out[4] == 255);
    CHECK(out[5] == 0); /* negative values give 0 */
    /* numpy gives uint8(np.array([1, 2, 3, 4, 5, 6, 7]) / 7 * 255) = 36 72 109 145 182 218 255 */
    float y[7] = {1, 2, 3, 4, 5, 6, 7};
    uint8_t want[7] = {36, 72, 109, 145, 182, 218, 255}, got[7];
    CHECK(io_intensity_to_u8(y, 7, &m, got) == 0 && memcmp(got, want, 7) == 0);
    /* max <= 0: all zero */
    float z[3] = {-5, -1, 0};
    memset(out, 9, sizeof out);
    CHECK(io_intensity_to_u8(z, 3, &m, out) == 0 && out[0] == 0 && out[1] == 0 && out[2] == 0);
    /* NaN maps to 0 and does not poison the max */
    float n[3] = {NAN, 50, 100};
    CHECK(io_intensity_to_u8(n, 3, &m, out) == 0 && out[0] == 0 && out[1] == 127 && out[2] == 255);
}

TEST(minmax_and_16_bit) {
    intensity_map m;
    CHECK(io_intensity_parse("minmax", &m) == 0 && m.mode == INTENSITY_MINMAX);
    /* -1000..1000: 0 -> 1000/2000*255 = 127.5 -> 127 */
    float x[3] = {-1000, 0, 1000};
    uint8_t out[4];
    CHECK(io_intensity_to_u8(x, 3, &m, out) == 0 && out[0] == 0 && out[1] == 127 && out[2] == 255);
    /* 16-bit PNG samples are mapped from their full range, not clipped at 255 first */
    float w[4] = {0, 300, 32768, 65535};
    CHECK(io_intensity_to_u8(w, 4, &m, out) == 0);
    CHECK(out[0] == 0 && out[1] == 1 && out[2] == 127 && out[3] == 255); /* 300/65535*255 = 1.17 */
    /* with min 0, minmax is the paper rule */
    intensity_map p = {INTENSITY_PAPER, 0, 0};
    uint8_t q[4];
    CHECK(io_intensity_to_u8(w, 4, &p, q) == 0 && memcmp(q, out, 4) == 0);
    /* a constant image maps to zero */
    float c[2] = {7, 7};
    CHECK(io_intensity_to_u8(c, 2, &m, out) == 0 && out[0] == 0 && out[1] == 0);
}

TEST(ct_windows) {
    intensity_map m;
    CHECK(io_intensity_parse("abdomen", &m) == 0 && m.mode == INTENSITY_WINDOW && m.level == 50 && m.width == 400);
    /* DICOM linear VOI LUT, c = 49.5, w-1 = 399: bottom edge -150, top edge 249 */
    float x[7] = {-1000, -150, -149, 50, 249, 249.5f, 3000};
    uint8_t out[7];
    CHECK(io_intensity_to_u8(x, 7, &m, out) == 0);
    CHECK(out[0] == 0 && out[1] == 0);
    CHECK(out[2] == 1);   /* ((-149 - 49.5) / 399 + 0.5) * 255 = 0.64 -> 1 */
    CHECK(out[3] == 128); /* (0.5 / 399 + 0.5) * 255 = 127.82 -> 128 */
    CHECK(out[4] == 255 && out[5] == 255 && out[6] == 255);
    double l, w;
    CHECK(io_intensity_preset("lung", &l, &w) == 0 && l == -600 && w == 1500);
    CHECK(io_intensity_preset("bone", &l, &w) == 0 && l == 400 && w == 1800);
    CHECK(io_intensity_preset("brain", &l, &w) == 0 && l == 40 && w == 80);
    CHECK(io_intensity_preset("liver", &l, &w) == 0 && l == 30 && w == 150);
    /* explicit values; width 1 is a hard threshold at level - 0.5 */
    CHECK(io_intensity_parse("window:0,1", &m) == 0 && m.level == 0 && m.width == 1);
    float t[3] = {-1, -0.5f, 0};
    CHECK(io_intensity_to_u8(t, 3, &m, out) == 0 && out[0] == 0 && out[1] == 0 && out[2] == 255);
    CHECK(io_intensity_parse("window:-600,1500", &m) == 0 && m.level == -600 && m.width == 1500);
    float nan = NAN;
    CHECK(io_intensity_to_u8(&nan, 1, &m, out) == 0 && out[0] == 0);
}

TEST(rejects_bad_specs) {
    intensity_map m;
    CHECK(io_intensity_parse("soft", &m) == -1);
    CHECK(io_intensity_parse("window:40", &m) == -1);
    CHECK(io_intensity_parse("window:40,0.5", &m) == -1);
    CHECK(io_intensity_parse("window:40,80x", &m) == -1);
    CHECK(io_intensity_parse("window:nan,80", &m) == -1);
    intensity_map bad = {INTENSITY_WINDOW, 0, 0};
    float x = 1;
    uint8_t o;
    CHECK(io_intensity_to_u8(&x, 1, &bad, &o) == -1);
}

int main(void) {
    RUN(paper_rule);
    RUN(minmax_and_16_bit);
    RUN(ct_windows);
    RUN(rejects_bad_specs);
    return check_summary();
}
