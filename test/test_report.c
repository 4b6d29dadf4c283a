/* eval/report, eval/paper: `samc report` on hand-made results. Expected values
 * are computed by hand here or copied from the authors' released CSV files. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "eval/paper.h"
#include "eval/report.h"
#include "eval/results.h"
#include "io/png.h"
#include "util/err.h"
#include "util/file.h"

#define OUT "build/test_report_run"

static char *slurp(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, OUT "/%s", rel);
    unsigned char *b;
    size_t n;
    return util_read_whole_file(path, 1 << 24, &b, &n) ? NULL : (char *)b;
}

static char *line_of(char *text, int k) { /* k-th line (0-based), NUL-terminated copy */
    for (int i = 0; i < k && text; i++) {
        text = strchr(text, '\n');
        if (text) text++;
    }
    if (!text) return NULL;
    size_t n = strcspn(text, "\n");
    char *s = malloc(n + 1);
    memcpy(s, text, n);
    s[n] = 0;
    return s;
}

static void cleanup(void) {
    if (system("rm -rf " OUT) != 0) printf("    cleanup failed\n");
}

/* Two tasks; CT-Spleen mode 1 IoUs 0.5 and 0.7 (mean 0.6), MRI-Spine: SC 0.25 everywhere;
 * CT-Spleen's iterative IoU after k clicks 0.1 k. With a baseline: "ritm" rows on CT-Spleen,
 * IoU 0.2 + 0.05 k (Dice 0.3) on both images. */
static void make_run(int with_baseline) {
    cleanup();
    const char *imgs[2] = {"b_img", "a_img"};
    for (int i = 0; i < 2; i++) {
        result_set s = {0};
        for (int m = 1; m <= 5; m++) {
            char st[16];
            snprintf(st, sizeof st, "%d", m);
            eval_result_set_add(&s, "CT-Spleen", imgs[i], "1", "modes", st, "index0", i ? 0.7 : 0.5, 0.6);
            eval_result_set_add(&s, "CT-Spleen", imgs[i], "1", "modes", st, "oracle", 0.9, 0.9);
            eval_result_set_add(&s, "MRI-Spine: SC", imgs[i], "1,2", "modes", st, "index0", 0.25, 0.4);
        }
        for (int k = 1; k <= 9; k++) {
            char st[16];
            snprintf(st, sizeof st, "%d", k);
            eval_result_set_add(&s, "CT-Spleen", imgs[i], "1", "iterative", st, "index0", 0.1 * k, NAN);
        }
        eval_result_set_add(&s, "CT-Spleen", imgs[i], "1", "size", "area_fraction", "gt", i ? 0.2 : 0.1, NAN);
        for (int k = 1; with_baseline && k <= 9; k++) {
            char st[16];
            snprintf(st, sizeof st, "%d", k);
            result_detail d = {"1;2;1", NULL, NAN, 10, NULL, NULL, -1, "ritm"};
            eval_result_set_add_detail(&s, "CT-Spleen", imgs[i], "1", "iterative", st, "single", 0.2 + 0.05 * k, 0.3,
                                       &d);
        }
        eval_results_item_write(OUT, imgs[i], &s);
        eval_result_set_free(&s);
    }
}

TEST(report_tables) {
    make_run(0);
    report_options o = {.n_boot = 200, .seed = 1, .figures = 1};
    int rc = eval_report_write(OUT, &o);
    CHECK_MSG(rc == 0, "%s", samc_errmsg());
    char *t = slurp("per_image.csv");
    CHECK(t != NULL);
    if (t) {
        char *l0 = line_of(t, 0), *l1 = line_of(t, 1);
        CHECK(strcmp(l0, "task,image,class,experiment,setting,selection,iou,dice,method") == 0);
        /* paper task order puts MRI-Spine: SC before CT-Spleen; images sorted by name */
        CHECK(strcmp(l1, "MRI-Spine: SC,a_img,\"1,2\",modes,1,index0,0.25,0.40000000000000002,sam") == 0);
        int lines = 0;
        for (char *p = t; *p; p++) lines += *p == '\n';
        CHECK(lines == 1 + 2 * (15 + 9 + 1));
        free(l0), free(l1);
    }
    free(t);
    t = slurp("tables/fig2_modes.csv");
    if (t) {
        char *h = line_of(t, 0), *r1 = line_of(t, 1), *r2 = line_of(t, 2);
        /* the header line of Fig2-Performance_of_SAM_for_5_modes_of_Use.csv */
        CHECK(strcmp(h, ",Dataset_names,Mode 1: 1 point at largest object region,Mode 1 (oracle): 1 point at "
                        "largest object region,Mode 2: 1 point at each object region,Mode 2 (oracle): 1 point at "
                        "each object region,Mode 3: 1 box at largest object region,Mode 3 (oracle): 1 box at "
                        "largest object region,Mode 4: 1 box at each object region,Mode 4 (oracle): 1 box at each "
                        "object region,Mode 5: 1 box cover all objects,Mode 5 (oracle): 1 box cover all objects") == 0);
        /* Fig2's row order: MRI-Spine (row 1) before CT-Spleen (row 2) */
        CHECK(strncmp(r1, "0,MRI-Spine: SC,0.250000,", 25) == 0);
        CHECK(strncmp(r2, "1,CT-Spleen,0.600000,0.900000,", 30) == 0);
        free(h), free(r1), free(r2);
    }
    free(t);
    t = slurp("tables/fig2_modes_vs_paper.csv");
    if (t) {
        char *r2 = line_of(t, 2);
        /* ours 0.6, the paper's CT-Spleen mode 1 0.8691847407254183, difference -0.269185 */
        CHECK(strncmp(r2, "1,CT-Spleen,0.600000,0.869185,-0.269185,", 40) == 0);
        free(r2);
    }
    free(t);
    t = slurp("tables/fig34_sam.csv");
    if (t) {
        char *h = line_of(t, 0), *r3 = line_of(t, 3);
        CHECK(strcmp(h, "Num of points,MRI-Spine: SC,CT-Spleen") == 0);
        CHECK(strcmp(r3, "3,,0.300000") == 0);
        free(h), free(r3);
    }
    free(t);
    t = slurp("tables/fig4_average.csv");
    if (t) {
        char *r1 = line_of(t, 1);
        /* paper SAM after 1 click, averaged over the tasks we have: SC 0.707215114 and
         * Spleen 0.869169392 -> 0.788192253 */
        CHECK(strstr(r1, ",0.788192,") != NULL);
        free(r1);
    }
    free(t);
    t = slurp("tables/summary.csv");
    /* a constant group's bootstrap CI is the value itself */
    CHECK(t && strstr(t, "CT-Spleen,modes,1,oracle,2,0.900000,0.900000,0.900000,0.900000,0.877248,") != NULL);
    free(t);
    t = slurp("tables/overview.csv");
    if (t) {
        char *r1 = line_of(t, 1);
        /* ours: (0.25 + mean(0.5, 0.7)) / 2 = 0.425; the paper's mode 1 over the same two tasks:
         * (0.7073228746669389 + 0.8691847407254183) / 2 = 0.788254; the stratified CI lies
         * between the extreme resamples (0.25 + 0.5) / 2 and (0.25 + 0.7) / 2 */
        CHECK(strncmp(r1, "modes,1,index0,2,0.425000,", 26) == 0);
        CHECK(strstr(r1, ",0.788254,-0.363254") != NULL);
        double lo = 0, hi = 0;
        CHECK(sscanf(r1 + 26, "%lf,%lf", &lo, &hi) == 2 && lo >= 0.375 && hi <= 0.475 && lo <= 0.425 && hi >= 0.425);
        free(r1);
    }
    free(t);
    t = slurp("tables/size_correlation.csv");
    /* two images, IoU 0.5 / 0.7 at area 0.1 / 0.2: rho = 1, too few pairs for a p-value */
    CHECK_MSG(t && strstr(t, "CT-Spleen,modes,1,index0,2,1.000000,\n") != NULL, "%s", t ? t : "(none)");
    free(t);
    png_image img;
    CHECK(io_png_read(OUT "/figures/modes.png", &img) == 0 && img.width == 1100 && img.height == 560);
    io_png_free(&img);
    CHECK(io_png_read(OUT "/figures/iterative.png", &img) == 0 && img.channels == 3);
    io_png_free(&img);
    cleanup();
}

TEST(report_refuses_doubles_and_damage) {
    make_run(0);
    /* the same measurement under a second file name: counted twice -> refused */
    result_set s = {0};
    eval_result_set_add(&s, "CT-Spleen", "a_img", "1", "modes", "1", "index0", 0.5, 0.6);
    eval_results_item_write(OUT, "a_img_copy", &s);
    eval_result_set_free(&s);
    report_options o = {.n_boot = 100, .seed = 1, .figures = 0};
    CHECK(eval_report_write(OUT, &o) == -1);
    CHECK(strstr(samc_errmsg(), "measured twice") != NULL);
    unlink(OUT "/results/a_img_copy.csv");
    CHECK(truncate(OUT "/results/a_img.csv", 50) == 0);
    CHECK(eval_report_write(OUT, &o) == -1);
    CHECK(strstr(samc_errmsg(), "a_img.csv") != NULL);
    cleanup();
    CHECK(eval_report_write(OUT, &o) == -1); /* no results folder */
}

/* A row whose experiment or selection this samc does not know (a results file it did not
 * write) is refused, naming its file; nothing is written. */
TEST(report_refuses_unknown_names) {
    report_options o = {.n_boot = 100, .seed = 1, .figures = 0};
    const char *names[2][2] = {{"future", "index0"}, {"modes", "mystery"}};
    for (int i = 0; i < 2; i++) {
        make_run(0);
        result_set s = {0};
        eval_result_set_add(&s, "CT-Spleen", "c_img", "1", names[i][0], "1", names[i][1], 0.5, 0.6);
        eval_results_item_write(OUT, "c_img", &s);
        eval_result_set_free(&s);
        CHECK(eval_report_write(OUT, &o) == -1);
        CHECK_MSG(strstr(samc_errmsg(), "results/c_img.csv") && strstr(samc_errmsg(), i ? "unknown selection 'mystery'"
                                                                                        : "unknown experiment 'future'"),
                  "%s", samc_errmsg());
        CHECK(access(OUT "/per_image.csv", F_OK) != 0);
    }
    cleanup();
}

/* A baseline's rows: its own tables, the comparison with SAM (by hand: SAM 0.1 k against
 * 0.2 + 0.05 k on both images), and SAM's tables as without it. */
TEST(report_baseline_comparison) {
    make_run(1);
    report_options o = {.n_boot = 200, .seed = 1, .figures = 1};
    CHECK_MSG(eval_report_write(OUT, &o) == 0, "%s", samc_errmsg());
    char *t = slurp("tables/fig34_sam.csv");
    if (t) {
        char *r3 = line_of(t, 3);
        CHECK(r3 && strcmp(r3, "3,,0.300000") == 0); /* SAM's rows only */
        free(r3);
    }
    free(t);
    t = slurp("tables/fig34_ritm.csv");
    if (t) {
        char *h = line_of(t, 0), *r1 = line_of(t, 1), *r9 = line_of(t, 9);
        CHECK(strcmp(h, "Num of points,MRI-Spine: SC,CT-Spleen") == 0);
        CHECK(strcmp(r1, "1,,0.250000") == 0 && strcmp(r9, "9,,0.650000") == 0);
        free(h), free(r1), free(r9);
    }
    CHECK(t != NULL);
    free(t);
    t = slurp("tables/fig34_ritm_vs_paper.csv");
    if (t) {
        char *r1 = line_of(t, 1), want[128];
        /* the published RITM curve (eval_k_paper_clicks[2]) after one click on CT-Spleen */
        double p = eval_paper_click_iou("CT-Spleen", 2, 1);
        snprintf(want, sizeof want, ",0.250000,%.6f,%.6f", p, 0.25 - p);
        CHECK_MSG(r1 && strstr(r1, want) != NULL, "%s vs %s", r1 ? r1 : "", want);
        free(r1);
    }
    free(t);
    t = slurp("tables/fig4_average.csv");
    if (t) {
        char *h = line_of(t, 0), *r2 = line_of(t, 2);
        size_t hl = strlen(h), rl = strlen(r2);
        CHECK(hl > 5 && strcmp(h + hl - 5, ",ritm") == 0);
        CHECK(rl > 9 && strcmp(r2 + rl - 9, ",0.300000") == 0); /* over the one task that has it */
        free(h), free(r2);
    }
    free(t);
    t = slurp("tables/compare_baselines.csv");
    CHECK(t && strstr(t, "\nCT-Spleen,1,index0,ritm,2,0.100000,0.250000,-0.150000,-0.150000,-0.150000,") != NULL);
    CHECK(t && strstr(t, "\nCT-Spleen,9,index0,ritm,2,0.900000,0.650000,0.250000,0.250000,0.250000,") != NULL);
    CHECK(t && strstr(t, ",oracle,") == NULL); /* no oracle sequence in this run */
    free(t);
    t = slurp("tables/summary.csv");
    CHECK(t && strstr(t, "\nCT-Spleen,iterative,1,single,2,0.250000,0.250000,0.250000,0.300000,") != NULL);
    CHECK(t && strstr(t, ",ritm\n") != NULL && strstr(t, ",sam\n") != NULL);
    free(t);
    t = slurp("tables/fig3_comparison.csv");
    if (t) {
        char *h = line_of(t, 0), *r2 = line_of(t, 2);
        CHECK(strncmp(h, "task,SAM mode 1,SAM mode 2,SAM mode 3,SAM mode 4,SAM mode 5,ritm 1 click,", 73) == 0);
        /* CT-Spleen: modes 0.6 each, ritm after one click 0.25 */
        CHECK(r2 && strncmp(r2, "CT-Spleen,0.600000,0.600000,0.600000,0.600000,0.600000,0.250000,", 64) == 0);
        free(h), free(r2);
    }
    CHECK(t != NULL);
    free(t);
    png_image img;
    CHECK(io_png_read(OUT "/figures/comparison.png", &img) == 0 && img.width == 1150 && img.height == 560);
    io_png_free(&img);
    CHECK(io_png_read(OUT "/figures/comparison_one_click.png", &img) == 0);
    io_png_free(&img);
    cleanup();
}

TEST(paper_lookup_and_aliases) {
    /* values copied from the released CSV files */
    CHECK_NEAR(eval_paper_mode_iou("MRI-Spine: SC", 1, 0), 0.7073228746669389, 1e-15);
    CHECK_NEAR(eval_paper_mode_iou("CT-Hepatovessel", 1, 0), 0.24518548187187356, 1e-15);
    CHECK_NEAR(eval_paper_mode_iou("CT-Organ: Lung", 5, 1), 0.9014606792388544, 1e-15);
    CHECK_NEAR(eval_paper_click_iou("CT-Hepaticvessel", 0, 1), 0.242615495, 1e-12);
    CHECK_NEAR(eval_paper_click_iou("PET-Wholebody", 4, 4), 0.134701685, 1e-12);
    CHECK(isnan(eval_paper_mode_iou("Nonexistent", 1, 0)));
    /* the cross-task means of Fig2 (docs/protocol.md): 0.4610 for mode 1 */
    double s = 0;
    for (int i = 0; i < PAPER_MODES_ROWS; i++) s += eval_k_paper_modes[i].iou[0];
    CHECK_NEAR(s / PAPER_MODES_ROWS, 0.4610, 5e-5);
    s = 0;
    for (int i = 0; i < PAPER_TASKS; i++) s += eval_k_paper_clicks[0].iou[8][i];
    CHECK_NEAR(s / PAPER_TASKS, 0.611249208, 1e-8); /* fig4's SAM at 9 clicks */
}

int main(void) {
    RUN(report_tables);
    RUN(report_refuses_doubles_and_damage);
    RUN(report_refuses_unknown_names);
    RUN(report_baseline_comparison);
    RUN(paper_lookup_and_aliases);
    return check_summary();
}
