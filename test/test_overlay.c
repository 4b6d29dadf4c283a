/* eval/overlay: the pixels of hand-drawn cases (outlines, dots, rings, boxes, clipping) and the
 * prompt text of the results. The expected pictures are drawn by hand from the rules in
 * eval/overlay.h: '.' the image's pixel, 'g' green, 'r' red, 'y' yellow, 'b' blue. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "eval/overlay.h"
#include "io/png.h"

/* A grey image whose pixels all differ, so an untouched pixel is told from a drawn one. */
static void make_image(uint8_t *rgb, int h, int w) {
    for (int i = 0; i < h * w; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (uint8_t)(40 + i % 200);
}

/* mask[y][x] = 1 where the picture has '#'. */
static void make_mask(uint8_t *m, const char *const *rows, int h, int w) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) m[y * w + x] = rows[y][x] == '#';
}

/* The number of pixels of c that differ from the expected picture. */
static int mismatches(const canvas *c, const uint8_t *rgb, const char *const *want) {
    int bad = 0;
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            const uint8_t *got = c->rgb + ((size_t)y * c->w + x) * 3, *exp = rgb + ((size_t)y * c->w + x) * 3;
            char k = want[y][x];
            if (k == 'g') exp = eval_overlay_green;
            if (k == 'r') exp = eval_overlay_red;
            if (k == 'y') exp = eval_overlay_yellow;
            if (k == 'b') exp = eval_overlay_blue;
            if (memcmp(got, exp, 3)) {
                if (bad < 8)
                    printf("    pixel (x %d, y %d): got %d,%d,%d, expected '%c'\n", x, y, got[0], got[1], got[2], k);
                bad++;
            }
        }
    return bad;
}

enum { H1 = 12, W1 = 16 };
static const char *const k_gt[H1] = {
    "................", ".###............", ".###............", ".###............",
    "................", "................", "................", "................",
    "................", "##..............", "##..............", "##..............",
};
static const char *const k_pred[H1] = {
    "................", "................", "................", "...####.........",
    "...####.........", "...####.........", "...####.........", "................",
    "................", "................", "................", "................",
};
/* gt: the 3 x 3 square's ring (its centre has all four neighbours inside) and the whole 3 x 2
 * block at the edge (the edge counts as outside); pred: the 4 x 4 square's ring, whose corner
 * (3, 3) is also the gt's corner: yellow. A positive click at (12, 3): the 29 pixels with
 * dx^2 + dy^2 <= 9; a negative one at (12, 9): the same without its centre 3 x 3, cut by the
 * bottom edge (dy = 3 is row 12). */
static const char *const k_want[H1] = {
    "............b...", ".ggg......bbbbb.", ".g.g......bbbbb.", ".ggyrrr..bbbbbbb",
    "...r..r...bbbbb.", "...r..r...bbbbb.", "...rrrr.....b...", "..........bbbbb.",
    "..........b...b.", "gg.......bb...bb", "gg........b...b.", "gg........bbbbb.",
};

TEST(overlay_outlines_and_dots) {
    uint8_t rgb[H1 * W1 * 3], gt[H1 * W1], pred[H1 * W1];
    make_image(rgb, H1, W1);
    make_mask(gt, k_gt, H1, W1);
    make_mask(pred, k_pred, H1, W1);
    double xy[4] = {12, 3, 12.4, 8.6}; /* the second rounds to (12, 9) */
    int labels[2] = {1, 0};
    overlay_prompt p = {.xy = xy, .labels = labels, .n_points = 2};
    canvas c;
    CHECK(eval_canvas_new(&c, W1, H1) == 0);
    CHECK(eval_overlay_draw(&c, rgb, H1, W1, gt, pred, &p) == 0);
    CHECK(mismatches(&c, rgb, k_want) == 0);
    /* written and read back: the same pixels, RGB at the image's size */
    const char *path = "build/test_overlay_tmp.png";
    CHECK(eval_overlay_write_png(path, rgb, H1, W1, gt, pred, &p) == 0);
    png_image img;
    CHECK(io_png_read(path, &img) == 0);
    CHECK(img.width == W1 && img.height == H1 && img.channels == 3 && img.bit_depth == 8);
    CHECK(memcmp(img.pixels, c.rgb, sizeof rgb) == 0);
    io_png_free(&img);
    remove(path);
    /* no masks, no prompt: the image itself */
    CHECK(eval_overlay_draw(&c, rgb, H1, W1, NULL, NULL, NULL) == 0);
    CHECK(memcmp(c.rgb, rgb, sizeof rgb) == 0);
    eval_canvas_free(&c);
}

enum { H2 = 8, W2 = 10 };
/* Boxes as the results write them: (1.4, 0.6)-(7.2, 6.4) rounds to columns 1..7, rows 1..6,
 * drawn 2 pixels wide inside; (8, -3)-(12, 2) shows its left 2 columns in rows 0..2. */
static const char *const k_want_boxes[H2] = {
    "........bb", ".bbbbbbbbb", ".bbbbbbbbb", ".bb...bb..",
    ".bb...bb..", ".bbbbbbb..", ".bbbbbbb..", "..........",
};

TEST(overlay_boxes_from_results_text) {
    uint8_t rgb[H2 * W2 * 3];
    make_image(rgb, H2, W2);
    overlay_prompt p;
    CHECK(eval_overlay_prompt_parse("", "1.4;0.6;7.2;6.4|8;-3;12;2", &p) == 0);
    CHECK(p.n_points == 0 && p.n_boxes == 2);
    canvas c;
    CHECK(eval_canvas_new(&c, W2, H2) == 0);
    CHECK(eval_overlay_draw(&c, rgb, H2, W2, NULL, NULL, &p) == 0);
    CHECK(mismatches(&c, rgb, k_want_boxes) == 0);
    eval_overlay_prompt_free(&p);
    /* a canvas of another size is refused */
    CHECK(eval_overlay_draw(&c, rgb, H2 - 1, W2, NULL, NULL, NULL) == -1);
    eval_canvas_free(&c);
}

TEST(overlay_prompt_text) {
    overlay_prompt p;
    CHECK(eval_overlay_prompt_parse("10;20;1|30.5;4e1;0", NULL, &p) == 0);
    CHECK(p.n_points == 2 && p.n_boxes == 0);
    CHECK(p.xy[0] == 10 && p.xy[1] == 20 && p.labels[0] == 1);
    CHECK(p.xy[2] == 30.5 && p.xy[3] == 40 && p.labels[1] == 0);
    eval_overlay_prompt_free(&p);
    CHECK(eval_overlay_prompt_parse(NULL, NULL, &p) == 0 && p.n_points == 0 && p.n_boxes == 0);
    eval_overlay_prompt_free(&p);
    const char *bad_points[] = {"1;2", "1;2;3", "1;2;1|", "1;2;1;4", "a;2;1", "1;nan;1", "1;2;1|3;4"};
    for (size_t i = 0; i < sizeof bad_points / sizeof *bad_points; i++)
        CHECK_MSG(eval_overlay_prompt_parse(bad_points[i], NULL, &p) == -1, "points '%s' accepted", bad_points[i]);
    const char *bad_boxes[] = {"1;2;3", "1;2;3;4;5", "1;2;3;4|", "1;2;3;4|1;2"};
    for (size_t i = 0; i < sizeof bad_boxes / sizeof *bad_boxes; i++)
        CHECK_MSG(eval_overlay_prompt_parse(NULL, bad_boxes[i], &p) == -1, "box '%s' accepted", bad_boxes[i]);
}

int main(void) {
    RUN(overlay_outlines_and_dots);
    RUN(overlay_boxes_from_results_text);
    RUN(overlay_prompt_text);
    return check_summary();
}
