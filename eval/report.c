#include "eval/report.h"
#include "eval/report_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/csv.h"
#include "eval/dirlist.h"
#include "eval/paper.h"
#include "eval/plot.h"
#include "eval/results.h"
#include "eval/skipped.h"
#include "metrics/metrics.h"
#include "metrics/stats.h"
#include "util/rng.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

/* ---- ordering ----------------------------------------------------------------------- */

static const char *const k_experiments[] = {"modes", "iterative", "placement", "size", "everything"};
static const char *const k_selections[] = {"index0", "oracle", "best_predicted"};
/* the order of a measurement's groups: SAM's selections, then the baselines as the paper lists them */
static const char *const k_choices[] = {"index0", "oracle", "best_predicted", "ritm", "simpleclick", "focalclick"};

static int rank_in(const char *s, const char *const *list, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(s, list[i])) return i;
    return n;
}

/* Tasks in the paper's order (fig34 columns), then others by name. */
static int cmp_task(const char *a, const char *b) {
    int ia = eval_paper_task_index(a), ib = eval_paper_task_index(b);
    if (ia < 0) ia = PAPER_TASKS;
    if (ib < 0) ib = PAPER_TASKS;
    return ia != ib ? ia - ib : strcmp(a, b);
}

/* What tells a measurement's rows apart besides experiment and setting: SAM's selection rule,
 * or for a baseline (one output, selection "single") its method. So a group's `selection` is
 * "index0", "oracle", "best_predicted" or a baseline's name, and SAM's tables never see a
 * baseline's rows (samc eval reserves those names). SAM's come first. */
static const char *row_choice(const result_row *r) {
    return strcmp(r->method, RESULTS_METHOD_SAM) ? r->method : r->selection;
}

static int cmp_measure(const result_row *x, const result_row *y) {
    int c = rank_in(x->experiment, k_experiments, 5) - rank_in(y->experiment, k_experiments, 5);
    if (c) return c;
    if ((c = strcmp(x->experiment, y->experiment))) return c;
    if ((c = strverscmp(x->setting, y->setting))) return c;
    const char *cx = row_choice(x), *cy = row_choice(y);
    if ((c = rank_in(cx, k_choices, 6) - rank_in(cy, k_choices, 6))) return c;
    return strcmp(cx, cy);
}

static int cmp_item(const result_row *x, const result_row *y) {
    int c = strverscmp(x->image, y->image);
    return c ? c : strverscmp(x->cls, y->cls);
}

/* per_image.csv order: task, image, class, then the measurement. */
static int cmp_row_by_image(const void *a, const void *b) {
    const result_row *x = a, *y = b;
    int c = cmp_task(x->task, y->task);
    if (c) return c;
    if ((c = cmp_item(x, y))) return c;
    return cmp_measure(x, y);
}

/* Groups order: task, measurement, then image and class (so pairs line up). */
static int cmp_row_by_measure(const void *a, const void *b) {
    const result_row *x = *(result_row *const *)a, *y = *(result_row *const *)b;
    int c = cmp_task(x->task, y->task);
    if (c) return c;
    if ((c = cmp_measure(x, y))) return c;
    return cmp_item(x, y);
}

/* ---- statistics ------------------------------------------------------------------------ */

/* 95% percentile bootstrap CI of the unweighted mean over strata (tasks) of per-stratum means
 * (images): each resample draws every stratum's images with replacement, in stratum order,
 * from one SplitMix64 stream; the interval is the type-7 2.5 and 97.5 % quantiles of the
 * resample means. Stratum s holds v[start[s] .. start[s+1]), no NaN. One stratum is the plain
 * bootstrap of a mean (metrics/stats.h metrics_bootstrap_mean_ci draws the same way). 0 or -1. */
static int stratified_bootstrap_ci(const double *v, const size_t *start, int n_strata, int b, uint64_t seed,
                                   double *lo, double *hi) {
    *lo = *hi = NAN;
    int used = 0;
    for (int s = 0; s < n_strata; s++) used += start[s + 1] > start[s];
    if (!used || b < 1) return -1;
    double *means = util_xmalloc_array((size_t)b, sizeof *means);
    if (!means) return -1;
    samc_rng r;
    util_rng_seed(&r, seed);
    for (int k = 0; k < b; k++) {
        double total = 0;
        for (int s = 0; s < n_strata; s++) {
            size_t n = start[s + 1] - start[s];
            if (!n) continue;
            double sum = 0;
            for (size_t i = 0; i < n; i++) sum += v[start[s] + util_rng_below(&r, n)];
            total += sum / (double)n;
        }
        means[k] = total / used;
    }
    for (int a = 1; a < b; a++) /* insertion sort: b is a few thousand, once per figure point */
        for (int c = a; c > 0 && means[c - 1] > means[c]; c--) {
            double t = means[c];
            means[c] = means[c - 1];
            means[c - 1] = t;
        }
    *lo = metrics_quantile_sorted(means, (size_t)b, 0.025);
    *hi = metrics_quantile_sorted(means, (size_t)b, 0.975);
    free(means);
    return 0;
}

/* ---- groups: all rows of one (task, experiment, setting, selection) ---------------------- */


/* Binary search: the groups are sorted by task (cmp_task), then measurement (cmp_measure). */
report_group *eval_report_find_group(const report *r, const char *task, const char *exp, const char *setting,
                                     const char *sel) {
    result_row key = {.task = (char *)task, .experiment = (char *)exp, .setting = (char *)setting,
                      .selection = (char *)sel, .method = RESULTS_METHOD_SAM};
    size_t lo = 0, hi = r->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const result_row *g = r->groups[mid].rows[0];
        int c = cmp_task(g->task, task);
        if (!c) c = cmp_measure(g, &key);
        if (c < 0) lo = mid + 1;
        else if (c > 0) hi = mid;
        else return &r->groups[mid];
    }
    return NULL;
}

/* The non-NaN IoUs (or Dice) of a group into v; returns the count. */
static size_t group_values(const report_group *g, int dice, double *v) {
    size_t k = 0;
    for (size_t i = 0; i < g->n; i++) {
        double x = dice ? g->rows[i]->dice : g->rows[i]->iou;
        if (!isnan(x)) v[k++] = x;
    }
    return k;
}

static int build_groups(report *r) {
    size_t n = r->all.n;
    r->order = util_xmalloc_array(n ? n : 1, sizeof *r->order);
    r->groups = util_xmalloc_array(n ? n : 1, sizeof *r->groups);
    r->tasks = util_xmalloc_array(n ? n : 1, sizeof *r->tasks);
    double *v = util_xmalloc_array(n ? n : 1, sizeof *v);
    if (!r->order || !r->groups || !r->tasks || !v) {
        free(v);
        return -1;
    }
    for (size_t i = 0; i < n; i++) r->order[i] = &r->all.rows[i];
    qsort(r->order, n, sizeof *r->order, cmp_row_by_measure);
    for (size_t i = 0; i < n;) {
        result_row *a = r->order[i];
        size_t j = i + 1;
        while (j < n && !strcmp(r->order[j]->task, a->task) && !cmp_measure(r->order[j], a)) j++;
        report_group *g = &r->groups[r->n_groups++];
        memset(g, 0, sizeof *g);
        g->task = a->task, g->experiment = a->experiment, g->setting = a->setting, g->selection = row_choice(a);
        g->method = a->method;
        g->rows = r->order + i;
        g->n = j - i;
        for (size_t k = i + 1; k < j; k++)
            if (!cmp_item(r->order[k - 1], r->order[k])) {
                free(v);
                return util_err("%s: image %s class %s measured twice for %s %s %s", a->task, r->order[k]->image,
                                r->order[k]->cls, a->experiment, a->setting, a->selection);
            }
        g->n_iou = group_values(g, 0, v);
        bootstrap_ci ci;
        if (metrics_bootstrap_mean_ci(v, g->n_iou, r->opt->n_boot, 0.95, r->opt->seed, &ci)) {
            free(v);
            return -1;
        }
        g->mean_iou = ci.mean, g->lo = ci.lo, g->hi = ci.hi;
        size_t nd = group_values(g, 1, v);
        g->mean_dice = metrics_nanmean(v, nd);
        if (!r->n_tasks || strcmp(r->tasks[r->n_tasks - 1], a->task)) r->tasks[r->n_tasks++] = a->task;
        i = j;
    }
    free(v);
    return 0;
}

/* The eval_k_paper_clicks curve of a baseline's method name (its family's), or -1. */
int eval_report_paper_curve(const char *method) {
    static const char *const families[3] = {"ritm", "simpleclick", "focalclick"}; /* curves 2, 3, 4 */
    for (int i = 0; i < 3; i++)
        if (!strcmp(method, families[i])) return 2 + i;
    return -1;
}

/* Published IoU for a group, or NaN. */
static double paper_value(const report_group *g) {
    char *end;
    long k = strtol(g->setting, &end, 10); /* the clicks or the mode, where the paper has a value */
    if (*end || end == g->setting || k < 1 || k > 1000) return NAN;
    if (strcmp(g->method, RESULTS_METHOD_SAM)) {
        int curve = eval_report_paper_curve(g->method);
        return curve >= 0 && !strcmp(g->experiment, "iterative") ? eval_paper_click_iou(g->task, curve, (int)k) : NAN;
    }
    int oracle = !strcmp(g->selection, "oracle");
    if (!oracle && strcmp(g->selection, "index0")) return NAN;
    if (!strcmp(g->experiment, "modes")) return eval_paper_mode_iou(g->task, (int)k, oracle);
    if (!strcmp(g->experiment, "iterative")) return eval_paper_click_iou(g->task, oracle, (int)k);
    return NAN;
}

/* ---- writing ----------------------------------------------------------------------------- */

void eval_report_put_num(strbuf *b, double v) {
    if (isnan(v)) eval_sb_puts(b, "");
    else eval_sb_printf(b, "%.6f", v);
}

void eval_report_put_cell(strbuf *b, double v) {
    eval_sb_puts(b, ",");
    eval_report_put_num(b, v);
}

void eval_report_put_field(strbuf *b, const char *s) {
    eval_sb_puts(b, ",");
    eval_csv_field(b, s);
}

int eval_report_save(const report *r, const char *rel, strbuf *b) {
    char *path = eval_path_join(r->out, rel);
    int rc = path && !b->failed ? util_write_file_atomic(path, b->s ? b->s : "", b->n) : -1;
    free(path);
    eval_sb_free(b);
    return rc;
}

/* per_image.csv and, row for row in the same order, prompts.csv. */
static int write_per_image(report *r) {
    qsort(r->all.rows, r->all.n, sizeof *r->all.rows, cmp_row_by_image);
    const char *names[2] = {"per_image.csv", "prompts.csv"};
    int rc = 0;
    for (int f = 0; f < 2 && rc == 0; f++) {
        size_t len;
        char *text = f ? eval_results_prompts_csv(&r->all, &len) : eval_results_per_image_csv(&r->all, &len);
        char *path = text ? eval_path_join(r->out, names[f]) : NULL;
        rc = path ? util_write_file_atomic(path, text, len) : -1;
        free(path);
        free(text);
    }
    return rc;
}

#define UNDETAILED_LISTED 10

/* Names the images whose results file an older samc wrote (no prompts, scores, areas): their
 * rows of prompts.csv have empty detail columns. Rows are still in file order, one file per
 * image, so an image's rows are adjacent. */
static int note_undetailed(const report *r) {
    strbuf list = {0};
    size_t n = 0;
    const char *last = NULL;
    for (size_t i = 0; i < r->all.n; i++) {
        const result_row *row = &r->all.rows[i];
        if (row->has_detail || (last && !strcmp(last, row->image))) continue;
        last = row->image;
        if (n++ < UNDETAILED_LISTED) eval_sb_printf(&list, "%s%s", n > 1 ? ", " : "", row->image);
    }
    if (n > UNDETAILED_LISTED) eval_sb_printf(&list, " and %zu more", n - UNDETAILED_LISTED);
    if (list.failed) {
        eval_sb_free(&list);
        return util_err("out of memory");
    }
    if (n)
        fprintf(stderr,
                "samc report: note: %zu image%s computed by an older samc, whose results files do not record the "
                "prompts: %s; their rows of prompts.csv have empty points, box, pred_iou, area, volume, plane and "
                "slice columns\n",
                n, n == 1 ? "" : "s", list.s);
    eval_sb_free(&list);
    return 0;
}

static int write_summary(const report *r) {
    strbuf b = {0};
    eval_sb_puts(&b, "task,experiment,setting,selection,n,mean_iou,ci95_low,ci95_high,mean_dice,paper_iou,difference,"
                "method\n");
    for (size_t i = 0; i < r->n_groups; i++) {
        const report_group *g = &r->groups[i];
        const char *f[4] = {g->task, g->experiment, g->setting, g->rows[0]->selection};
        for (int k = 0; k < 4; k++) eval_csv_field(&b, f[k]), eval_sb_puts(&b, ",");
        eval_sb_printf(&b, "%zu,", g->n_iou);
        double pv = paper_value(g);
        double vals[6] = {g->mean_iou, g->lo, g->hi, g->mean_dice, pv, g->mean_iou - pv};
        for (int k = 0; k < 6; k++) eval_report_put_num(&b, vals[k]), eval_sb_puts(&b, ",");
        eval_csv_field(&b, g->method), eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/summary.csv", &b);
}

double eval_report_task_mean(const report *r, const char *task, const char *exp, const char *setting, const char *sel) {
    const report_group *g = eval_report_find_group(r, task, exp, setting, sel);
    return g ? g->mean_iou : NAN;
}

/* Tasks in the Fig2 file's row order, then the others. */
static int fig2_order(const report *r, const char **out) {
    int n = 0;
    for (int i = 0; i < PAPER_MODES_ROWS; i++) {
        const char *t = eval_paper_task_canonical(eval_k_paper_modes[i].task);
        for (int k = 0; k < r->n_tasks; k++)
            if (!strcmp(eval_paper_task_canonical(r->tasks[k]), t)) out[n++] = r->tasks[k];
    }
    for (int k = 0; k < r->n_tasks; k++)
        if (eval_paper_task_index(r->tasks[k]) < 0) out[n++] = r->tasks[k];
    return n;
}

static int write_fig2(const report *r) {
    const char **tasks = util_xmalloc_array((size_t)r->n_tasks + 1, sizeof *tasks);
    if (!tasks) return -1;
    int nt = fig2_order(r, tasks);
    strbuf ours = {0}, cmp = {0}, best = {0};
    eval_sb_puts(&ours, ",Dataset_names");
    eval_sb_puts(&cmp, ",Dataset_names");
    eval_sb_puts(&best, ",Dataset_names");
    for (int c = 0; c < 10; c++) {
        eval_sb_puts(&ours, ","), eval_csv_field(&ours, eval_k_paper_mode_headers[c]);
        eval_sb_puts(&cmp, ","), eval_csv_field(&cmp, eval_k_paper_mode_headers[c]);
        eval_sb_printf(&cmp, ",%s (paper),%s (difference)", eval_k_paper_mode_headers[c], eval_k_paper_mode_headers[c]);
    }
    for (int m = 1; m <= 5; m++) {
        char h[80];
        snprintf(h, sizeof h, "Mode %d (best predicted IoU)", m);
        eval_sb_puts(&best, ","), eval_sb_puts(&best, h);
    }
    eval_sb_puts(&ours, "\n"), eval_sb_puts(&cmp, "\n"), eval_sb_puts(&best, "\n");
    for (int t = 0; t < nt; t++) {
        eval_sb_printf(&ours, "%d,", t), eval_csv_field(&ours, tasks[t]);
        eval_sb_printf(&cmp, "%d,", t), eval_csv_field(&cmp, tasks[t]);
        eval_sb_printf(&best, "%d,", t), eval_csv_field(&best, tasks[t]);
        for (int c = 0; c < 10; c++) {
            char setting[16];
            snprintf(setting, sizeof setting, "%d", c / 2 + 1);
            double v = eval_report_task_mean(r, tasks[t], "modes", setting, c % 2 ? "oracle" : "index0");
            double p = eval_paper_mode_iou(tasks[t], c / 2 + 1, c % 2);
            eval_sb_puts(&ours, ","), eval_report_put_num(&ours, v);
            eval_sb_puts(&cmp, ","), eval_report_put_num(&cmp, v), eval_sb_puts(&cmp, ","), eval_report_put_num(&cmp,
                         p), eval_sb_puts(&cmp, ","),
                eval_report_put_num(&cmp, v - p);
            if (c % 2 == 0)
                eval_sb_puts(&best, ","), eval_report_put_num(&best, eval_report_task_mean(r, tasks[t], "modes",
                             setting, "best_predicted"));
        }
        eval_sb_puts(&ours, "\n"), eval_sb_puts(&cmp, "\n"), eval_sb_puts(&best, "\n");
    }
    free(tasks);
    int rc = eval_report_save(r, "tables/fig2_modes.csv", &ours);
    rc |= eval_report_save(r, "tables/fig2_modes_vs_paper.csv", &cmp);
    rc |= eval_report_save(r, "tables/fig2_modes_best_predicted.csv", &best);
    return rc ? -1 : 0;
}

int eval_report_has_experiment(const report *r, const char *exp) {
    for (size_t i = 0; i < r->n_groups; i++)
        if (!strcmp(r->groups[i].experiment, exp)) return 1;
    return 0;
}

/* Mean over r's tasks of value(r, task, arg) where it is not NaN. */
static double mean_over_tasks(const report *r, double (*value)(const report *, const char *, const void *),
                              const void *arg) {
    double s = 0;
    int k = 0;
    for (int t = 0; t < r->n_tasks; t++) {
        double v = value(r, r->tasks[t], arg);
        if (!isnan(v)) s += v, k++;
    }
    return k ? s / k : NAN;
}

typedef struct {
    const char *exp, *setting, *sel;
} measurement;
typedef struct {
    int curve_or_oracle, count;
} paper_entry;

static double ours_in(const report *r, const char *task, const void *arg) {
    const measurement *m = arg;
    return eval_report_task_mean(r, task, m->exp, m->setting, m->sel);
}
static double paper_clicks_in(const report *r, const char *task, const void *arg) {
    (void)r;
    const paper_entry *e = arg;
    return eval_paper_click_iou(task, e->curve_or_oracle, e->count);
}
static double paper_modes_in(const report *r, const char *task, const void *arg) {
    (void)r;
    const paper_entry *e = arg;
    return eval_paper_mode_iou(task, e->count, e->curve_or_oracle);
}

double eval_report_cross_task(const report *r, const char *exp, const char *setting, const char *sel) {
    return mean_over_tasks(r, ours_in, &(measurement){exp, setting, sel});
}
double eval_report_cross_task_paper_clicks(const report *r, int curve, int clicks) {
    return mean_over_tasks(r, paper_clicks_in, &(paper_entry){curve, clicks});
}
double eval_report_cross_task_paper_modes(const report *r, int points, int oracle) {
    return mean_over_tasks(r, paper_modes_in, &(paper_entry){oracle, points});
}

/* The stratified bootstrap CI of the cross-task mean (images resampled within tasks). */
int eval_report_cross_task_ci(const report *r, const char *exp, const char *setting, const char *sel, double *lo,
                         double *hi) {
    size_t total = 0;
    for (int t = 0; t < r->n_tasks; t++) {
        const report_group *g = eval_report_find_group(r, r->tasks[t], exp, setting, sel);
        if (g) total += g->n;
    }
    double *v = util_xmalloc_array(total ? total : 1, sizeof *v);
    size_t *start = util_xmalloc_array((size_t)r->n_tasks + 1, sizeof *start);
    int rc = -1;
    if (v && start) {
        size_t k = 0;
        for (int t = 0; t < r->n_tasks; t++) {
            start[t] = k;
            const report_group *g = eval_report_find_group(r, r->tasks[t], exp, setting, sel);
            if (g) k += group_values(g, 0, v + k);
        }
        start[r->n_tasks] = k;
        rc = stratified_bootstrap_ci(v, start, r->n_tasks, r->opt->n_boot, r->opt->seed, lo, hi);
    }
    free(v);
    free(start);
    return rc;
}

static int write_fig34(const report *r) {
    static const char *const sels[3] = {"index0", "oracle", "best_predicted"};
    static const char *const files[3] = {"tables/fig34_sam.csv", "tables/fig34_sam_oracle.csv",
                                         "tables/fig34_sam_best_predicted.csv"};
    int rc = 0;
    for (int s = 0; s < 3; s++) {
        strbuf b = {0};
        eval_sb_puts(&b, "Num of points");
        for (int t = 0; t < r->n_tasks; t++) eval_report_put_field(&b, r->tasks[t]);
        eval_sb_puts(&b, "\n");
        for (int k = 1; k <= PAPER_CLICKS; k++) {
            char setting[16];
            snprintf(setting, sizeof setting, "%d", k);
            eval_sb_printf(&b, "%d", k);
            for (int t = 0; t < r->n_tasks; t++) eval_report_put_cell(&b, eval_report_task_mean(r, r->tasks[t],
                 "iterative", setting, sels[s]));
            eval_sb_puts(&b, "\n");
        }
        rc |= eval_report_save(r, files[s], &b);
    }
    /* ours beside theirs, per task */
    strbuf b = {0};
    eval_sb_puts(&b, "Num of points");
    for (int t = 0; t < r->n_tasks; t++)
        for (int s = 0; s < 2; s++) {
            const char *m = s ? " (oracle)" : "";
            eval_sb_printf(&b, ",%s%s,%s%s (paper),%s%s (difference)", r->tasks[t], m, r->tasks[t], m, r->tasks[t], m);
        }
    eval_sb_puts(&b, "\n");
    for (int k = 1; k <= PAPER_CLICKS; k++) {
        char setting[16];
        snprintf(setting, sizeof setting, "%d", k);
        eval_sb_printf(&b, "%d", k);
        for (int t = 0; t < r->n_tasks; t++)
            for (int s = 0; s < 2; s++) {
                double v = eval_report_task_mean(r, r->tasks[t], "iterative", setting, sels[s]);
                double p = eval_paper_click_iou(r->tasks[t], s, k);
                eval_report_put_cell(&b, v);
                eval_report_put_cell(&b, p);
                eval_report_put_cell(&b, v - p);
            }
        eval_sb_puts(&b, "\n");
    }
    rc |= eval_report_save(r, "tables/fig34_sam_vs_paper.csv", &b);
    /* fig4: the cross-task means, ours and the paper's over the same tasks */
    const char *methods[8];
    int n_m = eval_report_baseline_methods(r, methods, 8);
    eval_sb_puts(&b, "Num of points,SAM,SAM (oracle),SAM (best predicted)");
    for (int m = 0; m < PAPER_CLICK_METHODS; m++) eval_sb_printf(&b, ",%s (paper)", eval_k_paper_clicks[m].method);
    for (int m = 0; m < n_m; m++) eval_report_put_field(&b, methods[m]); /* the baselines, ours */
    eval_sb_puts(&b, "\n");
    for (int k = 1; k <= PAPER_CLICKS; k++) {
        char setting[16];
        snprintf(setting, sizeof setting, "%d", k);
        eval_sb_printf(&b, "%d", k);
        for (int s = 0; s < 3; s++) eval_report_put_cell(&b, eval_report_cross_task(r, "iterative", setting, sels[s]));
        for (int m = 0; m < PAPER_CLICK_METHODS; m++) eval_report_put_cell(&b, eval_report_cross_task_paper_clicks(r,
             m, k));
        for (int m = 0; m < n_m; m++)
            eval_report_put_cell(&b, eval_report_cross_task(r, "iterative", setting, methods[m]));
        eval_sb_puts(&b, "\n");
    }
    rc |= eval_report_save(r, "tables/fig4_average.csv", &b);
    return rc ? -1 : 0;
}

/* Paper's cross-task mean of a measurement over our tasks (modes and iterative only), or NaN. */
static double paper_cross_task(const report *r, const char *exp, const char *setting, const char *sel) {
    int oracle = !strcmp(sel, "oracle"), curve = eval_report_paper_curve(sel);
    if (!oracle && strcmp(sel, "index0") && curve < 0) return NAN;
    char *end;
    long k = strtol(setting, &end, 10);
    if (*end || k < 1) return NAN;
    if (curve >= 0) return strcmp(exp, "iterative") ? NAN : eval_report_cross_task_paper_clicks(r, curve, (int)k);
    if (!strcmp(exp, "modes")) return eval_report_cross_task_paper_modes(r, (int)k, oracle);
    if (!strcmp(exp, "iterative")) return eval_report_cross_task_paper_clicks(r, oracle, (int)k);
    return NAN;
}

/* One row per measurement: the unweighted mean over tasks with a stratified bootstrap CI (the
 * numbers the figures draw), beside the paper's mean over the same tasks. */
static int write_overview(const report *r) {
    strbuf b = {0};
    eval_sb_puts(&b, "experiment,setting,selection,n_tasks,mean_iou,ci95_low,ci95_high,paper_iou,difference,method\n");
    for (size_t i = 0; i < r->n_groups; i++) {
        const report_group *g = &r->groups[i];
        int seen = 0; /* the measurement's group in its first task stands for all tasks */
        for (int t = 0; t < r->n_tasks && strcmp(r->tasks[t], g->task) && !seen; t++)
            seen = eval_report_find_group(r, r->tasks[t], g->experiment, g->setting, g->selection) != NULL;
        if (seen || !strcmp(g->experiment, "size")) continue;
        int n_tasks = 0;
        for (int t = 0; t < r->n_tasks; t++) n_tasks += eval_report_find_group(r, r->tasks[t], g->experiment,
             g->setting, g->selection) != NULL;
        double m = eval_report_cross_task(r, g->experiment, g->setting, g->selection), lo = NAN, hi = NAN;
        eval_report_cross_task_ci(r, g->experiment, g->setting, g->selection, &lo, &hi);
        double pv = paper_cross_task(r, g->experiment, g->setting, g->selection);
        eval_csv_field(&b, g->experiment), eval_report_put_field(&b, g->setting), eval_sb_puts(&b, ",");
        eval_csv_field(&b, g->rows[0]->selection);
        eval_sb_printf(&b, ",%d,", n_tasks);
        double vals[5] = {m, lo, hi, pv, m - pv};
        for (int k = 0; k < 5; k++) eval_report_put_num(&b, vals[k]), eval_sb_puts(&b, ",");
        eval_csv_field(&b, g->method), eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/overview.csv", &b);
}

/* Pairs two groups' rows by (image, class): both are sorted that way. */
size_t eval_report_pair_up(const report_group *a, const report_group *b, double *x, double *y) {
    size_t i = 0, j = 0, n = 0;
    while (i < a->n && j < b->n) {
        int c = cmp_item(a->rows[i], b->rows[j]);
        if (c < 0) i++;
        else if (c > 0) j++;
        else {
            x[n] = a->rows[i++]->iou;
            y[n++] = b->rows[j++]->iou;
        }
    }
    return n;
}

static int write_wilcoxon(const report *r) {
    strbuf b = {0};
    eval_sb_puts(&b, "task,selection,mode_a,mode_b,n_pairs,n_nonzero,mean_iou_a,mean_iou_b,statistic,exact,p\n");
    size_t cap = r->all.n ? r->all.n : 1;
    double *x = util_xmalloc_array(cap, sizeof *x), *y = util_xmalloc_array(cap, sizeof *y);
    if (!x || !y) {
        free(x), free(y), eval_sb_free(&b);
        return -1;
    }
    for (int t = 0; t < r->n_tasks; t++)
        for (int s = 0; s < 3; s++)
            for (int ma = 1; ma <= 5; ma++)
                for (int mb = ma + 1; mb <= 5; mb++) {
                    char sa[16], sb_[16];
                    snprintf(sa, sizeof sa, "%d", ma);
                    snprintf(sb_, sizeof sb_, "%d", mb);
                    const report_group *ga = eval_report_find_group(r, r->tasks[t], "modes", sa, k_selections[s]);
                    const report_group *gb = eval_report_find_group(r, r->tasks[t], "modes", sb_, k_selections[s]);
                    if (!ga || !gb) continue;
                    size_t n = eval_report_pair_up(ga, gb, x, y);
                    wilcoxon_result wr;
                    if (metrics_wilcoxon_signed_rank(x, y, n, &wr)) {
                        free(x), free(y), eval_sb_free(&b);
                        return -1;
                    }
                    eval_csv_field(&b, r->tasks[t]);
                    eval_sb_printf(&b, ",%s,%d,%d,%zu,%zu,", k_selections[s], ma, mb, n, wr.n);
                    eval_report_put_num(&b, metrics_nanmean(x, n)), eval_sb_puts(&b, ",");
                    eval_report_put_num(&b, metrics_nanmean(y, n)), eval_sb_puts(&b, ",");
                    eval_report_put_num(&b, wr.n ? wr.statistic : NAN);
                    eval_sb_printf(&b, ",%d,", wr.exact);
                    if (isnan(wr.p)) eval_sb_puts(&b, "");
                    else eval_sb_printf(&b, "%.4g", wr.p);
                    eval_sb_puts(&b, "\n");
                }
    free(x), free(y);
    return eval_report_save(r, "tables/wilcoxon_modes.csv", &b);
}

/* Spearman correlation of IoU with the object's area fraction (experiment "size" rows). */
static int write_size(const report *r) {
    strbuf b = {0};
    eval_sb_puts(&b, "task,experiment,setting,selection,n,spearman_rho,p\n");
    size_t cap = r->all.n ? r->all.n : 1;
    double *x = util_xmalloc_array(cap, sizeof *x), *y = util_xmalloc_array(cap, sizeof *y);
    double *px = util_xmalloc_array(cap, sizeof *px), *py = util_xmalloc_array(cap, sizeof *py);
    int rc = -1;
    if (x && y && px && py) {
        for (int s = 0; s < 3; s++)
            for (int m = 1; m <= 5; m++) {
                char setting[16];
                snprintf(setting, sizeof setting, "%d", m);
                size_t pooled = 0;
                for (int t = 0; t <= r->n_tasks; t++) {
                    size_t n;
                    const char *task = t < r->n_tasks ? r->tasks[t] : "all tasks";
                    if (t < r->n_tasks) {
                        const report_group *gs = eval_report_find_group(r, r->tasks[t], "size", "area_fraction", "gt");
                        const report_group *gm = eval_report_find_group(r, r->tasks[t], "modes", setting,
                                k_selections[s]);
                        if (!gs || !gm) continue;
                        n = eval_report_pair_up(gm, gs, x, y);
                        memcpy(px + pooled, x, n * sizeof *x);
                        memcpy(py + pooled, y, n * sizeof *y);
                        pooled += n;
                    } else {
                        n = pooled;
                        memcpy(x, px, n * sizeof *x);
                        memcpy(y, py, n * sizeof *y);
                    }
                    if (!n) continue;
                    correlation cr;
                    if (metrics_spearman(x, y, n, &cr)) {
                        cr.r = cr.p = NAN;
                        cr.n = n;
                    }
                    eval_csv_field(&b, task);
                    eval_sb_printf(&b, ",modes,%s,%s,%zu,", setting, k_selections[s], cr.n);
                    eval_report_put_num(&b, cr.r), eval_sb_puts(&b, ",");
                    if (isnan(cr.p)) eval_sb_puts(&b, "\n");
                    else eval_sb_printf(&b, "%.4g\n", cr.p);
                }
            }
        rc = eval_report_save(r, "tables/size_correlation.csv", &b);
    } else {
        eval_sb_free(&b);
    }
    free(x), free(y), free(px), free(py);
    return rc;
}

/* ---- figures ----------------------------------------------------------------------------- */

int eval_report_save_figure(const report *r, const char *name, const plot_spec *p, int bars, int w, int h) {
    canvas c;
    if (eval_canvas_new(&c, w, h)) return -1;
    int rc = bars ? eval_plot_bars(&c, p) : eval_plot_lines(&c, p);
    char rel[128];
    snprintf(rel, sizeof rel, "figures/%s", name);
    char *path = eval_path_join(r->out, rel);
    if (rc == 0) rc = path ? eval_canvas_save_png(&c, path) : -1;
    free(path);
    eval_canvas_free(&c);
    return rc;
}

static int figure_modes(const report *r) {
    static const char *const ticks[5] = {"Mode 1", "Mode 2", "Mode 3", "Mode 4", "Mode 5"};
    double v[5][5], lo[3][5], hi[3][5];
    for (int m = 0; m < 5; m++) {
        char setting[16];
        snprintf(setting, sizeof setting, "%d", m + 1);
        for (int s = 0; s < 3; s++) {
            v[s][m] = eval_report_cross_task(r, "modes", setting, k_selections[s]);
            eval_report_cross_task_ci(r, "modes", setting, k_selections[s], &lo[s][m], &hi[s][m]);
        }
        v[3][m] = eval_report_cross_task_paper_modes(r, m + 1, 0);
        v[4][m] = eval_report_cross_task_paper_modes(r, m + 1, 1);
    }
    char title[160];
    snprintf(title, sizeof title, "SAM, five modes of use: mean IoU over %d task%s (95%% CI)", r->n_tasks,
             r->n_tasks == 1 ? "" : "s");
    plot_spec p = {.title = title, .x_label = "prompt mode", .y_label = "IoU", .n_x = 5, .x_tick = ticks,
                   .y_min = 0, .y_max = 1, .n_series = 5};
    const char *names[5] = {"ours, output 0", "ours, oracle", "ours, best predicted", "paper, output 0", "paper, oracle"};
    for (int s = 0; s < 5; s++)
        p.series[s] = (plot_series){.name = names[s], .v = v[s], .lo = s < 3 ? lo[s] : NULL, .hi = s < 3 ? hi[s] : NULL};
    return eval_report_save_figure(r, "modes.png", &p, 1, 1100, 560);
}

static int figure_iterative(const report *r) {
    static const char *const ticks[9] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
    double v[8][9], lo[2][9], hi[2][9];
    for (int k = 0; k < 9; k++) {
        for (int s = 0; s < 2; s++) {
            v[s][k] = eval_report_cross_task(r, "iterative", ticks[k], k_selections[s]);
            eval_report_cross_task_ci(r, "iterative", ticks[k], k_selections[s], &lo[s][k], &hi[s][k]);
        }
        for (int m = 0; m < PAPER_CLICK_METHODS; m++) v[2 + m][k] = eval_report_cross_task_paper_clicks(r, m, k + 1);
    }
    char title[160];
    snprintf(title, sizeof title, "Iterative clicks: mean IoU over %d task%s (95%% CI)", r->n_tasks,
             r->n_tasks == 1 ? "" : "s");
    plot_spec p = {.title = title, .x_label = "number of clicks", .y_label = "IoU", .n_x = 9, .x_tick = ticks,
                   .y_min = 0, .y_max = 1, .n_series = 7};
    p.series[0] = (plot_series){.name = "SAM (ours)", .v = v[0], .lo = lo[0], .hi = hi[0]};
    p.series[1] = (plot_series){.name = "SAM oracle (ours)", .v = v[1], .lo = lo[1], .hi = hi[1]};
    static const char *const pn[5] = {"SAM (paper)", "SAM oracle (paper)", "RITM (paper)", "SimpleClick (paper)",
                                      "FocalClick (paper)"};
    for (int m = 0; m < 5; m++) p.series[2 + m] = (plot_series){.name = pn[m], .v = v[2 + m], .dashed = 1};
    return eval_report_save_figure(r, "iterative.png", &p, 0, 1100, 560);
}

/* Placement: the settings "<prefix><value>" present, as one line per selection. */
static int figure_placement(const report *r, const char *prefix, const char *file, const char *title,
                            const char *x_label) {
    /* collect the distinct settings with this prefix, in order */
    const char *settings[32];
    int ns = 0;
    for (size_t i = 0; i < r->n_groups && ns < 32; i++) {
        const report_group *g = &r->groups[i];
        if (strcmp(g->experiment, "placement") || strncmp(g->setting, prefix, strlen(prefix))) continue;
        int seen = 0;
        for (int k = 0; k < ns; k++) seen |= !strcmp(settings[k], g->setting);
        if (!seen) settings[ns++] = g->setting;
    }
    if (!ns) return 0;
    for (int a = 1; a < ns; a++) /* insertion sort, version order */
        for (int b = a; b > 0 && strverscmp(settings[b - 1], settings[b]) > 0; b--) {
            const char *t = settings[b];
            settings[b] = settings[b - 1];
            settings[b - 1] = t;
        }
    double v[3][32], lo[3][32], hi[3][32];
    const char *ticks[32];
    for (int k = 0; k < ns; k++) {
        ticks[k] = settings[k] + strlen(prefix);
        for (int s = 0; s < 3; s++) {
            v[s][k] = eval_report_cross_task(r, "placement", settings[k], k_selections[s]);
            eval_report_cross_task_ci(r, "placement", settings[k], k_selections[s], &lo[s][k], &hi[s][k]);
        }
    }
    plot_spec p = {.title = title, .x_label = x_label, .y_label = "IoU", .n_x = ns, .x_tick = ticks,
                   .y_min = 0, .y_max = 1, .n_series = 3};
    static const char *const names[3] = {"output 0", "oracle", "best predicted"};
    for (int s = 0; s < 3; s++) p.series[s] = (plot_series){.name = names[s], .v = v[s], .lo = lo[s], .hi = hi[s]};
    return eval_report_save_figure(r, file, &p, 0, 1000, 520);
}

static int figure_everything(const report *r) {
    static const char *const ticks[2] = {"best single mask", "union of masks inside"};
    static const char *const settings[2] = {"best_mask", "union"};
    double v[2], lo[2], hi[2];
    for (int k = 0; k < 2; k++) {
        v[k] = eval_report_cross_task(r, "everything", settings[k], "oracle");
        eval_report_cross_task_ci(r, "everything", settings[k], "oracle", &lo[k], &hi[k]);
    }
    plot_spec p = {.title = "Segment-everything mode: mean IoU per object (95% CI)", .x_label = "scoring",
                   .y_label = "IoU", .n_x = 2, .x_tick = ticks, .y_min = 0, .y_max = 1, .n_series = 1};
    p.series[0] = (plot_series){.name = "ours", .v = v, .lo = lo, .hi = hi};
    return eval_report_save_figure(r, "everything.png", &p, 1, 900, 520);
}

/* IoU against object size, pooled over tasks: one point per image and class. */
static int figure_size(const report *r) {
    size_t cap = r->all.n ? r->all.n : 1;
    double *x[2] = {util_xmalloc_array(cap, sizeof(double)), util_xmalloc_array(cap, sizeof(double))};
    double *y[2] = {util_xmalloc_array(cap, sizeof(double)), util_xmalloc_array(cap, sizeof(double))};
    int rc = x[0] && x[1] && y[0] && y[1] ? 0 : -1;
    static const char *const modes[2] = {"1", "3"};
    size_t n[2] = {0, 0};
    double lo = INFINITY, hi = 0;
    for (int m = 0; m < 2 && rc == 0; m++)
        for (int t = 0; t < r->n_tasks; t++) {
            const report_group *gs = eval_report_find_group(r, r->tasks[t], "size", "area_fraction", "gt");
            const report_group *gm = eval_report_find_group(r, r->tasks[t], "modes", modes[m], "index0");
            if (gs && gm) n[m] += eval_report_pair_up(gm, gs, y[m] + n[m], x[m] + n[m]);
        }
    for (int m = 0; m < 2; m++)
        for (size_t i = 0; i < n[m]; i++)
            if (x[m][i] > 0) lo = fmin(lo, x[m][i]), hi = fmax(hi, x[m][i]);
    char title[160], names[2][64];
    if (rc == 0 && n[0] + n[1] > 0 && hi > 0) {
        correlation cr[2];
        for (int m = 0; m < 2; m++)
            if (metrics_spearman(y[m], x[m], n[m], &cr[m])) cr[m].r = NAN;
        snprintf(title, sizeof title, "IoU vs object size (%d task%s, output 0)", r->n_tasks, r->n_tasks == 1 ? "" : "s");
        snprintf(names[0], sizeof names[0], "mode 1, point (rho %.2f)", cr[0].r);
        snprintf(names[1], sizeof names[1], "mode 3, box (rho %.2f)", cr[1].r);
        scatter_spec sp = {.title = title, .x_label = "object area, fraction of the image (log scale)",
                           .y_label = "IoU", .x_min = lo, .x_max = hi > lo ? hi : lo * 10, .y_min = 0, .y_max = 1,
                           .n_series = 2};
        for (int m = 0; m < 2; m++) sp.series[m] = (scatter_series){names[m], x[m], y[m], (int)n[m]};
        canvas c;
        rc = eval_canvas_new(&c, 1000, 560);
        if (rc == 0) rc = eval_plot_scatter_logx(&c, &sp);
        char *path = rc == 0 ? eval_path_join(r->out, "figures/size.png") : NULL;
        if (rc == 0) rc = path ? eval_canvas_save_png(&c, path) : -1;
        free(path);
        eval_canvas_free(&c);
    }
    free(x[0]), free(x[1]), free(y[0]), free(y[1]);
    return rc;
}

/* Each task's mean IoU per mode (output 0), rows in the paper's order. */
static int figure_modes_per_task(const report *r) {
    int nt = r->n_tasks;
    double *v = util_xmalloc_array((size_t)nt * 5, sizeof *v);
    if (!v) return -1;
    static const char *const names[5] = {"mode 1: point", "mode 2: points", "mode 3: box", "mode 4: boxes",
                                         "mode 5: box over all"};
    plot_spec p = {.title = "Mean IoU per task and mode (output 0)", .x_label = "task", .y_label = "IoU",
                   .n_x = nt, .x_tick = (const char *const *)r->tasks, .y_min = 0, .y_max = 1, .n_series = 5};
    for (int m = 0; m < 5; m++) {
        char setting[16];
        snprintf(setting, sizeof setting, "%d", m + 1);
        for (int t = 0; t < nt; t++) v[(size_t)m * nt + t] = eval_report_task_mean(r, r->tasks[t], "modes", setting,
             "index0");
        p.series[m] = (plot_series){.name = names[m], .v = v + (size_t)m * nt};
    }
    canvas c;
    int rc = eval_canvas_new(&c, 1200, 140 + nt * 62);
    if (rc == 0) rc = eval_plot_hbars(&c, &p);
    char *path = rc == 0 ? eval_path_join(r->out, "figures/modes_per_task.png") : NULL;
    if (rc == 0) rc = path ? eval_canvas_save_png(&c, path) : -1;
    free(path);
    eval_canvas_free(&c);
    free(v);
    return rc;
}

static int write_figures(const report *r) {
    char *dir = eval_path_join(r->out, "figures");
    int rc = dir ? util_make_dirs(dir) : -1;
    free(dir);
    if (rc) return -1;
    if (eval_report_has_experiment(r, "modes") && (figure_modes(r) || figure_modes_per_task(r))) return -1;
    if (eval_report_has_experiment(r, "iterative") && figure_iterative(r)) return -1;
    if (figure_placement(r, "point_q", "placement_points.png", "Point placement: mean IoU vs depth quantile (95% CI)",
                         "quantile q of the distance to the border (0 = anywhere inside)"))
        return -1;
    if (figure_placement(r, "box_j", "placement_boxes.png", "Box jitter: mean IoU vs jitter (95% CI)",
                         "jitter, % of the box size"))
        return -1;
    if (eval_report_has_experiment(r, "everything") && figure_everything(r)) return -1;
    if (eval_report_has_experiment(r, "size") && eval_report_has_experiment(r, "modes") && figure_size(r)) return -1;
    return 0;
}

static void print_summary(const report *r) {
    printf("%d task%s, %zu measurements\n", r->n_tasks, r->n_tasks == 1 ? "" : "s", r->all.n);
    if (!eval_report_has_experiment(r, "modes")) return;
    printf("%-28s %8s %8s %8s %8s %8s\n", "mean IoU (output 0)", "mode 1", "mode 2", "mode 3", "mode 4", "mode 5");
    for (int pass = 0; pass < 2; pass++) {
        printf("%-28s", pass ? "paper, same tasks" : "ours");
        for (int m = 1; m <= 5; m++) {
            char s[16];
            snprintf(s, sizeof s, "%d", m);
            printf(" %8.4f", pass ? eval_report_cross_task_paper_modes(r, m, 0) : eval_report_cross_task(r, "modes",
                   s, "index0"));
        }
        printf("\n");
    }
}

/* tables/incomplete.txt: "incomplete: ..." when the run lacks shards or images and
 * "skipped: ..." when files could not be read (OUT/skipped.txt), else absent. */
static int write_incomplete(const report *r, const char *missing, const char *skipped) {
    if (missing || skipped) {
        strbuf b = {0};
        if (missing) eval_sb_printf(&b, "incomplete: %s\n", missing);
        if (skipped) eval_sb_printf(&b, "skipped: %s could not be read, see " SKIPPED_FILE "\n", skipped);
        return eval_report_save(r, "tables/" INCOMPLETE_FILE, &b);
    }
    char *path = eval_path_join(r->out, "tables/" INCOMPLETE_FILE); /* from an earlier report */
    int rc = path ? 0 : -1;
    if (path && unlink(path) != 0 && errno != ENOENT) rc = util_err("%s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* "1 image", "2 volumes", "1 image and 2 volumes" (skipped files); "" for none. */
static void skipped_phrase(size_t n_images, size_t n_volumes, char *s, size_t cap) {
    int k = 0;
    s[0] = 0;
    if (n_images) k = snprintf(s, cap, "%zu image%s", n_images, n_images == 1 ? "" : "s");
    if (n_volumes && k >= 0 && (size_t)k < cap)
        snprintf(s + k, cap - (size_t)k, "%s%zu volume%s", k ? " and " : "", n_volumes, n_volumes == 1 ? "" : "s");
}

int eval_report_write(const char *out, const report_options *opt) {
    report r = {.opt = opt, .out = out};
    char *missing = NULL, *absent = NULL, skipped[96];
    size_t n_absent = 0, n_skip_img = 0, n_skip_vol = 0;
    int rc = eval_results_read_all(out, &r.all);
    /* a run that lacks shards or images is still reported, with a word (results.h) */
    int checked = rc == 0 ? eval_results_check_complete(out, &r.all, &missing, &absent, &n_absent) : 0;
    if (checked < 0) rc = -1;
    if (rc == 0) rc = eval_skipped_count(out, &n_skip_img, &n_skip_vol);
    skipped_phrase(n_skip_img, n_skip_vol, skipped, sizeof skipped);
    /* with every image's results there, a recorded class without a row is in none of the masks */
    int whole = checked == 1 && !missing && !skipped[0];
    const char *verb = n_absent == 1 ? "occurs" : "occur";
    if (rc == 0 && r.all.n == 0) {
        if (absent && whole) rc = util_err("%s: no results: %s never %s in the masks", out, absent, verb);
        else if (skipped[0])
            rc = util_err("%s: no results yet (%s skipped, see %s/" SKIPPED_FILE ")", out, skipped, out);
        else rc = util_err("%s: no results yet", out);
    }
    if (rc == 0 && checked == 0)
        fprintf(stderr, "samc report: note: %s has no " SHARDS_FILE " (made by an older samc): whether shards or "
                        "images are missing is not checked\n", out);
    if (rc == 0 && missing) fprintf(stderr, "samc report: incomplete: %s\n", missing);
    if (rc == 0 && skipped[0])
        fprintf(stderr, "samc report: %s skipped (could not be read), see %s/" SKIPPED_FILE "\n", skipped, out);
    if (rc == 0 && absent && whole)
        fprintf(stderr, "samc report: note: %s never %s in the masks: no rows\n", absent, verb);
    else if (rc == 0 && absent)
        fprintf(stderr, "samc report: note: no rows for %s (in none of the images with results)\n", absent);
    char *tables = rc == 0 ? eval_path_join(out, "tables") : NULL;
    if (rc == 0) rc = tables ? util_make_dirs(tables) : -1;
    free(tables);
    if (rc == 0) rc = write_incomplete(&r, missing, skipped[0] ? skipped : NULL);
    if (rc == 0) rc = note_undetailed(&r);
    if (rc == 0) rc = write_per_image(&r);
    if (rc == 0) rc = build_groups(&r);
    if (rc == 0) rc = write_summary(&r);
    if (rc == 0) rc = write_overview(&r);
    if (rc == 0 && eval_report_has_experiment(&r, "modes")) rc = write_fig2(&r);
    if (rc == 0 && eval_report_has_experiment(&r, "iterative")) rc = write_fig34(&r);
    if (rc == 0 && eval_report_has_experiment(&r, "modes")) rc = write_wilcoxon(&r);
    if (rc == 0 && eval_report_has_experiment(&r, "size")) rc = write_size(&r);
    if (rc == 0 && opt->figures) rc = write_figures(&r);
    if (rc == 0) rc = eval_report_write_comparison(&r); /* after the figures folder is made */
    if (rc == 0) rc = eval_report_write_examples(&r);
    if (rc == 0) print_summary(&r);
    free(missing);
    free(absent);
    free(r.order);
    free(r.groups);
    free(r.tasks);
    eval_result_set_free(&r.all);
    return rc;
}
