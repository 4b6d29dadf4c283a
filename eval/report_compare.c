/* `samc report`'s comparison of SAM with the baselines (the study's Figs. 3 and 4): each
 * baseline's fig34 table and its published curve, SAM's five modes beside each baseline given
 * one click, and SAM against each baseline at 1 and 9 clicks per task (paired by image and
 * class: Wilcoxon signed-rank, bootstrap CI of the mean difference). SAM's side is its
 * iterative curve with output 0 (the paper's "SAM") and with the oracle. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/paper.h"
#include "eval/report_internal.h"
#include "metrics/metrics.h"
#include "metrics/stats.h"
#include "util/file.h"
#include "util/mem.h"

#define MAX_METHODS 8

int eval_report_baseline_methods(const report *r, const char **methods, int cap) {
    int n = 0;
    for (size_t i = 0; i < r->n_groups; i++) {
        const char *m = r->groups[i].key.method;
        int seen = !m; /* SAM's */
        for (int k = 0; k < n && !seen; k++) seen = !strcmp(methods[k], m);
        if (!seen && n < cap) methods[n++] = m;
    }
    return n;
}

/* fig34_<method>.csv (the authors' layout: clicks as rows, tasks as columns) and
 * fig34_<method>_vs_paper.csv (ours, the published value, the difference, per task). */
static int write_fig34_method(const report *r, const char *m) {
    char rel[160];
    snprintf(rel, sizeof rel, "tables/fig34_%s.csv", m);
    report_key key = eval_report_baseline(m, 0);
    int rc = eval_report_write_fig34(r, key, rel);
    static const char *const no_suffix[1] = {""};
    snprintf(rel, sizeof rel, "tables/fig34_%s_vs_paper.csv", m);
    if (rc == 0) rc = eval_report_write_fig34_vs_paper(r, &key, no_suffix, 1, rel);
    return rc;
}

/* fig3_comparison.csv: per task (and the cross-task mean) SAM's modes 1-5 (output 0) and each
 * baseline after one click, ours, then the published values of the same. */
static int write_fig3(const report *r, const char *const *methods, int n_m) {
    strbuf b = {0};
    eval_sb_puts(&b, "task");
    for (int pass = 0; pass < 2; pass++) {
        const char *sfx = pass ? " (paper)" : "";
        for (int mode = 1; mode <= 5; mode++) eval_sb_printf(&b, ",SAM mode %d%s", mode, sfx);
        for (int i = 0; i < n_m; i++) eval_sb_printf(&b, ",%s 1 click%s", methods[i], sfx);
    }
    eval_sb_puts(&b, "\n");
    for (int t = 0; t <= r->n_tasks; t++) {
        const char *task = t < r->n_tasks ? r->tasks[t] : NULL; /* the last row: over all tasks */
        eval_csv_field(&b, task ? task : "mean over tasks");
        for (int pass = 0; pass < 2; pass++) {
            for (int mode = 1; mode <= 5; mode++) {
                report_key k = eval_report_sam(EXPERIMENT_MODES, mode, SELECTION_INDEX0);
                double v = pass ? (task ? eval_paper_mode_iou(task, mode, 0) : eval_report_cross_task_paper_modes(r,
                                   mode, 0))
                           : (task ? eval_report_task_mean(r, task, k) : eval_report_cross_task(r, k));
                eval_report_put_cell(&b, v);
            }
            for (int i = 0; i < n_m; i++) {
                int curve = eval_report_paper_curve(methods[i]);
                report_key k = eval_report_baseline(methods[i], 1);
                double v;
                if (pass && curve < 0) v = NAN;
                else if (!task) v = pass ? eval_report_cross_task_paper_clicks(r, curve, 1) : eval_report_cross_task(r, k);
                else v = pass ? eval_paper_click_iou(task, curve, 1) : eval_report_task_mean(r, task, k);
                eval_report_put_cell(&b, v);
            }
        }
        eval_sb_puts(&b, "\n");
    }
    return eval_report_save(r, "tables/fig3_comparison.csv", &b);
}

/* One line of compare_baselines.csv: SAM (selection sel) against method m after k clicks in a
 * task, paired by image and class. */
static int compare_line(const report *r, strbuf *b, const char *task, eval_selection sel, const char *m, int k,
                        double *x, double *y, double *d) {
    const report_group *gs = eval_report_find_group(r, task, eval_report_sam(EXPERIMENT_ITERATIVE, k, sel));
    const report_group *gm = eval_report_find_group(r, task, eval_report_baseline(m, k));
    if (!gs || !gm) return 0;
    size_t n = eval_report_pair_up(gs, gm, x, y), nd = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) d[nd++] = x[i] - y[i];
    wilcoxon_result wr;
    bootstrap_ci ci;
    if (metrics_wilcoxon_signed_rank(x, y, n, &wr) || metrics_bootstrap_mean_ci(d, nd, r->opt->n_boot, 0.95,
        r->opt->seed, &ci))
        return -1;
    eval_csv_field(b, task);
    eval_sb_printf(b, ",%d,%s,", k, eval_selection_name(sel)), eval_csv_field(b, m);
    eval_sb_printf(b, ",%zu,", nd);
    double vals[5] = {metrics_nanmean(x, n), metrics_nanmean(y, n), ci.mean, ci.lo, ci.hi};
    for (int i = 0; i < 5; i++) eval_report_put_num(b, vals[i]), eval_sb_puts(b, ",");
    eval_report_put_num(b, wr.n ? wr.statistic : NAN);
    eval_sb_printf(b, ",%d,", wr.exact);
    if (!isnan(wr.p)) eval_sb_printf(b, "%.4g", wr.p);
    eval_sb_puts(b, "\n");
    return 0;
}

static int write_compare(const report *r, const char *const *methods, int n_m) {
    strbuf b = {0};
    eval_sb_puts(&b, "task,clicks,sam_selection,method,n_pairs,mean_iou_sam,mean_iou_method,mean_difference,"
                "difference_ci95_low,difference_ci95_high,wilcoxon_statistic,exact,p\n");
    size_t cap = r->all.n ? r->all.n : 1;
    double *x = util_xmalloc_array(cap, sizeof *x), *y = util_xmalloc_array(cap, sizeof *y),
                                   *d = util_xmalloc_array(cap, sizeof *d);
    int rc = x && y && d ? 0 : -1;
    static const int ks[2] = {1, 9};
    static const eval_selection sels[2] = {SELECTION_INDEX0, SELECTION_ORACLE};
    for (int t = 0; t < r->n_tasks && rc == 0; t++)
        for (int i = 0; i < n_m && rc == 0; i++)
            for (int k = 0; k < 2 && rc == 0; k++)
                for (int s = 0; s < 2 && rc == 0; s++)
                    rc = compare_line(r, &b, r->tasks[t], sels[s], methods[i], ks[k], x, y, d);
    free(x), free(y), free(d);
    if (rc) {
        eval_sb_free(&b);
        return -1;
    }
    return eval_report_save(r, "tables/compare_baselines.csv", &b);
}

/* comparison.png: the Fig. 4 curves, each method ours (solid) and published (dashed) in one
 * colour. */
static int figure_comparison(const report *r, const char *const *methods, int n_m) {
    static const char *const ticks[9] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};
    double v[PLOT_MAX_SERIES][9];
    char names[PLOT_MAX_SERIES][80];
    plot_spec p = {.title = "SAM and the baselines: mean IoU over tasks vs clicks", .x_label = "number of clicks",
                   .y_label = "IoU", .n_x = 9, .x_tick = ticks, .y_min = 0, .y_max = 1};
    int n_lines = 2 + n_m; /* SAM, SAM oracle, the baselines */
    if (2 * n_lines > PLOT_MAX_SERIES) n_lines = PLOT_MAX_SERIES / 2;
    for (int l = 0; l < n_lines; l++) { /* SAM's output 0 and oracle: curves 0 and 1 */
        const char *method = l < 2 ? NULL : methods[l - 2];
        int curve = method ? eval_report_paper_curve(method) : l;
        const char *label = l == 0 ? "SAM" : l == 1 ? "SAM oracle" : method;
        for (int k = 0; k < 9; k++) {
            report_key key = method ? eval_report_baseline(method, k + 1)
                                    : eval_report_sam(EXPERIMENT_ITERATIVE, k + 1, (eval_selection)l);
            v[2 * l][k] = eval_report_cross_task(r, key);
            v[2 * l + 1][k] = curve >= 0 ? eval_report_cross_task_paper_clicks(r, curve, k + 1) : NAN;
        }
        snprintf(names[2 * l], sizeof names[0], "%s (ours)", label);
        snprintf(names[2 * l + 1], sizeof names[0], "%s (paper)", label);
        for (int s = 0; s < 2; s++)
            p.series[p.n_series++] = (plot_series){.name = names[2 * l + s], .v = v[2 * l + s], .dashed = s,
                                                   .color = 1 + l % PLOT_PALETTE};
    }
    return eval_report_save_figure(r, "comparison.png", FIGURE_LINES, &p, 1150, 560);
}

/* comparison_one_click.png: the Fig. 3 bars, per task SAM's five modes and each baseline
 * after one click. */
static int figure_one_click(const report *r, const char *const *methods, int n_m) {
    int nt = r->n_tasks, ns = 5 + (n_m < PLOT_MAX_SERIES - 5 ? n_m : PLOT_MAX_SERIES - 5);
    double *v = util_xmalloc_array((size_t)nt * ns, sizeof *v);
    if (!v) return -1;
    static const char *const modes[5] = {"SAM mode 1: point", "SAM mode 2: points", "SAM mode 3: box",
                                         "SAM mode 4: boxes", "SAM mode 5: box over all"};
    char names[PLOT_MAX_SERIES][80];
    plot_spec p = {.title = "SAM's modes and the baselines given one click", .x_label = "task", .y_label = "IoU",
                   .n_x = nt, .x_tick = (const char *const *)r->tasks, .y_min = 0, .y_max = 1, .n_series = ns};
    for (int s = 0; s < ns; s++) {
        report_key k = s < 5 ? eval_report_sam(EXPERIMENT_MODES, s + 1, SELECTION_INDEX0)
                             : eval_report_baseline(methods[s - 5], 1);
        for (int t = 0; t < nt; t++) v[(size_t)s * nt + t] = eval_report_task_mean(r, r->tasks[t], k);
        snprintf(names[s], sizeof names[0], "%s", s < 5 ? modes[s] : methods[s - 5]);
        p.series[s] = (plot_series){.name = names[s], .v = v + (size_t)s * nt};
    }
    int rc = eval_report_save_figure(r, "comparison_one_click.png", FIGURE_HBARS, &p, 1200, 140 + nt * (10 * ns + 12));
    free(v);
    return rc;
}

int eval_report_write_comparison(const report *r) {
    const char *methods[MAX_METHODS];
    int n_m = eval_report_baseline_methods(r, methods, MAX_METHODS);
    if (n_m == 0) return 0;
    int rc = 0;
    for (int i = 0; i < n_m && rc == 0; i++) rc = write_fig34_method(r, methods[i]);
    if (rc == 0) rc = write_fig3(r, methods, n_m);
    if (rc == 0) rc = write_compare(r, methods, n_m);
    if (rc == 0 && r->opt->figures) rc = figure_comparison(r, methods, n_m);
    if (rc == 0 && r->opt->figures && eval_report_has_experiment(r, EXPERIMENT_MODES))
        rc = figure_one_click(r, methods, n_m);
    return rc;
}
