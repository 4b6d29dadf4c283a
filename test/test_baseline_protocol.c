/* The iterative protocol a baseline goes through in samc eval (eval/baseline_experiments.h), on
 * a hand-made case with a scripted model, so that every click and score is known by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/baseline_experiments.h"
#include "test/check.h"

/* 13 x 13 image; the target G is rows 2..10 x cols 2..10 (81 pixels). The scripted model
 * answers by the number of clicks it is given (all of them, every call):
 *   1 click:  R = rows 2..10 x cols 2..5 (36 pixels inside G)       IoU 36/81
 *   2 clicks: G plus B = rows 2..10 x cols 11..12 (18 pixels outside) IoU 81/99
 *   3 clicks: G                                                        IoU 1 */
#define S 13
typedef struct {
    iseg base;
    int set_images, calls;
    iseg_click seen[8][8]; /* the clicks of each call */
    int n_seen[8];
} scripted;

static int in_box(int r, int c, int r0, int r1, int c0, int c1) { return r >= r0 && r <= r1 && c >= c0 && c <= c1; }

static int scripted_set_image(iseg *m, const uint8_t *rgb, int H, int W) {
    (void)rgb;
    ((scripted *)m)->set_images += H == S && W == S;
    return 0;
}

static int scripted_predict(iseg *m, const iseg_click *clicks, int n, float *prob) {
    scripted *s = (scripted *)m;
    if (s->calls < 8 && n <= 8) memcpy(s->seen[s->calls], clicks, (size_t)n * sizeof *clicks), s->n_seen[s->calls] = n;
    s->calls++;
    for (int r = 0; r < S; r++)
        for (int c = 0; c < S; c++) {
            int on = n == 1 ? in_box(r, c, 2, 10, 2, 5)
                     : n == 2 ? in_box(r, c, 2, 10, 2, 10) || in_box(r, c, 2, 10, 11, 12)
                              : in_box(r, c, 2, 10, 2, 10);
            /* 0.49 itself is not a mask pixel: the threshold is prob > 0.49f */
            prob[r * S + c] = on ? 0.5f : 0.49f;
        }
    return 0;
}

static void scripted_free(iseg *m) { (void)m; }

static const iseg_ops k_scripted = {"scripted", scripted_set_image, scripted_predict, scripted_free};

TEST(click_sequence_and_scores) {
    static uint16_t label[S * S];
    static uint8_t rgb[S * S * 3];
    for (int r = 0; r < S; r++)
        for (int c = 0; c < S; c++) label[r * S + c] = in_box(r, c, 2, 10, 2, 10);
    dataset_config dc = {0};
    dc.n_classes = 1;
    dc.classes[0] = (ds_class){.values = {1}, .n_values = 1, .task = "T", .cls = "1"};
    dc.binary = 1;
    eval_item it = {.id = "img", .h = S, .w = S, .rgb = rgb, .label = label, .slice = -1};
    scripted m = {.base = {&k_scripted}};
    result_set rows = {0};
    CHECK(eval_run_item_baseline(&m.base, "mine", &dc, &it, 3, CLICK_LABEL_FULL_MAP, NULL, &rows) == 0);
    CHECK(m.set_images == 1 && m.calls == 3);
    /* click 1: the center of G, (6, 6), positive. Click 2: the error region after R is
     * rows 2..10 x cols 6..10; its distance map peaks (3) along col 8 at rows 4..8, the first
     * in row order is (4, 8): positive (in G). Click 3: the error is B, every pixel of it at
     * distance 1 (next to G or to the image border), the first is (2, 11): outside every label,
     * so negative. */
    iseg_click want[3] = {{1, 6, 6}, {1, 4, 8}, {0, 2, 11}};
    for (int k = 0; k < 3; k++) {
        CHECK(m.n_seen[k] == k + 1);
        CHECK(memcmp(m.seen[k], want, (size_t)(k + 1) * sizeof *want) == 0);
    }
    CHECK(rows.n == 3);
    const char *points[3] = {"6;6;1", "6;6;1|8;4;1", "6;6;1|8;4;1|11;2;0"};
    double iou[3] = {36.0 / 81, 81.0 / 99, 1.0}, dice[3] = {72.0 / 117, 162.0 / 180, 1.0};
    for (size_t k = 0; k < rows.n && k < 3; k++) {
        const result_row *r = &rows.rows[k];
        char setting[4] = {(char)('1' + k), 0};
        CHECK(!strcmp(r->task, "T") && !strcmp(r->image, "img") && !strcmp(r->cls, "1"));
        CHECK(!strcmp(r->experiment, "iterative") && !strcmp(r->setting, setting) && !strcmp(r->selection, "single"));
        CHECK(!strcmp(r->method, "mine") && r->has_detail && r->area == 81 && isnan(r->pred_iou));
        CHECK_MSG(r->points && !strcmp(r->points, points[k]), "%s", r->points ? r->points : "(null)");
        CHECK_NEAR(r->iou, iou[k], 1e-12);
        CHECK_NEAR(r->dice, dice[k], 1e-12);
    }
    eval_result_set_free(&rows);
}

/* A class absent from the image gets no rows and no prediction (the authors' NaN). */
TEST(absent_class_no_rows) {
    static uint16_t label[S * S];
    static uint8_t rgb[S * S * 3];
    dataset_config dc = {0};
    dc.n_classes = 1;
    dc.classes[0] = (ds_class){.values = {1}, .n_values = 1, .task = "T", .cls = "1"};
    dc.binary = 1;
    eval_item it = {.id = "empty", .h = S, .w = S, .rgb = rgb, .label = label, .slice = -1};
    scripted m = {.base = {&k_scripted}};
    result_set rows = {0};
    CHECK(eval_run_item_baseline(&m.base, "mine", &dc, &it, 9, CLICK_LABEL_FULL_MAP, NULL, &rows) == 0);
    CHECK(rows.n == 0 && m.calls == 0);
    eval_result_set_free(&rows);
}

int main(void) {
    RUN(click_sequence_and_scores);
    RUN(absent_class_no_rows);
    return check_summary();
}
