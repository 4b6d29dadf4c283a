/* prompts/: components, the OpenCV chamfer distance, centres, the five modes, clicks,
 * placement. Expected values are hand-worked, from an independent brute force, or from
 * Debian 12's OpenCV 4.6 (python3-opencv, run once at development time and pasted as
 * literals; the product never runs Python). */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "prompts/clicks.h"
#include "prompts/components.h"
#include "prompts/distance_transform.h"
#include "prompts/modes.h"
#include "prompts/placement.h"
#include "util/rng.h"

/* Builds a mask from rows of '#' (1) and '.' (0). */
static void parse_mask(const char *const *rows, int h, int w, uint8_t *m) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) m[y * w + x] = rows[y][x] == '#';
}

/* ---- rng ---- */

TEST(rng_matches_published_splitmix64) {
    /* the outputs of Vigna's reference splitmix64.c for seed 1234567 and seed 0 (checked
     * once against a separate Python transcription of the published algorithm) */
    samc_rng r;
    util_rng_seed(&r, 1234567);
    CHECK(util_rng_next(&r) == 6457827717110365317ull);
    CHECK(util_rng_next(&r) == 3203168211198807973ull);
    CHECK(util_rng_next(&r) == 9817491932198370423ull);
    CHECK(util_rng_next(&r) == 4593380528125082431ull);
    CHECK(util_rng_next(&r) == 16408922859458223821ull);
    util_rng_seed(&r, 0);
    CHECK(util_rng_next(&r) == 0xe220a8397b1dcdafull);
}

TEST(rng_below_and_uniform_ranges) {
    samc_rng r;
    util_rng_seed(&r, 7);
    int counts[3] = {0, 0, 0}, bad = 0;
    for (int i = 0; i < 30000; i++) {
        uint64_t k = util_rng_below(&r, 3);
        if (k < 3) counts[k]++;
        else bad++;
        double u = util_rng_uniform(&r);
        if (!(u >= 0 && u < 1)) bad++;
    }
    CHECK(bad == 0);
    for (int k = 0; k < 3; k++) CHECK(counts[k] > 9500 && counts[k] < 10500); /* ~9 sigma */
    CHECK(util_rng_below(&r, 1) == 0 && util_rng_below(&r, 0) == 0);
}

/* ---- components and boxes ---- */

TEST(components_order_area_then_later_first_pixel) {
    /* A: area 3 (first pixel 0), B: area 5 (diagonal links join it), C: area 3 (first
     * pixel later than A), D: area 1 */
    const char *rows[] = {
        "##....#.",
        "#....#..",
        "....#.#.",
        "..#...#.",
        "..#.....",
        "..#....#",
    };
    uint8_t m[48];
    parse_mask(rows, 6, 8, m);
    int32_t lab[48];
    mask_component *c = NULL;
    int n = 0;
    CHECK(prompts_components_find(m, 6, 8, lab, &c, &n) == 0);
    CHECK(n == 4);
    if (n == 4) {
        /* B (5 pixels: (6,0) (5,1) (4,2) (6,2) (6,3)) */
        CHECK(c[0].area == 5 && c[0].first == 6);
        CHECK(c[0].x0 == 4 && c[0].y0 == 0 && c[0].x1 == 6 && c[0].y1 == 3);
        /* equal areas 3: C (first pixel row 3 col 2 = 26) before A (first pixel 0) */
        CHECK(c[1].area == 3 && c[1].first == 26);
        CHECK(c[1].x0 == 2 && c[1].y0 == 3 && c[1].x1 == 2 && c[1].y1 == 5);
        CHECK(c[2].area == 3 && c[2].first == 0);
        CHECK(c[2].x0 == 0 && c[2].y0 == 0 && c[2].x1 == 1 && c[2].y1 == 1);
        CHECK(c[3].area == 1 && c[3].first == 47);
    }
    CHECK(lab[0] == 3 && lab[1] == 3 && lab[8] == 3);
    CHECK(lab[6] == 1 && lab[13] == 1 && lab[20] == 1 && lab[22] == 1 && lab[30] == 1);
    CHECK(lab[26] == 2 && lab[34] == 2 && lab[42] == 2);
    CHECK(lab[47] == 4 && lab[2] == 0 && lab[7] == 0);
    free(c);
}

TEST(components_empty_and_full) {
    uint8_t z[6] = {0}, one[6] = {1, 1, 1, 1, 1, 1};
    mask_component *c = (mask_component *)1;
    int n = -1;
    CHECK(prompts_components_find(z, 2, 3, NULL, &c, &n) == 0 && n == 0 && c == NULL);
    CHECK(prompts_components_find(one, 2, 3, NULL, &c, &n) == 0 && n == 1);
    CHECK(c && c[0].area == 6 && c[0].x1 == 2 && c[0].y1 == 1);
    free(c);
}

TEST(mask_box_and_area) {
    const char *rows[] = {"....", ".#..", "...#"};
    uint8_t m[12];
    parse_mask(rows, 3, 4, m);
    int b[4];
    CHECK(prompts_mask_box(m, 3, 4, b) == 0);
    CHECK(b[0] == 1 && b[1] == 1 && b[2] == 3 && b[3] == 2);
    CHECK(prompts_mask_area(m, 12) == 2);
    uint8_t z[12] = {0};
    CHECK(prompts_mask_box(z, 3, 4, b) == -1);
}

TEST(bad_sizes_rejected) {
    uint8_t m[1] = {1};
    float d[1];
    mask_component *c;
    int n;
    CHECK(prompts_mask_check_size(0, 5) == -1 && prompts_mask_check_size(5, -1) == -1);
    CHECK(prompts_mask_check_size(70000, 70000) == -1); /* > INT32_MAX pixels: refused before use */
    CHECK(prompts_components_find(m, 0, 1, NULL, &c, &n) == -1);
    CHECK(prompts_chamfer5_distance(m, 1, 0, d) == -1);
    CHECK(prompts_region_distance(m, 70000, 70000, d) == -1);
}

/* ---- chamfer distance ---- */

/* Independent oracle: the 5x5 chamfer distance of offset (dx, dy) in 16.16 fixed point by
 * Borgefors' closed form (a >= b >= 0: b knights + (a - 2b) axial moves if a >= 2b, else
 * (a - b) knights + (2b - a) diagonals), minimised by brute force over every zero pixel of
 * the padded mask (the frame counts as zero). At development time this oracle agreed exactly
 * with Debian's OpenCV 4.6 on 30 random 11 x 14 masks. */
static uint32_t chamfer_offset(int dx, int dy) {
    int a = abs(dx), b = abs(dy);
    if (a < b) { int t = a; a = b; b = t; }
    if (a >= 2 * b) return (uint32_t)(143976 * b + 65536 * (a - 2 * b));
    return (uint32_t)(143976 * (a - b) + 91750 * (2 * b - a));
}

static float brute_force_padded(const uint8_t *m, int h, int w, int y, int x) {
    if (!m[y * w + x]) return 0.0f;
    uint32_t best = UINT32_MAX;
    for (int zy = -1; zy <= h; zy++)
        for (int zx = -1; zx <= w; zx++) {
            int inside = zy >= 0 && zy < h && zx >= 0 && zx < w;
            if (inside && m[zy * w + zx]) continue;
            uint32_t v = chamfer_offset(zx - x, zy - y);
            if (v < best) best = v;
        }
    return (float)best / 65536.0f;
}

TEST(chamfer_hand_cases) {
    uint8_t one[1] = {1};
    float d[49];
    CHECK(prompts_region_distance(one, 1, 1, d) == 0 && d[0] == 1.0f);
    /* 3x3 ones padded: edges 1, centre 2 (2 axial steps beat a knight move, 2.1969) */
    uint8_t sq[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK(prompts_region_distance(sq, 3, 3, d) == 0);
    for (int i = 0; i < 9; i++) CHECK(d[i] == (i == 4 ? 2.0f : 1.0f));
    /* the fixed-point weights read back: 91750 / 65536 and 143976 / 65536 */
    CHECK((double)(91750.0f / 65536.0f) == 1.399993896484375);
    CHECK((double)(143976.0f / 65536.0f) == 2.1968994140625);
}

TEST(chamfer_knight_and_diagonal_cases_match_opencv) {
    /* 7x7 ones with a hole at row 1 col 2. cv2.distanceTransform(pad, DIST_L2, 5)[1:-1,1:-1]
     * with Debian's OpenCV 4.6.0: */
    static const float want[49] = {
        1, 1,                 1, 1,                 1,               1, 1,
        1, 1,                 0, 1,                 2,               2, 1,
        1, 1.399993896484375f, 1, 1.399993896484375f, 2.1968994140625f, 2, 1,
        1, 2,                 2, 2.1968994140625f,  2.7999877929688f, 2, 1,
        1, 2,                 3, 3,                 3,               2, 1,
        1, 2,                 2, 2,                 2,               2, 1,
        1, 1,                 1, 1,                 1,               1, 1,
    };
    uint8_t m[49];
    for (int i = 0; i < 49; i++) m[i] = i != 1 * 7 + 2;
    float d[49];
    CHECK(prompts_region_distance(m, 7, 7, d) == 0);
    for (int i = 0; i < 49; i++) CHECK_MSG(d[i] == want[i], "pixel %d: %.9g vs %.9g", i, d[i], want[i]);
    /* hand: (3,3) is a knight move from the hole; (3,4) = diagonal twice (2 x 91750) */
    CHECK(d[3 * 7 + 3] == 143976.0f / 65536.0f);
    CHECK(d[3 * 7 + 4] == 183500.0f / 65536.0f);
}

TEST(chamfer_irregular_mask_padded_and_unpadded_match_opencv) {
    const char *rows[] = {
        ".###....#",
        "#####..##",
        "######.##",
        ".#######.",
        "..#####..",
        "...###...",
    };
    uint8_t m[54];
    parse_mask(rows, 6, 9, m);
    const float B = 1.399993896484375f, C = 2.1968994140625f;
    /* Debian OpenCV 4.6.0, padded and cropped */
    const float p[54] = {0, 1, 1, 1, 0, 0, 0, 0, 1,
                         1, B, 2, B, 1, 0, 0, 1, 1,
                         1, B, C, C, B, 1, 0, 1, 1,
                         0, 1, B, C, C, B, 1, 1, 0,
                         0, 0, 1, B, 2, B, 1, 0, 0,
                         0, 0, 0, 1, 1, 1, 0, 0, 0};
    /* the same mask unpadded: the image border is not background */
    const float u[54] = {0, 1, 2, 1, 0, 0, 0, 0, 1,
                         1, B, C, B, 1, 0, 0, 1, B,
                         1, B, C, C, B, 1, 0, 1, 1,
                         0, 1, B, C, C, B, 1, 1, 0,
                         0, 0, 1, B, C, B, 1, 0, 0,
                         0, 0, 0, 1, 2, 1, 0, 0, 0};
    float d[54];
    CHECK(prompts_region_distance(m, 6, 9, d) == 0);
    for (int i = 0; i < 54; i++) CHECK_MSG(d[i] == p[i], "padded pixel %d: %.9g vs %.9g", i, d[i], p[i]);
    CHECK(prompts_chamfer5_distance(m, 6, 9, d) == 0);
    for (int i = 0; i < 54; i++) CHECK_MSG(d[i] == u[i], "unpadded pixel %d: %.9g vs %.9g", i, d[i], u[i]);
}

TEST(chamfer_equals_brute_force_on_random_masks) {
    samc_rng r;
    util_rng_seed(&r, 99);
    enum { H = 13, W = 17 };
    uint8_t m[H * W];
    float d[H * W];
    int mismatches = 0;
    for (int trial = 0; trial < 40; trial++) {
        /* blobs: dense masks (p = 0.85) so that distances reach several pixels */
        for (int i = 0; i < H * W; i++) m[i] = util_rng_uniform(&r) < 0.85;
        CHECK(prompts_region_distance(m, H, W, d) == 0);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) mismatches += d[y * W + x] != brute_force_padded(m, H, W, y, x);
    }
    CHECK(mismatches == 0);
}

TEST(chamfer_unpadded_without_background_is_far) {
    /* OpenCV 4.6: a mask with no zero pixel reads back as 8192 = (float)(2^29 - 1) / 65536 */
    uint8_t m[15];
    for (int i = 0; i < 15; i++) m[i] = 1;
    float d[15];
    CHECK(prompts_chamfer5_distance(m, 3, 5, d) == 0);
    for (int i = 0; i < 15; i++) CHECK(d[i] == 8192.0f);
    /* a zero at the end of a row: 3, 2, 1, 0 */
    uint8_t row[4] = {1, 1, 1, 0};
    CHECK(prompts_chamfer5_distance(row, 1, 4, d) == 0);
    CHECK(d[0] == 3 && d[1] == 2 && d[2] == 1 && d[3] == 0);
}

TEST(chamfer_float_rounding_beyond_512) {
    /* diamond |x - R| + |y - R| <= R, R = 760, padded. Hand: the nearest zeros are at
     * |dx| + |dy| = 761; the best is (381, 380): 1 knight + 379 diagonals = 143976 +
     * 379 * 91750 = 34917226, which as a float rounds (ties to even) to 34917224.
     * OpenCV 4.6 gives 532.7945556640625 = 34917224 / 65536 there, and 531.9976806640625
     * one pixel right, 520.1946411132812 at row 767 col 749. */
    enum { R = 760, N = 2 * R + 1 };
    uint8_t *m = malloc((size_t)N * N);
    float *d = malloc((size_t)N * N * sizeof *d);
    CHECK(m && d);
    if (!m || !d) { free(m), free(d); return; }
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) m[y * N + x] = abs(x - R) + abs(y - R) <= R;
    CHECK(prompts_region_distance(m, N, N, d) == 0);
    CHECK((double)d[R * N + R] == 34917224.0 / 65536.0);
    CHECK((double)d[R * N + R] == 532.7945556640625);
    CHECK((double)d[R * N + R + 1] == 531.9976806640625);
    CHECK((double)d[767 * N + 749] == 520.1946411132812);
    int x = -1, y = -1;
    CHECK(prompts_region_center(m, N, N, NULL, &x, &y) == 0 && x == R && y == R);
    free(m), free(d);
}

/* ---- centres ---- */

TEST(center_ties_first_in_row_major_or_seeded_draw) {
    /* 2 x 4 block: every pixel has distance 1, all 8 tie */
    uint8_t m[4 * 6] = {0};
    for (int y = 1; y <= 2; y++)
        for (int x = 1; x <= 4; x++) m[y * 6 + x] = 1;
    int x = -1, y = -1;
    CHECK(prompts_region_center(m, 4, 6, NULL, &x, &y) == 0 && x == 1 && y == 1);
    /* seeded: every tied pixel is reachable, nothing else is, and a seed replays */
    int seen[24] = {0}, outside = 0;
    samc_rng r;
    util_rng_seed(&r, 5);
    for (int i = 0; i < 400; i++) {
        CHECK(prompts_region_center(m, 4, 6, &r, &x, &y) == 0);
        seen[y * 6 + x]++;
        outside += !m[y * 6 + x];
    }
    CHECK(outside == 0);
    for (int i = 0; i < 24; i++)
        if (m[i]) CHECK(seen[i] > 20);
    samc_rng a, b;
    util_rng_seed(&a, 11), util_rng_seed(&b, 11);
    int xa, ya, xb, yb;
    CHECK(prompts_region_center(m, 4, 6, &a, &xa, &ya) == 0 && prompts_region_center(m, 4, 6, &b, &xb, &yb) == 0);
    CHECK(xa == xb && ya == yb);
    /* count of ties reported */
    float d[24];
    int64_t nmax = 0;
    CHECK(prompts_region_distance(m, 4, 6, d) == 0);
    CHECK(prompts_argmax_ties(d, 24, NULL, &nmax) == 7 && nmax == 8);
}

TEST(center_of_empty_region_is_first_pixel) {
    uint8_t z[12] = {0};
    int x = -1, y = -1;
    CHECK(prompts_region_center(z, 3, 4, NULL, &x, &y) == 0 && x == 0 && y == 0);
}

/* ---- modes ---- */

/* Four components: a 3 x 4 block (rows 1..3, cols 1..4, area 12), a 2 x 2 square (rows
 * 5..6, cols 6..7, area 4), a 1 x 3 bar (row 6, cols 0..2, area 3), one pixel (row 0,
 * col 7). */
static const char *const mode_rows[] = {
    ".......#",
    ".####...",
    ".####...",
    ".####...",
    "........",
    "......##",
    "###...##",
};

TEST(modes_1_to_5_prompts) {
    uint8_t m[56];
    parse_mask(mode_rows, 7, 8, m);
    mode_prompt mp;
    /* hand: in the 3x4 block padded, row 2 (middle row) has distances 1, 2, 2, 1, so the
     * first maximum is row 2, col 2 */
    CHECK(prompts_mode_prompt_make(1, m, 7, 8, NULL, &mp) == 0);
    CHECK(mp.n_points == 1 && mp.n_boxes == 0 && prompts_mode_prompt_calls(&mp) == 1);
    CHECK(mp.points[0] == 2 && mp.points[1] == 2 && mp.labels[0] == 1);

    /* mode 2: centres of the block, the 2x2 square (all 1: first = row 5 col 6), the 1x3
     * bar (all 1: first = row 6 col 0) */
    CHECK(prompts_mode_prompt_make(2, m, 7, 8, NULL, &mp) == 0);
    CHECK(mp.n_points == 3 && prompts_mode_prompt_calls(&mp) == 1);
    CHECK(mp.points[0] == 2 && mp.points[1] == 2);
    CHECK(mp.points[2] == 6 && mp.points[3] == 5);
    CHECK(mp.points[4] == 0 && mp.points[5] == 6);
    CHECK(mp.labels[0] == 1 && mp.labels[1] == 1 && mp.labels[2] == 1);

    CHECK(prompts_mode_prompt_make(3, m, 7, 8, NULL, &mp) == 0);
    CHECK(mp.n_points == 0 && mp.n_boxes == 1 && prompts_mode_prompt_calls(&mp) == 1);
    CHECK(mp.boxes[0] == 1 && mp.boxes[1] == 1 && mp.boxes[2] == 4 && mp.boxes[3] == 3);

    CHECK(prompts_mode_prompt_make(4, m, 7, 8, NULL, &mp) == 0);
    CHECK(mp.n_boxes == 3 && prompts_mode_prompt_calls(&mp) == 3);
    CHECK(mp.boxes[0] == 1 && mp.boxes[1] == 1 && mp.boxes[2] == 4 && mp.boxes[3] == 3);
    CHECK(mp.boxes[4] == 6 && mp.boxes[5] == 5 && mp.boxes[6] == 7 && mp.boxes[7] == 6);
    CHECK(mp.boxes[8] == 0 && mp.boxes[9] == 6 && mp.boxes[10] == 2 && mp.boxes[11] == 6);

    CHECK(prompts_mode_prompt_make(5, m, 7, 8, NULL, &mp) == 0);
    CHECK(mp.n_boxes == 1 && prompts_mode_prompt_calls(&mp) == 1);
    CHECK(mp.boxes[0] == 0 && mp.boxes[1] == 0 && mp.boxes[2] == 7 && mp.boxes[3] == 6);
}

TEST(modes_with_one_component_and_bad_input) {
    uint8_t m[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, z[9] = {0};
    mode_prompt mp;
    CHECK(prompts_mode_prompt_make(2, m, 3, 3, NULL, &mp) == 0 && mp.n_points == 1);
    CHECK(mp.points[0] == 1 && mp.points[1] == 1);
    CHECK(prompts_mode_prompt_make(4, m, 3, 3, NULL,
          &mp) == 0 && mp.n_boxes == 1 && prompts_mode_prompt_calls(&mp) == 1);
    for (int mode = 1; mode <= 5; mode++) CHECK(prompts_mode_prompt_make(mode, z, 3, 3, NULL, &mp) == -1);
    CHECK(prompts_mode_prompt_make(0, m, 3, 3, NULL, &mp) == -1);
    CHECK(prompts_mode_prompt_make(6, m, 3, 3, NULL, &mp) == -1);
}

TEST(mode_prompt_call_builds_sam_prompts) {
    uint8_t m[56];
    parse_mask(mode_rows, 7, 8, m);
    mode_prompt mp;
    sam_prompt pr;
    CHECK(prompts_mode_prompt_make(2, m, 7, 8, NULL, &mp) == 0);
    prompts_mode_prompt_call(&mp, 0, &pr);
    CHECK(pr.n_points == 3 && pr.points == mp.points && pr.labels == mp.labels && pr.box == NULL);
    CHECK(pr.multimask == 1 && pr.mask_input == NULL);
    CHECK(prompts_mode_prompt_make(4, m, 7, 8, NULL, &mp) == 0);
    prompts_mode_prompt_call(&mp, 2, &pr);
    CHECK(pr.n_points == 0 && pr.box == mp.boxes + 8 && pr.multimask == 1 && pr.mask_input == NULL);
    CHECK(pr.box[0] == 0 && pr.box[3] == 6);
}

TEST(masks_or_per_multimask_index) {
    /* two calls, 3 masks of 2x2 each; the union is taken per index */
    uint8_t call0[12] = {1, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 1, 1, 0, 0};
    uint8_t call1[12] = {0, 0, 0, 1, /**/ 0, 0, 0, 0, /**/ 0, 1, 1, 0};
    uint8_t acc[12] = {0};
    prompts_masks_or(acc, call0, 12);
    prompts_masks_or(acc, call1, 12);
    const uint8_t want[12] = {1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 0};
    CHECK(memcmp(acc, want, 12) == 0);
}

/* ---- clicks ---- */

TEST(click_sequence_of_a_scripted_prediction) {
    /* GT = class 1: 3x5 block rows 1..3 cols 1..5; the label map also holds class 2 at
     * rows 5..6 cols 1..3 (7 x 8 image) */
    enum { H = 7, W = 8 };
    const char *gt_rows[] = {"........", ".#####..", ".#####..", ".#####..", "........", "........", "........"};
    uint8_t gt[H * W], map[H * W], pred[H * W];
    parse_mask(gt_rows, H, W, gt);
    for (int i = 0; i < H * W; i++) map[i] = gt[i];
    for (int y = 5; y <= 6; y++)
        for (int x = 1; x <= 3; x++) map[y * W + x] = 2;
    click c;
    /* click 1: centre of the 3x5 block: middle row distances 1 2 2 2 1 -> (x 2, y 2) */
    CHECK(prompts_click_first(gt, H, W, NULL, &c) == 0);
    CHECK(c.x == 2 && c.y == 2 && c.label == 1 && c.region_area == 15);

    /* prediction 1: only the left 3 columns of the block -> misses at cols 4..5, a 3x2
     * region whose padded distances are all 1: first = (x 4, y 1), in GT -> positive */
    memset(pred, 0, sizeof pred);
    for (int y = 1; y <= 3; y++)
        for (int x = 1; x <= 3; x++) pred[y * W + x] = 1;
    CHECK(prompts_click_next(gt, map, pred, H, W, CLICK_LABEL_FULL_MAP, NULL, &c) == 0);
    CHECK(c.x == 4 && c.y == 1 && c.label == 1 && c.region_area == 6);

    /* prediction 2: the block exactly plus a false alarm 2x3 on class 2 (rows 5..6,
     * cols 1..3): the paper's rule says positive (label map 2 there), the class rule
     * negative. The 2x3 region: all distances 1 -> first = (x 1, y 5) */
    for (int i = 0; i < H * W; i++) pred[i] = gt[i] || map[i] == 2;
    CHECK(prompts_click_next(gt, map, pred, H, W, CLICK_LABEL_FULL_MAP, NULL, &c) == 0);
    CHECK(c.x == 1 && c.y == 5 && c.label == 1 && c.region_area == 6);
    CHECK(prompts_click_next(gt, map, pred, H, W, CLICK_LABEL_CLASS_MASK, NULL, &c) == 0);
    CHECK(c.x == 1 && c.y == 5 && c.label == 0);
    CHECK(prompts_click_next(gt, NULL, pred, H, W, CLICK_LABEL_CLASS_MASK, NULL, &c) == 0 && c.label == 0);

    /* prediction 3: a false alarm on background (row 5 col 6): negative under both rules */
    for (int i = 0; i < H * W; i++) pred[i] = gt[i];
    pred[5 * W + 6] = 1;
    CHECK(prompts_click_next(gt, map, pred, H, W, CLICK_LABEL_FULL_MAP, NULL, &c) == 0);
    CHECK(c.x == 6 && c.y == 5 && c.label == 0 && c.region_area == 1);

    /* prediction 4: perfect -> empty error region: pixel (0, 0), labelled by the map
     * (background: negative), region_area 0 */
    for (int i = 0; i < H * W; i++) pred[i] = gt[i];
    CHECK(prompts_click_next(gt, map, pred, H, W, CLICK_LABEL_FULL_MAP, NULL, &c) == 0);
    CHECK(c.x == 0 && c.y == 0 && c.label == 0 && c.region_area == 0);
}

TEST(click_label_rule_on_a_miss_and_bad_input) {
    uint8_t gt[4] = {1, 1, 0, 0}, map[4] = {1, 1, 0, 0}, pred[4] = {0, 0, 0, 0};
    click c;
    CHECK(prompts_click_next(gt, map, pred, 2, 2, CLICK_LABEL_FULL_MAP, NULL, &c) == 0 && c.label == 1 && c.y == 0);
    CHECK(prompts_click_next(gt, NULL, pred, 2, 2, CLICK_LABEL_FULL_MAP, NULL, &c) == -1);
    CHECK(prompts_click_next(gt, map, pred, 2, 2, (click_label_rule)7, NULL, &c) == -1);
    uint8_t z[4] = {0};
    CHECK(prompts_click_first(z, 2, 2, NULL, &c) == -1);
}

/* ---- placement ---- */

TEST(placement_point_candidates_and_displacement) {
    /* 5x5 block padded: distances 1 (16 ring pixels), 2 (8), 3 (centre) */
    uint8_t m[49] = {0};
    for (int y = 1; y <= 5; y++)
        for (int x = 1; x <= 5; x++) m[y * 7 + x] = 1;
    samc_rng r;
    util_rng_seed(&r, 3);
    placed_point p;
    CHECK(prompts_placement_point(m, 7, 7, 0.0, &r, &p) == 0);
    CHECK(p.n_candidates == 25 && p.threshold == 1 && m[(int)p.y * 7 + (int)p.x]);
    /* q = 0.9: sorted values 16 x 1, 8 x 2, 1 x 3; position 21.6 -> 2 -> 9 candidates */
    CHECK(prompts_placement_point(m, 7, 7, 0.9, &r, &p) == 0);
    CHECK(p.threshold == 2 && p.n_candidates == 9);
    CHECK(p.x >= 2 && p.x <= 4 && p.y >= 2 && p.y <= 4);
    CHECK_NEAR(p.displacement, sqrt(p.dx * p.dx + p.dy * p.dy), 0);
    CHECK(p.dx == p.x - 3 && p.dy == p.y - 3);
    /* q = 1: only the centre */
    CHECK(prompts_placement_point(m, 7, 7, 1.0, &r, &p) == 0);
    CHECK(p.n_candidates == 1 && p.x == 3 && p.y == 3 && p.displacement == 0);
    /* q = 0 over many draws reaches the whole block, and a seed replays */
    int seen[49] = {0};
    for (int i = 0; i < 1000; i++) {
        CHECK(prompts_placement_point(m, 7, 7, 0.0, &r, &p) == 0);
        seen[(int)p.y * 7 + (int)p.x]++;
    }
    for (int i = 0; i < 49; i++) CHECK(m[i] ? seen[i] > 10 : seen[i] == 0);
    samc_rng a, b;
    placed_point pa, pb;
    util_rng_seed(&a, 42), util_rng_seed(&b, 42);
    CHECK(prompts_placement_point(m, 7, 7, 0.3, &a, &pa) == 0 && prompts_placement_point(m, 7, 7, 0.3, &b, &pb) == 0);
    CHECK(pa.x == pb.x && pa.y == pb.y);
    /* bad input */
    uint8_t z[49] = {0};
    CHECK(prompts_placement_point(z, 7, 7, 0.5, &r, &p) == -1);
    CHECK(prompts_placement_point(m, 7, 7, 1.5, &r, &p) == -1);
    CHECK(prompts_placement_point(m, 7, 7, -0.1, &r, &p) == -1);
    CHECK(prompts_placement_point(m, 7, 7, 0.5, NULL, &p) == -1);
}

TEST(placement_box_jitter_bounds_and_clipping) {
    samc_rng r;
    util_rng_seed(&r, 8);
    const double box[4] = {10, 20, 19, 29}; /* 10 x 10 pixels */
    double out[4], off[4];
    CHECK(prompts_placement_box(box, 100, 100, 0.0, &r, out, off) == 0);
    for (int i = 0; i < 4; i++) CHECK(out[i] == box[i] && off[i] == 0);
    /* jitter 0.2: each coordinate moves by an integer in [-2, 2]; all 5 values occur */
    int hist[5] = {0}, bad = 0;
    for (int t = 0; t < 500; t++) {
        CHECK(prompts_placement_box(box, 100, 100, 0.2, &r, out, off) == 0);
        for (int i = 0; i < 4; i++) {
            if (off[i] != floor(off[i]) || off[i] < -2 || off[i] > 2) bad++;
            else hist[(int)off[i] + 2]++;
        }
        if (!(out[0] <= out[2] && out[1] <= out[3])) bad++;
    }
    CHECK(bad == 0);
    for (int k = 0; k < 5; k++) CHECK(hist[k] > 250);
    /* clipping: a box at the image corner cannot leave the image */
    const double corner[4] = {0, 0, 9, 9};
    for (int t = 0; t < 200; t++) {
        CHECK(prompts_placement_box(corner, 10, 10, 0.2, &r, out, off) == 0);
        CHECK(out[0] >= 0 && out[1] >= 0 && out[2] <= 9 && out[3] <= 9);
        CHECK(off[0] >= 0 && off[2] <= 0);
    }
    /* bad input */
    const double inverted[4] = {5, 5, 4, 6};
    CHECK(prompts_placement_box(inverted, 10, 10, 0.1, &r, out, off) == -1);
    CHECK(prompts_placement_box(box, 10, 10, 0.1, &r, out, off) == -1); /* outside the image */
    CHECK(prompts_placement_box(box, 100, 100, 1.5, &r, out, off) == -1);
    CHECK(prompts_placement_box(box, 100, 100, 0.1, NULL, out, off) == -1);
}

TEST(object_size_counts) {
    uint8_t m[56];
    parse_mask(mode_rows, 7, 8, m);
    object_size s;
    CHECK(prompts_object_size_of(m, 7, 8, &s) == 0);
    CHECK(s.area == 20 && s.n_components == 4 && s.largest_area == 12);
    CHECK_NEAR(s.area_fraction, 20.0 / 56.0, 1e-15);
    uint8_t z[4] = {0};
    CHECK(prompts_object_size_of(z, 2, 2, &s) == 0 && s.area == 0 && s.n_components == 0 && s.area_fraction == 0);
}

int main(void) {
    RUN(rng_matches_published_splitmix64);
    RUN(rng_below_and_uniform_ranges);
    RUN(components_order_area_then_later_first_pixel);
    RUN(components_empty_and_full);
    RUN(mask_box_and_area);
    RUN(bad_sizes_rejected);
    RUN(chamfer_hand_cases);
    RUN(chamfer_knight_and_diagonal_cases_match_opencv);
    RUN(chamfer_irregular_mask_padded_and_unpadded_match_opencv);
    RUN(chamfer_equals_brute_force_on_random_masks);
    RUN(chamfer_unpadded_without_background_is_far);
    RUN(chamfer_float_rounding_beyond_512);
    RUN(center_ties_first_in_row_major_or_seeded_draw);
    RUN(center_of_empty_region_is_first_pixel);
    RUN(modes_1_to_5_prompts);
    RUN(modes_with_one_component_and_bad_input);
    RUN(mode_prompt_call_builds_sam_prompts);
    RUN(masks_or_per_multimask_index);
    RUN(click_sequence_of_a_scripted_prediction);
    RUN(click_label_rule_on_a_miss_and_bad_input);
    RUN(placement_point_candidates_and_displacement);
    RUN(placement_box_jitter_bounds_and_clipping);
    RUN(object_size_counts);
    return check_summary();
}
