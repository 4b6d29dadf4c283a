/* sam/amg: the automatic mask generator's helpers against hand-computed cases. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sam/amg.h"

TEST(point_grid_matches_linspace) {
    double g[2 * 64];
    sam_amg_point_grid(8, g);
    /* linspace(1/16, 15/16, 8) = (i + 0.5) / 8; x fastest */
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++) {
            CHECK(g[2 * (r * 8 + c)] == (c + 0.5) / 8);
            CHECK(g[2 * (r * 8 + c) + 1] == (r + 0.5) / 8);
        }
    double one[2];
    sam_amg_point_grid(1, one);
    CHECK(one[0] == 0.5 && one[1] == 0.5);
    double g3[18];
    sam_amg_point_grid(3, g3);
    CHECK(g3[0] == 1.0 / 6);
    CHECK_NEAR(g3[2], 0.5, 1e-15);
    CHECK(g3[4] == 1.0 - 1.0 / 6); /* the last value is exactly stop */
    CHECK(g3[17] == 1.0 - 1.0 / 6);
}

TEST(points_per_layer) {
    CHECK(sam_amg_layer_points_per_side(32, 0, 2) == 32);
    CHECK(sam_amg_layer_points_per_side(32, 1, 2) == 16);
    CHECK(sam_amg_layer_points_per_side(32, 2, 2) == 8);
    CHECK(sam_amg_layer_points_per_side(5, 1, 2) == 2);
    CHECK(sam_amg_layer_points_per_side(32, 3, 1) == 32);
}

TEST(crop_boxes_reference_example) {
    /* sam-reference.md §5.3: (1500, 2250), one layer */
    int b[5 * 4], l[5];
    CHECK(sam_amg_crop_boxes(1500, 2250, 1, 512.0 / 1500, b, l, 5) == 5);
    const int want[5][4] = {{0, 0, 2250, 1500}, {0, 0, 1381, 1006}, {0, 494, 1381, 1500},
                            {869, 0, 2250, 1006}, {869, 494, 2250, 1500}};
    for (int i = 0; i < 5; i++)
        for (int k = 0; k < 4; k++) CHECK(b[4 * i + k] == want[i][k]);
    CHECK(l[0] == 0 && l[1] == 1 && l[4] == 1);
}

TEST(crop_boxes_two_layers) {
    /* (200, 300): layer 1 overlap int(0.3413*200) = 68, crops 184 x 134 at x 0,116 / y 0,66;
     * layer 2 overlap int(0.3413*200/2) = 34, crops 101 x 76 at x 0,67,134,201 / y 0,42,84,126 */
    CHECK(sam_amg_crop_boxes(200, 300, 2, 512.0 / 1500, NULL, NULL, 0) == 21);
    int b[21 * 4], l[21];
    CHECK(sam_amg_crop_boxes(200, 300, 2, 512.0 / 1500, b, l, 21) == 21);
    const int l1[4][4] = {{0, 0, 184, 134}, {0, 66, 184, 200}, {116, 0, 300, 134}, {116, 66, 300, 200}};
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++) CHECK(b[4 * (1 + i) + k] == l1[i][k]);
    const int x0s[4] = {0, 67, 134, 201}, y0s[4] = {0, 42, 84, 126};
    for (int a = 0; a < 4; a++)
        for (int c = 0; c < 4; c++) {
            const int *bb = b + 4 * (5 + a * 4 + c);
            CHECK(bb[0] == x0s[a] && bb[1] == y0s[c]);
            CHECK(bb[2] == (x0s[a] + 101 < 300 ? x0s[a] + 101 : 300));
            CHECK(bb[3] == (y0s[c] + 76 < 200 ? y0s[c] + 76 : 200));
            CHECK(l[5 + a * 4 + c] == 2);
        }
    CHECK(sam_amg_crop_boxes(200, 300, 2, 512.0 / 1500, b, l, 20) == -1); /* too small a buffer */
    /* a square image with no layers: just the image */
    CHECK(sam_amg_crop_boxes(64, 64, 0, 0.5, b, l, 21) == 1);
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 64 && b[3] == 64);
}

TEST(mask_to_box_inclusive) {
    uint8_t m[4 * 5] = {0};
    int box[4];
    sam_amg_mask_to_box(m, 4, 5, box);
    CHECK(box[0] == 0 && box[1] == 0 && box[2] == 0 && box[3] == 0);
    m[2 * 5 + 3] = 1; /* (x 3, y 2) */
    sam_amg_mask_to_box(m, 4, 5, box);
    CHECK(box[0] == 3 && box[1] == 2 && box[2] == 3 && box[3] == 2);
    m[1 * 5 + 4] = 1, m[3 * 5 + 1] = 1;
    sam_amg_mask_to_box(m, 4, 5, box);
    CHECK(box[0] == 1 && box[1] == 1 && box[2] == 4 && box[3] == 3);
    memset(m, 1, sizeof m);
    sam_amg_mask_to_box(m, 4, 5, box);
    CHECK(box[0] == 0 && box[1] == 0 && box[2] == 4 && box[3] == 3);
}

TEST(box_near_crop_edge) {
    const int crop[4] = {0, 0, 150, 100}; /* left-top crop of a 300 x 200 image */
    const int inner[4] = {30, 30, 100, 70}, near_right[4] = {10, 10, 140, 90}, at_image[4] = {0, 0, 100, 70};
    CHECK(!sam_amg_box_near_crop_edge(inner, crop, 200, 300));
    CHECK(sam_amg_box_near_crop_edge(near_right, crop, 200, 300)); /* 140 is within 20 of 150 */
    CHECK(!sam_amg_box_near_crop_edge(at_image, crop, 200, 300));  /* edges shared with the image */
    const int far_crop[4] = {150, 100, 300, 200};               /* the box is uncropped first */
    const int b2[4] = {15, 30, 100, 70};                        /* x0 = 165: within 20 of 150 */
    CHECK(sam_amg_box_near_crop_edge(b2, far_crop, 200, 300));
    const int b3[4] = {21, 21, 100, 70};
    CHECK(!sam_amg_box_near_crop_edge(b3, far_crop, 200, 300));
    const int full[4] = {0, 0, 300, 200}, edge_box[4] = {0, 0, 299, 199};
    CHECK(!sam_amg_box_near_crop_edge(edge_box, full, 200, 300));
}

TEST(stability_score_counts) {
    const float l[6] = {2.0f, 0.5f, -0.5f, -2.0f, 1.0f, -1.0f};
    /* > 1: {2}; > -1: {2, 0.5, -0.5, 1}: 1/4 */
    CHECK(sam_amg_stability_score(l, 6, 0.0, 1.0) == 0.25f);
    /* offset 0.5: > 0.5: {2, 1}; > -0.5: {2, 0.5, 1}: 2/3 in float32 */
    CHECK(sam_amg_stability_score(l, 6, 0.0, 0.5) == 2.0f / 3.0f);
    const float low[3] = {-3.0f, -1.0f, -2.0f};
    CHECK(isnan(sam_amg_stability_score(low, 3, 0.0, 1.0)));
    CHECK(sam_amg_stability_from_counts(1, 3) == 1.0f / 3.0f);
    CHECK(sam_amg_stability_from_counts(0, 5) == 0.0f);
}

TEST(nms_ties_and_zero_area) {
    const float boxes[6][4] = {
        {0, 0, 10, 10},  /* 0: s 0.9 */
        {1, 1, 11, 11},  /* 1: s 0.8, IoU with 0 = 81/119 < 0.7: kept */
        {0, 0, 10, 10},  /* 2: s 0.9, a tie with 0 and identical: suppressed by 0 (stable order) */
        {5, 5, 5, 9},    /* 3: s 0.95, zero area: kept, suppresses nothing */
        {5, 5, 5, 9},    /* 4: s 0.95, zero area, same box: 0/0 IoU never suppresses */
        {0, 0, 10, 10},  /* 5: s 0.85: suppressed by 0 */
    };
    const float scores[6] = {0.9f, 0.8f, 0.9f, 0.95f, 0.95f, 0.85f};
    int keep[6];
    int n = sam_amg_nms(&boxes[0][0], scores, 6, 0.7, keep);
    CHECK(n == 4);
    CHECK(keep[0] == 3 && keep[1] == 4 && keep[2] == 0 && keep[3] == 1);
    /* the same scores in the other order: 2 now comes first among the tie */
    const float scores2[6] = {0.9f, 0.8f, 0.9f, 0.1f, 0.1f, 0.85f};
    n = sam_amg_nms(&boxes[0][0], scores2, 6, 0.7, keep);
    CHECK(n == 4 && keep[0] == 0 && keep[1] == 1 && keep[2] == 3 && keep[3] == 4);
    CHECK(sam_amg_nms(&boxes[0][0], scores, 0, 0.7, keep) == 0);
}

TEST(nms_threshold_is_strict) {
    /* IoU = 70/100 = 0.7f, which is just below the double 0.7: not suppressed */
    const float boxes[2][4] = {{0, 0, 10, 10}, {0, 0, 10, 7}};
    const float scores[2] = {0.5f, 0.6f};
    int keep[2];
    CHECK(sam_amg_nms(&boxes[0][0], scores, 2, 0.7, keep) == 2);
    CHECK(keep[0] == 1 && keep[1] == 0);
    CHECK(sam_amg_nms(&boxes[0][0], scores, 2, 0.69, keep) == 1);
    CHECK(keep[0] == 1);
    /* a NaN score sorts first, as in torch.sort(descending=True) */
    const float nan_scores[2] = {0.5f, NAN};
    CHECK(sam_amg_nms(&boxes[0][0], nan_scores, 2, 0.9, keep) == 2);
    CHECK(keep[0] == 1 && keep[1] == 0);
}

TEST(rle_column_major_roundtrip) {
    /* h 3, w 2: rows [1 0] [1 1] [0 1]; column-major 1 1 0 | 0 1 1 -> runs 0,2,2,2 */
    const uint8_t m[6] = {1, 0, 1, 1, 0, 1};
    amg_rle r;
    CHECK(sam_amg_rle_encode(m, 3, 2, &r) == 0);
    CHECK(r.n == 4 && r.counts[0] == 0 && r.counts[1] == 2 && r.counts[2] == 2 && r.counts[3] == 2);
    CHECK(sam_amg_rle_area(&r) == 4);
    uint8_t back[6];
    CHECK(sam_amg_rle_decode(&r, back) == 0);
    CHECK(memcmp(back, m, 6) == 0);
    sam_amg_rle_free(&r);

    const uint8_t zeros[6] = {0};
    CHECK(sam_amg_rle_encode(zeros, 2, 3, &r) == 0);
    CHECK(r.n == 1 && r.counts[0] == 6 && sam_amg_rle_area(&r) == 0);
    sam_amg_rle_free(&r);

    /* a 1 x 1 crop at (x 1, y 2) of a 3 x 2 image: flat index 1*3 + 2 = 5 -> runs 5,1 */
    const uint8_t one = 1;
    CHECK(sam_amg_rle_encode_placed(&one, 1, 1, 1, 2, 3, 2, &r) == 0);
    CHECK(r.n == 2 && r.counts[0] == 5 && r.counts[1] == 1);
    sam_amg_rle_free(&r);
    /* a 2 x 2 crop at (1, 1) of a 4 x 3 image (h 4, w 3), crop rows [1 0] [1 1]:
     * column 0: 0000, column 1: 0 1 1 0, column 2: 0 0 1 0 -> runs 5,2,3,1,1 */
    const uint8_t c[4] = {1, 0, 1, 1};
    CHECK(sam_amg_rle_encode_placed(c, 2, 2, 1, 1, 4, 3, &r) == 0);
    CHECK(r.n == 5 && r.counts[0] == 5 && r.counts[1] == 2 && r.counts[2] == 3 && r.counts[3] == 1 &&
          r.counts[4] == 1);
    sam_amg_rle_free(&r);
    CHECK(sam_amg_rle_encode_placed(c, 2, 2, 2, 1, 4, 3, &r) == -1); /* crop outside the image */

    amg_rle bad = {2, 2, 2, (uint32_t[]){1, 2}};
    CHECK(sam_amg_rle_decode(&bad, back) == -1); /* 3 of 4 pixels */
    amg_rle over = {2, 2, 2, (uint32_t[]){3, 2}};
    CHECK(sam_amg_rle_decode(&over, back) == -1);
}

TEST(coco_rle_string) {
    amg_rle r = {3, 2, 4, (uint32_t[]){0, 2, 2, 2}};
    char *s = sam_amg_coco_rle_string(&r);
    CHECK(s && strcmp(s, "0220") == 0); /* the 4th count is sent as 2 - 2 = 0 */
    free(s);
    /* 5 -> '5'; 100 = 4 + 3*32 -> (4|0x20)+48 'T', 3+48 '3' */
    amg_rle r2 = {5, 21, 2, (uint32_t[]){5, 100}};
    s = sam_amg_coco_rle_string(&r2);
    CHECK(s && strcmp(s, "5T3") == 0);
    free(s);
    /* 10 ':'; 20 = 0x14 has the sign bit of its group, so it needs a second group: 'd' '0';
     * 3 '3'; 5 - 20 = -15 -> 17 & 0x1f with the sign bit and nothing more: 'A' */
    amg_rle r3 = {38, 1, 4, (uint32_t[]){10, 20, 3, 5}};
    s = sam_amg_coco_rle_string(&r3);
    CHECK(s && strcmp(s, ":d03A") == 0);
    amg_rle p;
    CHECK(sam_amg_coco_rle_parse(s, 38, 1, &p) == 0);
    CHECK(p.n == 4 && p.counts[0] == 10 && p.counts[1] == 20 && p.counts[2] == 3 && p.counts[3] == 5);
    sam_amg_rle_free(&p);
    free(s);
    CHECK(sam_amg_coco_rle_parse(":d03A", 37, 1, &p) == -1); /* runs do not add up */
    CHECK(sam_amg_coco_rle_parse(":d0", 38, 1, &p) == -1);
    CHECK(sam_amg_coco_rle_parse("5T", 105, 1, &p) == -1);   /* unterminated group */
    CHECK(sam_amg_coco_rle_parse("5 3", 105, 1, &p) == -1);  /* a character outside 48..111 */
}

TEST(coco_rle_roundtrip_random) {
    /* masks -> RLE -> string -> RLE -> mask, on pseudo-random blobs of several sizes */
    uint32_t seed = 12345;
    for (int t = 0; t < 20; t++) {
        int h = 1 + t * 7 % 37, w = 1 + t * 11 % 29;
        uint8_t *m = malloc((size_t)h * w), *back = malloc((size_t)h * w);
        for (int i = 0; i < h * w; i++) {
            seed = seed * 1664525u + 1013904223u;
            m[i] = (seed >> 28) < (unsigned)(t % 16); /* densities from empty to nearly full */
        }
        amg_rle r, p;
        CHECK(sam_amg_rle_encode(m, h, w, &r) == 0);
        uint64_t area = 0;
        for (int i = 0; i < h * w; i++) area += m[i];
        CHECK(sam_amg_rle_area(&r) == area);
        char *s = sam_amg_coco_rle_string(&r);
        CHECK(s && sam_amg_coco_rle_parse(s, h, w, &p) == 0);
        CHECK(p.n == r.n && memcmp(p.counts, r.counts, r.n * sizeof *r.counts) == 0);
        CHECK(sam_amg_rle_decode(&p, back) == 0 && memcmp(back, m, (size_t)h * w) == 0);
        free(s);
        sam_amg_rle_free(&r);
        sam_amg_rle_free(&p);
        free(m);
        free(back);
    }
}

TEST(small_regions_holes) {
    uint8_t m[25];
    memset(m, 1, 25);
    m[2 * 5 + 2] = 0; /* a 1-pixel hole */
    int changed = -1;
    CHECK(sam_amg_remove_small_regions(m, 5, 5, 1, 1, &changed) == 0); /* 1 < 1 is false */
    CHECK(changed == 0 && m[12] == 0);
    CHECK(sam_amg_remove_small_regions(m, 5, 5, 2, 1, &changed) == 0);
    CHECK(changed == 1 && m[12] == 1);
    /* a hole touching the outer background diagonally is one 8-connected region of 2 */
    uint8_t d[16];
    memset(d, 1, 16);
    d[0] = 0, d[5] = 0;
    CHECK(sam_amg_remove_small_regions(d, 4, 4, 2, 1, &changed) == 0);
    CHECK(changed == 0 && d[0] == 0 && d[5] == 0);
    CHECK(sam_amg_remove_small_regions(d, 4, 4, 3, 1, &changed) == 0);
    CHECK(changed == 1 && d[0] == 1 && d[5] == 1); /* border-touching background is filled too */
    /* a large background stays */
    uint8_t e[16] = {0};
    e[5] = 1;
    CHECK(sam_amg_remove_small_regions(e, 4, 4, 3, 1, &changed) == 0);
    CHECK(changed == 0 && e[0] == 0 && e[5] == 1);
}

TEST(small_regions_islands) {
    /* 5 x 6: a 6-pixel blob top-left, a 1-pixel island far away, one diagonal to the blob */
    uint8_t m[30] = {
        1, 1, 1, 0, 0, 0, /* */
        1, 1, 1, 0, 0, 0, /* */
        0, 0, 0, 1, 0, 0, /* diagonal to the blob: same component */
        0, 0, 0, 0, 0, 0, /* */
        0, 0, 0, 0, 0, 1, /* island */
    };
    int changed = -1;
    CHECK(sam_amg_remove_small_regions(m, 5, 6, 3, 0, &changed) == 0);
    CHECK(changed == 1 && m[29] == 0 && m[15] == 1 && m[0] == 1);
    int area = 0;
    for (int i = 0; i < 30; i++) area += m[i];
    CHECK(area == 7);
    /* nothing small: unchanged */
    CHECK(sam_amg_remove_small_regions(m, 5, 6, 7, 0, &changed) == 0);
    CHECK(changed == 0 && area == 7);
    /* an empty mask has no regions */
    uint8_t z[4] = {0};
    CHECK(sam_amg_remove_small_regions(z, 2, 2, 10, 0, &changed) == 0);
    CHECK(changed == 0);
}

TEST(small_regions_all_small_keeps_first_largest) {
    /* two 2-pixel islands: B starts first in pixel raster order (row 0), but A's first 2x2
     * block (block 0) comes before B's (block 1), so A is label 1 and is the one kept */
    uint8_t m[2 * 5] = {
        0, 0, 0, 1, 1, /* B */
        1, 1, 0, 0, 0, /* A */
    };
    int changed = -1;
    CHECK(sam_amg_remove_small_regions(m, 2, 5, 5, 0, &changed) == 0);
    CHECK(changed == 1);
    CHECK(m[5] == 1 && m[6] == 1 && m[3] == 0 && m[4] == 0);
    /* a larger island wins even with the later label: A (1 px, block 0), B (3 px, block 1) */
    uint8_t n[2 * 5] = {
        0, 0, 0, 1, 1, /* */
        1, 0, 0, 0, 1, /* */
    };
    CHECK(sam_amg_remove_small_regions(n, 2, 5, 5, 0, &changed) == 0);
    CHECK(n[3] == 1 && n[4] == 1 && n[9] == 1 && n[5] == 0);
}

int main(void) {
    RUN(point_grid_matches_linspace);
    RUN(points_per_layer);
    RUN(crop_boxes_reference_example);
    RUN(crop_boxes_two_layers);
    RUN(mask_to_box_inclusive);
    RUN(box_near_crop_edge);
    RUN(stability_score_counts);
    RUN(nms_ties_and_zero_area);
    RUN(nms_threshold_is_strict);
    RUN(rle_column_major_roundtrip);
    RUN(coco_rle_string);
    RUN(coco_rle_roundtrip_random);
    RUN(small_regions_holes);
    RUN(small_regions_islands);
    RUN(small_regions_all_small_keeps_first_largest);
    return check_summary();
}
