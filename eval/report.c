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
#include "eval/measure.h"
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

/* ---- measurements --------------------------------------------------------------------- */

report_key eval_report_sam(eval_experiment exp, int step, eval_selection sel) {
    return (report_key){.exp = exp, .step = step, .sel = sel};
}

report_key eval_report_sam_setting(eval_experiment exp, const char *setting, eval_selection sel) {
    return (report_key){.exp = exp, .setting = setting, .sel = sel};
}

report_key eval_report_baseline(const char *method, int clicks) {
    return (report_key){.exp = EXPERIMENT_ITERATIVE, .step = clicks, .sel = SELECTION_SINGLE, .method = method};
}

/* A row's measurement: its setting as written; SAM's selection or the baseline's method. */
static report_key key_of(const result_row *r) {
    int sam = !strcmp(r->method, RESULTS_METHOD_SAM);
    return (report_key){.exp = r->exp, .setting = r->setting, .step = r->step, .sel = r->sel,
                        .method = sam ? NULL : r->method};
}

/* The baselines' families in the paper's order: their published curves are 2, 3, 4 of
 * eval_k_paper_clicks, and their groups follow SAM's in this order. */
#define N_FAMILIES 3
static const char *const k_families[N_FAMILIES] = {"ritm", "simpleclick", "focalclick"};

static int family_of(const char *method) {
    for (int i = 0; i < N_FAMILIES; i++)
        if (!strcmp(method, k_families[i])) return i;
    return -1;
}

int eval_report_paper_curve(const char *method) {
    int f = family_of(method);
    return f < 0 ? -1 : 2 + f;
}

/* ---- ordering ----------------------------------------------------------------------- */

/* Tasks in the paper's order (fig34 columns), then others by name. */
static int cmp_task(const char *a, const char *b) {
    int ia = eval_paper_task_index(a), ib = eval_paper_task_index(b);
    if (ia < 0) ia = PAPER_TASKS;
    if (ib < 0) ib = PAPER_TASKS;
    return ia != ib ? ia - ib : strcmp(a, b);
}

/* What tells a measurement's rows apart besides experiment and setting: SAM's selection, or
 * for a baseline (one output, selection "single") its method, so SAM's tables never see a
 * baseline's rows (samc eval reserves SAM's names). SAM's rules come first, then the
 * baselines in the paper's order, then any other by name ("gt", a baseline named otherwise). */
#define OTHER_CHOICE (N_SAM_SELECTIONS + N_FAMILIES)
static int choice_rank(const report_key *k) {
    if (k->method) {
        int f = family_of(k->method);
        return f < 0 ? OTHER_CHOICE : N_SAM_SELECTIONS + f;
    }
    return k->sel < N_SAM_SELECTIONS ? (int)k->sel : OTHER_CHOICE;
}

static const char *choice_name(const report_key *k) { return k->method ? k->method : eval_selection_name(k->sel); }

/* Experiment, setting (version order: 2 before 10), choice. Both settings given. */
static int cmp_key(const report_key *x, const report_key *y) {
    int c = (int)x->exp - (int)y->exp;
    if (c) return c;
    if ((c = strverscmp(x->setting, y->setting))) return c;
    if ((c = choice_rank(x) - choice_rank(y))) return c;
    return strcmp(choice_name(x), choice_name(y));
}

static int cmp_measure(const result_row *x, const result_row *y) {
    report_key kx = key_of(x), ky = key_of(y);
    return cmp_key(&kx, &ky);
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

/* ---- groups: all rows of one measurement in one task -------------------------------------- */

/* Binary search: the groups are sorted by task (cmp_task), then measurement (cmp_key). */
report_group *eval_report_find_group(const report *r, const char *task, report_key k) {
    char step[16];
    if (!k.setting) {
        snprintf(step, sizeof step, "%d", k.step); /* as samc eval writes it */
        k.setting = step;
    }
    size_t lo = 0, hi = r->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const report_group *g = &r->groups[mid];
        int c = cmp_task(g->task, task);
        if (!c) c = cmp_key(&g->key, &k);
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

/* The tables are made of the experiments and selections this samc knows (eval/measure.h): a
 * row with another name (from a results file this samc did not write) is refused, naming
 * its file. */
static int check_names(const report *r) {
    for (size_t i = 0; i < r->all.n; i++) {
        const result_row *row = &r->all.rows[i];
        if (row->exp != EXPERIMENT_UNKNOWN && row->sel != SELECTION_UNKNOWN) continue;
        int exp = row->exp == EXPERIMENT_UNKNOWN;
        char *path = eval_results_item_path(r->out, row->image);
        util_err("%s: unknown %s '%s' (image %s, class %s of task '%s'): not written by this samc",
                 path ? path : r->out, exp ? "experiment" : "selection", exp ? row->experiment : row->selection,
                 row->image, row->cls, row->task);
        free(path);
        return -1;
    }
    return 0;
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
        g->task = a->task, g->key = key_of(a);
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

/* ---- lookups ------------------------------------------------------------------------------ */

double eval_report_task_mean(const report *r, const char *task, report_key k) {
    const report_group *g = eval_report_find_group(r, task, k);
    return g ? g->mean_iou : NAN;
}

int eval_report_has_experiment(const report *r, eval_experiment exp) {
    for (size_t i = 0; i < r->n_groups; i++)
        if (r->groups[i].key.exp == exp) return 1;
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
    int curve_or_oracle, count;
} paper_entry;

static double ours_in(const report *r, const char *task, const void *arg) {
    return eval_report_task_mean(r, task, *(const report_key *)arg);
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

double eval_report_cross_task(const report *r, report_key k) { return mean_over_tasks(r, ours_in, &k); }
double eval_report_cross_task_paper_clicks(const report *r, int curve, int clicks) {
    return mean_over_tasks(r, paper_clicks_in, &(paper_entry){curve, clicks});
}
double eval_report_cross_task_paper_modes(const report *r, int points, int oracle) {
    return mean_over_tasks(r, paper_modes_in, &(paper_entry){oracle, points});
}

/* The stratified bootstrap CI of the cross-task mean (images resampled within tasks). */
int eval_report_cross_task_ci(const report *r, report_key k, double *lo, double *hi) {
    size_t total = 0;
    for (int t = 0; t < r->n_tasks; t++) {
        const report_group *g = eval_report_find_group(r, r->tasks[t], k);
        if (g) total += g->n;
    }
    double *v = util_xmalloc_array(total ? total : 1, sizeof *v);
    size_t *start = util_xmalloc_array((size_t)r->n_tasks + 1, sizeof *start);
    int rc = -1;
    if (v && start) {
        size_t n = 0;
        for (int t = 0; t < r->n_tasks; t++) {
            start[t] = n;
            const report_group *g = eval_report_find_group(r, r->tasks[t], k);
            if (g) n += group_values(g, 0, v + n);
        }
        start[r->n_tasks] = n;
        rc = stratified_bootstrap_ci(v, start, r->n_tasks, r->opt->n_boot, r->opt->seed, lo, hi);
    }
    free(v);
    free(start);
    return rc;
}

/* ---- the paper's values ------------------------------------------------------------------- */

/* The published click curve (eval_k_paper_clicks) of an iterative measurement: SAM's output 0
 * (curve 0) and oracle (1), a baseline's family; -1: none. */
static int paper_clicks_curve(const report_key *k) {
    if (k->exp != EXPERIMENT_ITERATIVE) return -1;
    if (k->method) return eval_report_paper_curve(k->method);
    return k->sel == SELECTION_INDEX0 ? 0 : k->sel == SELECTION_ORACLE ? 1 : -1;
}

/* The published mode table's oracle column (0 or 1) of SAM's modes measurement; -1: none. */
static int paper_modes_oracle(const report_key *k) {
    if (k->exp != EXPERIMENT_MODES || k->method) return -1;
    return k->sel == SELECTION_INDEX0 ? 0 : k->sel == SELECTION_ORACLE ? 1 : -1;
}

/* The published IoU of a measurement in a task, or NaN. */
static double paper_value(const char *task, const report_key *k) {
    int curve = paper_clicks_curve(k), oracle = paper_modes_oracle(k);
    if (k->step < 1) return NAN;
    if (curve >= 0) return eval_paper_click_iou(task, curve, k->step);
    return oracle >= 0 ? eval_paper_mode_iou(task, k->step, oracle) : NAN;
}

/* The paper's cross-task mean of a measurement over our tasks, or NaN. */
static double paper_cross_task(const report *r, const report_key *k) {
    int curve = paper_clicks_curve(k), oracle = paper_modes_oracle(k);
    if (k->step < 1) return NAN;
    if (curve >= 0) return eval_report_cross_task_paper_clicks(r, curve, k->step);
    return oracle >= 0 ? eval_report_cross_task_paper_modes(r, k->step, oracle) : NAN;
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

/* ---- SAM's tables ------------------------------------------------------------------------- */

static int write_summary(const report *r) {
    strbuf b = {0};
    eval_sb_puts(&b, "task,experiment,setting,selection,n,mean_iou,ci95_low,ci95_high,mean_dice,paper_iou,difference,"
                "method\n");
    for (size_t i = 0; i < r->n_groups; i++) {
        const report_group *g = &r->groups[i];
        const result_row *row = g->rows[0];
        const char *f[4] = {g->task, row->experiment, row->setting, row->selection};
        for (int k = 0; k < 4; k++) eval_csv_field(&b, f[k]), eval_sb_puts(&b, ",");
        eval_sb_printf(&b, "%zu,", g->n_iou);
        double pv = paper_value(g->task, &g->key);
        double vals[6] = {g->mean_iou, g->lo, g->hi, g->mean_dice, pv, g->mean_iou - pv};
        for (int k = 0; k < 6; k++) eval_report_put_num(&b, vals[k]), eval_sb_puts(&b, ",");
        eval_csv_field(&b, row->method), eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/summary.csv", &b);
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
            seen = eval_report_find_group(r, r->tasks[t], g->key) != NULL;
        if (seen || g->key.exp == EXPERIMENT_SIZE) continue;
        int n_tasks = 0;
        for (int t = 0; t < r->n_tasks; t++) n_tasks += eval_report_find_group(r, r->tasks[t], g->key) != NULL;
        double m = eval_report_cross_task(r, g->key), lo = NAN, hi = NAN;
        eval_report_cross_task_ci(r, g->key, &lo, &hi);
        double pv = paper_cross_task(r, &g->key);
        const result_row *row = g->rows[0];
        eval_csv_field(&b, row->experiment), eval_report_put_field(&b, row->setting), eval_sb_puts(&b, ",");
        eval_csv_field(&b, row->selection);
        eval_sb_printf(&b, ",%d,", n_tasks);
        double vals[5] = {m, lo, hi, pv, m - pv};
        for (int k = 0; k < 5; k++) eval_report_put_num(&b, vals[k]), eval_sb_puts(&b, ",");
        eval_csv_field(&b, row->method), eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/overview.csv", &b);
}

/* The Fig2 tables: a header line ",Dataset_names" and the columns' names (put_header), then
 * a line per task, in the Fig2 file's row order and then the others, "<i>,<task>" and its
 * cells (put_cells). */
static int write_fig2_table(const report *r, const char *rel, void (*put_header)(strbuf *),
                            void (*put_cells)(const report *, const char *, strbuf *)) {
    const char **tasks = util_xmalloc_array((size_t)r->n_tasks + 1, sizeof *tasks);
    if (!tasks) return -1;
    int nt = 0;
    for (int i = 0; i < PAPER_MODES_ROWS; i++) {
        const char *t = eval_paper_task_canonical(eval_k_paper_modes[i].task);
        for (int k = 0; k < r->n_tasks; k++)
            if (!strcmp(eval_paper_task_canonical(r->tasks[k]), t)) tasks[nt++] = r->tasks[k];
    }
    for (int k = 0; k < r->n_tasks; k++)
        if (eval_paper_task_index(r->tasks[k]) < 0) tasks[nt++] = r->tasks[k];
    strbuf b = {0};
    eval_sb_puts(&b, ",Dataset_names");
    put_header(&b);
    eval_sb_puts(&b, "\n");
    for (int t = 0; t < nt; t++) {
        eval_sb_printf(&b, "%d,", t), eval_csv_field(&b, tasks[t]);
        put_cells(r, tasks[t], &b);
        eval_sb_puts(&b, "\n");
    }
    free(tasks);
    return eval_report_save(r, rel, &b);
}

/* Fig2's columns: mode c / 2 + 1, output 0 (c even) or oracle (c odd). */
static report_key fig2_column(int c) {
    return eval_report_sam(EXPERIMENT_MODES, c / 2 + 1, c % 2 ? SELECTION_ORACLE : SELECTION_INDEX0);
}

static void fig2_modes_header(strbuf *b) {
    for (int c = 0; c < 10; c++) eval_report_put_field(b, eval_k_paper_mode_headers[c]);
}
static void fig2_modes_cells(const report *r, const char *task, strbuf *b) {
    for (int c = 0; c < 10; c++) eval_report_put_cell(b, eval_report_task_mean(r, task, fig2_column(c)));
}

/* fig2_modes_vs_paper.csv: each column ours, the paper's, the difference. */
static void fig2_vs_paper_header(strbuf *b) {
    for (int c = 0; c < 10; c++) {
        eval_report_put_field(b, eval_k_paper_mode_headers[c]);
        eval_sb_printf(b, ",%s (paper),%s (difference)", eval_k_paper_mode_headers[c], eval_k_paper_mode_headers[c]);
    }
}
static void fig2_vs_paper_cells(const report *r, const char *task, strbuf *b) {
    for (int c = 0; c < 10; c++) {
        double v = eval_report_task_mean(r, task, fig2_column(c)), p = eval_paper_mode_iou(task, c / 2 + 1, c % 2);
        eval_report_put_cell(b, v), eval_report_put_cell(b, p), eval_report_put_cell(b, v - p);
    }
}

/* fig2_modes_best_predicted.csv: the five modes with SAM's best-scored output (not published). */
static void fig2_best_header(strbuf *b) {
    for (int m = 1; m <= 5; m++) eval_sb_printf(b, ",Mode %d (best predicted IoU)", m);
}
static void fig2_best_cells(const report *r, const char *task, strbuf *b) {
    for (int m = 1; m <= 5; m++)
        eval_report_put_cell(b, eval_report_task_mean(r, task, eval_report_sam(EXPERIMENT_MODES, m,
                                                                                SELECTION_BEST_PREDICTED)));
}

int eval_report_write_fig34(const report *r, report_key clicks, const char *rel) {
    strbuf b = {0};
    eval_sb_puts(&b, "Num of points");
    for (int t = 0; t < r->n_tasks; t++) eval_report_put_field(&b, r->tasks[t]);
    eval_sb_puts(&b, "\n");
    for (int k = 1; k <= PAPER_CLICKS; k++) {
        clicks.setting = NULL, clicks.step = k;
        eval_sb_printf(&b, "%d", k);
        for (int t = 0; t < r->n_tasks; t++) eval_report_put_cell(&b, eval_report_task_mean(r, r->tasks[t], clicks));
        eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, rel, &b);
}

int eval_report_write_fig34_vs_paper(const report *r, const report_key *c, const char *const *suffix, int n,
                                     const char *rel) {
    strbuf b = {0};
    eval_sb_puts(&b, "Num of points");
    for (int t = 0; t < r->n_tasks; t++)
        for (int i = 0; i < n; i++) {
            const char *task = r->tasks[t], *s = suffix[i];
            eval_sb_printf(&b, ",%s%s,%s%s (paper),%s%s (difference)", task, s, task, s, task, s);
        }
    eval_sb_puts(&b, "\n");
    for (int k = 1; k <= PAPER_CLICKS; k++) {
        eval_sb_printf(&b, "%d", k);
        for (int t = 0; t < r->n_tasks; t++)
            for (int i = 0; i < n; i++) {
                report_key key = c[i];
                key.setting = NULL, key.step = k;
                double v = eval_report_task_mean(r, r->tasks[t], key), p = paper_value(r->tasks[t], &key);
                eval_report_put_cell(&b, v), eval_report_put_cell(&b, p), eval_report_put_cell(&b, v - p);
            }
        eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, rel, &b);
}

/* fig4_average.csv: the cross-task means after each click, ours and the paper's over the same
 * tasks, then the baselines' (ours). */
static int write_fig4_average(const report *r) {
    const char *methods[8];
    int n_m = eval_report_baseline_methods(r, methods, 8);
    strbuf b = {0};
    eval_sb_puts(&b, "Num of points,SAM,SAM (oracle),SAM (best predicted)");
    for (int m = 0; m < PAPER_CLICK_METHODS; m++) eval_sb_printf(&b, ",%s (paper)", eval_k_paper_clicks[m].method);
    for (int m = 0; m < n_m; m++) eval_report_put_field(&b, methods[m]);
    eval_sb_puts(&b, "\n");
    for (int k = 1; k <= PAPER_CLICKS; k++) {
        eval_sb_printf(&b, "%d", k);
        for (int s = 0; s < N_SAM_SELECTIONS; s++)
            eval_report_put_cell(&b, eval_report_cross_task(r, eval_report_sam(EXPERIMENT_ITERATIVE, k,
                                                                               (eval_selection)s)));
        for (int m = 0; m < PAPER_CLICK_METHODS; m++)
            eval_report_put_cell(&b, eval_report_cross_task_paper_clicks(r, m, k));
        for (int m = 0; m < n_m; m++)
            eval_report_put_cell(&b, eval_report_cross_task(r, eval_report_baseline(methods[m], k)));
        eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/fig4_average.csv", &b);
}

/* fig34_sam*.csv: per SAM selection; fig34_sam_vs_paper.csv: output 0 and oracle, each beside
 * the published curve. */
static int write_fig34_sam(const report *r) {
    static const char *const files[N_SAM_SELECTIONS] = {"tables/fig34_sam.csv", "tables/fig34_sam_oracle.csv",
                                                        "tables/fig34_sam_best_predicted.csv"};
    int rc = 0;
    for (int s = 0; s < N_SAM_SELECTIONS && rc == 0; s++)
        rc = eval_report_write_fig34(r, eval_report_sam(EXPERIMENT_ITERATIVE, 0, (eval_selection)s), files[s]);
    const report_key vs[2] = {eval_report_sam(EXPERIMENT_ITERATIVE, 0, SELECTION_INDEX0),
                              eval_report_sam(EXPERIMENT_ITERATIVE, 0, SELECTION_ORACLE)};
    static const char *const suffix[2] = {"", " (oracle)"};
    if (rc == 0) rc = eval_report_write_fig34_vs_paper(r, vs, suffix, 2, "tables/fig34_sam_vs_paper.csv");
    return rc;
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
        for (int s = 0; s < N_SAM_SELECTIONS; s++)
            for (int ma = 1; ma <= 5; ma++)
                for (int mb = ma + 1; mb <= 5; mb++) {
                    eval_selection sel = (eval_selection)s;
                    const report_group *ga = eval_report_find_group(r, r->tasks[t],
                                                                    eval_report_sam(EXPERIMENT_MODES, ma, sel));
                    const report_group *gb = eval_report_find_group(r, r->tasks[t],
                                                                    eval_report_sam(EXPERIMENT_MODES, mb, sel));
                    if (!ga || !gb) continue;
                    size_t n = eval_report_pair_up(ga, gb, x, y);
                    wilcoxon_result wr;
                    if (metrics_wilcoxon_signed_rank(x, y, n, &wr)) {
                        free(x), free(y), eval_sb_free(&b);
                        return -1;
                    }
                    eval_csv_field(&b, r->tasks[t]);
                    eval_sb_printf(&b, ",%s,%d,%d,%zu,%zu,", eval_selection_name(sel), ma, mb, n, wr.n);
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

/* The size rows' object area fraction of a task. */
static const report_group *area_group(const report *r, const char *task) {
    return eval_report_find_group(r, task, eval_report_sam_setting(EXPERIMENT_SIZE, "area_fraction", SELECTION_GT));
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
        for (int s = 0; s < N_SAM_SELECTIONS; s++)
            for (int m = 1; m <= 5; m++) {
                report_key mode = eval_report_sam(EXPERIMENT_MODES, m, (eval_selection)s);
                size_t pooled = 0;
                for (int t = 0; t <= r->n_tasks; t++) {
                    size_t n;
                    const char *task = t < r->n_tasks ? r->tasks[t] : "all tasks";
                    if (t < r->n_tasks) {
                        const report_group *gs = area_group(r, task), *gm = eval_report_find_group(r, task, mode);
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
                    eval_sb_printf(&b, ",%s,%d,%s,%zu,", eval_experiment_name(EXPERIMENT_MODES), m,
                                   eval_selection_name(mode.sel), cr.n);
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

/* SAM's tables (the baselines': eval/report_compare.c). */
static int write_tables(const report *r) {
    int modes = eval_report_has_experiment(r, EXPERIMENT_MODES);
    int rc = write_summary(r);
    if (rc == 0) rc = write_overview(r);
    if (rc == 0 && modes) rc = write_fig2_table(r, "tables/fig2_modes.csv", fig2_modes_header, fig2_modes_cells);
    if (rc == 0 && modes)
        rc = write_fig2_table(r, "tables/fig2_modes_vs_paper.csv", fig2_vs_paper_header, fig2_vs_paper_cells);
    if (rc == 0 && modes)
        rc = write_fig2_table(r, "tables/fig2_modes_best_predicted.csv", fig2_best_header, fig2_best_cells);
    if (rc == 0 && eval_report_has_experiment(r, EXPERIMENT_ITERATIVE)) rc = write_fig34_sam(r);
    if (rc == 0 && eval_report_has_experiment(r, EXPERIMENT_ITERATIVE)) rc = write_fig4_average(r);
    if (rc == 0 && modes) rc = write_wilcoxon(r);
    if (rc == 0 && eval_report_has_experiment(r, EXPERIMENT_SIZE)) rc = write_size(r);
    return rc;
}

/* ---- figures ----------------------------------------------------------------------------- */

/* Saves a drawn canvas as OUT/figures/name and frees it. 0 or -1. */
static int save_canvas(const report *r, const char *name, canvas *c) {
    char rel[128];
    snprintf(rel, sizeof rel, "figures/%s", name);
    char *path = eval_path_join(r->out, rel);
    int rc = path ? eval_canvas_save_png(c, path) : -1;
    free(path);
    eval_canvas_free(c);
    return rc;
}

int eval_report_save_figure(const report *r, const char *name, figure_kind kind, const plot_spec *p, int w, int h) {
    canvas c;
    if (eval_canvas_new(&c, w, h)) return -1;
    int rc = kind == FIGURE_BARS ? eval_plot_bars(&c, p) : kind == FIGURE_LINES ? eval_plot_lines(&c, p)
                                                                                  : eval_plot_hbars(&c, p);
    if (rc) {
        eval_canvas_free(&c);
        return -1;
    }
    return save_canvas(r, name, &c);
}

static int figure_modes(const report *r) {
    static const char *const ticks[5] = {"Mode 1", "Mode 2", "Mode 3", "Mode 4", "Mode 5"};
    double v[5][5], lo[3][5], hi[3][5];
    for (int m = 0; m < 5; m++) {
        for (int s = 0; s < N_SAM_SELECTIONS; s++) {
            report_key k = eval_report_sam(EXPERIMENT_MODES, m + 1, (eval_selection)s);
            v[s][m] = eval_report_cross_task(r, k);
            eval_report_cross_task_ci(r, k, &lo[s][m], &hi[s][m]);
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
    return eval_report_save_figure(r, "modes.png", FIGURE_BARS, &p, 1100, 560);
}

static int figure_iterative(const report *r) {
    static const char *const ticks[9] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
    double v[8][9], lo[2][9], hi[2][9];
    for (int k = 0; k < 9; k++) {
        for (int s = 0; s < 2; s++) {
            report_key key = eval_report_sam(EXPERIMENT_ITERATIVE, k + 1, (eval_selection)s);
            v[s][k] = eval_report_cross_task(r, key);
            eval_report_cross_task_ci(r, key, &lo[s][k], &hi[s][k]);
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
    return eval_report_save_figure(r, "iterative.png", FIGURE_LINES, &p, 1100, 560);
}

/* Placement: the settings "<prefix><value>" present, as one line per selection. */
static int figure_placement(const report *r, const char *prefix, const char *file, const char *title,
                            const char *x_label) {
    /* collect the distinct settings with this prefix, in order */
    const char *settings[32];
    int ns = 0;
    for (size_t i = 0; i < r->n_groups && ns < 32; i++) {
        const report_key *g = &r->groups[i].key;
        if (g->exp != EXPERIMENT_PLACEMENT || strncmp(g->setting, prefix, strlen(prefix))) continue;
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
        for (int s = 0; s < N_SAM_SELECTIONS; s++) {
            report_key key = eval_report_sam_setting(EXPERIMENT_PLACEMENT, settings[k], (eval_selection)s);
            v[s][k] = eval_report_cross_task(r, key);
            eval_report_cross_task_ci(r, key, &lo[s][k], &hi[s][k]);
        }
    }
    plot_spec p = {.title = title, .x_label = x_label, .y_label = "IoU", .n_x = ns, .x_tick = ticks,
                   .y_min = 0, .y_max = 1, .n_series = 3};
    static const char *const names[3] = {"output 0", "oracle", "best predicted"};
    for (int s = 0; s < 3; s++) p.series[s] = (plot_series){.name = names[s], .v = v[s], .lo = lo[s], .hi = hi[s]};
    return eval_report_save_figure(r, file, FIGURE_LINES, &p, 1000, 520);
}

static int figure_everything(const report *r) {
    static const char *const ticks[2] = {"best single mask", "union of masks inside"};
    static const char *const settings[2] = {"best_mask", "union"};
    double v[2], lo[2], hi[2];
    for (int k = 0; k < 2; k++) {
        report_key key = eval_report_sam_setting(EXPERIMENT_EVERYTHING, settings[k], SELECTION_ORACLE);
        v[k] = eval_report_cross_task(r, key);
        eval_report_cross_task_ci(r, key, &lo[k], &hi[k]);
    }
    plot_spec p = {.title = "Segment-everything mode: mean IoU per object (95% CI)", .x_label = "scoring",
                   .y_label = "IoU", .n_x = 2, .x_tick = ticks, .y_min = 0, .y_max = 1, .n_series = 1};
    p.series[0] = (plot_series){.name = "ours", .v = v, .lo = lo, .hi = hi};
    return eval_report_save_figure(r, "everything.png", FIGURE_BARS, &p, 900, 520);
}

/* IoU against object size, pooled over tasks: one point per image and class. */
static int figure_size(const report *r) {
    size_t cap = r->all.n ? r->all.n : 1;
    double *x[2] = {util_xmalloc_array(cap, sizeof(double)), util_xmalloc_array(cap, sizeof(double))};
    double *y[2] = {util_xmalloc_array(cap, sizeof(double)), util_xmalloc_array(cap, sizeof(double))};
    int rc = x[0] && x[1] && y[0] && y[1] ? 0 : -1;
    static const int modes[2] = {1, 3};
    size_t n[2] = {0, 0};
    double lo = INFINITY, hi = 0;
    for (int m = 0; m < 2 && rc == 0; m++)
        for (int t = 0; t < r->n_tasks; t++) {
            const report_group *gs = area_group(r, r->tasks[t]);
            const report_group *gm = eval_report_find_group(r, r->tasks[t],
                                                            eval_report_sam(EXPERIMENT_MODES, modes[m], SELECTION_INDEX0));
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
        if (rc == 0 && eval_plot_scatter_logx(&c, &sp)) {
            eval_canvas_free(&c);
            rc = -1;
        } else if (rc == 0) {
            rc = save_canvas(r, "size.png", &c);
        }
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
        report_key k = eval_report_sam(EXPERIMENT_MODES, m + 1, SELECTION_INDEX0);
        for (int t = 0; t < nt; t++) v[(size_t)m * nt + t] = eval_report_task_mean(r, r->tasks[t], k);
        p.series[m] = (plot_series){.name = names[m], .v = v + (size_t)m * nt};
    }
    int rc = eval_report_save_figure(r, "modes_per_task.png", FIGURE_HBARS, &p, 1200, 140 + nt * 62);
    free(v);
    return rc;
}

static int write_figures(const report *r) {
    char *dir = eval_path_join(r->out, "figures");
    int rc = dir ? util_make_dirs(dir) : -1;
    free(dir);
    if (rc) return -1;
    if (eval_report_has_experiment(r, EXPERIMENT_MODES) && (figure_modes(r) || figure_modes_per_task(r))) return -1;
    if (eval_report_has_experiment(r, EXPERIMENT_ITERATIVE) && figure_iterative(r)) return -1;
    if (figure_placement(r, "point_q", "placement_points.png", "Point placement: mean IoU vs depth quantile (95% CI)",
                         "quantile q of the distance to the border (0 = anywhere inside)"))
        return -1;
    if (figure_placement(r, "box_j", "placement_boxes.png", "Box jitter: mean IoU vs jitter (95% CI)",
                         "jitter, % of the box size"))
        return -1;
    if (eval_report_has_experiment(r, EXPERIMENT_EVERYTHING) && figure_everything(r)) return -1;
    if (eval_report_has_experiment(r, EXPERIMENT_SIZE) && eval_report_has_experiment(r, EXPERIMENT_MODES) &&
        figure_size(r))
        return -1;
    return 0;
}

static void print_summary(const report *r) {
    printf("%d task%s, %zu measurements\n", r->n_tasks, r->n_tasks == 1 ? "" : "s", r->all.n);
    if (!eval_report_has_experiment(r, EXPERIMENT_MODES)) return;
    printf("%-28s %8s %8s %8s %8s %8s\n", "mean IoU (output 0)", "mode 1", "mode 2", "mode 3", "mode 4", "mode 5");
    for (int pass = 0; pass < 2; pass++) {
        printf("%-28s", pass ? "paper, same tasks" : "ours");
        for (int m = 1; m <= 5; m++)
            printf(" %8.4f", pass ? eval_report_cross_task_paper_modes(r, m, 0)
                                  : eval_report_cross_task(r, eval_report_sam(EXPERIMENT_MODES, m, SELECTION_INDEX0)));
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
    if (rc == 0) rc = check_names(&r);
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
    if (rc == 0) rc = write_tables(&r);
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
