/* What the parts of `samc report` share (eval/report.c: SAM's tables and figures;
 * eval/report_compare.c: the comparison with the baselines): the rows grouped by measurement
 * and the statistics over them. Not installed; eval/report.h is the interface. */
#ifndef SAMC_EVAL_REPORT_INTERNAL_H
#define SAMC_EVAL_REPORT_INTERNAL_H

#include "eval/csv.h"
#include "eval/measure.h"
#include "eval/plot.h"
#include "eval/report.h"
#include "eval/results.h"

/* A measurement, as the tables ask for a task's value of it: SAM's (selection sel) or a
 * baseline's (its method; its rows' selection is "single"). Made by eval_report_sam,
 * eval_report_sam_setting and eval_report_baseline. */
typedef struct {
    eval_experiment exp;
    const char *setting; /* as written ("point_q0.3", "area_fraction", "3"); NULL: step's decimal */
    int step;            /* modes: the mode; iterative: the clicks (eval_measure_step) */
    eval_selection sel;
    const char *method;  /* a baseline's name; NULL: SAM's rows */
} report_key;

/* SAM's measurement at mode or clicks `step` (modes, iterative). */
report_key eval_report_sam(eval_experiment exp, int step, eval_selection sel);
/* SAM's measurement of a setting named otherwise (placement, size, everything). */
report_key eval_report_sam_setting(eval_experiment exp, const char *setting, eval_selection sel);
/* A baseline's iterative measurement after `clicks` clicks. */
report_key eval_report_baseline(const char *method, int clicks);

/* All rows of one measurement in one task */
typedef struct {
    const char *task;
    report_key key;    /* the rows' measurement: setting as written and its step */
    result_row **rows; /* n rows, sorted by image, class */
    size_t n;
    double mean_iou, mean_dice, lo, hi;
    size_t n_iou;
} report_group;

typedef struct {
    result_set all;
    result_row **order;
    report_group *groups;
    size_t n_groups;
    char **tasks; /* distinct tasks in order (pointers into rows) */
    int n_tasks;
    const report_options *opt;
    const char *out;
} report;

/* The group of a measurement in a task, or NULL. */
report_group *eval_report_find_group(const report *r, const char *task, report_key k);
/* A task's mean IoU of a measurement, NaN if absent. */
double eval_report_task_mean(const report *r, const char *task, report_key k);
/* The unweighted mean over r's tasks having a value (as the paper's cross-task figure) of:
 * our measurement; the published click curve (eval/paper.h eval_k_paper_clicks) at `clicks`; the
 * published mode table (oracle 0 or 1) at `points` points. */
double eval_report_cross_task(const report *r, report_key k);
double eval_report_cross_task_paper_clicks(const report *r, int curve, int clicks);
double eval_report_cross_task_paper_modes(const report *r, int points, int oracle);
/* The stratified bootstrap CI of eval_report_cross_task's mean of ours. 0 or -1. */
int eval_report_cross_task_ci(const report *r, report_key k, double *lo, double *hi);
/* 1 if some group has this experiment. */
int eval_report_has_experiment(const report *r, eval_experiment exp);
/* The published curve (index into eval_k_paper_clicks) of a baseline's method name, or -1. */
int eval_report_paper_curve(const char *method);
/* Pairs two groups' IoUs by (image, class) into x, y; returns the pairs. */
size_t eval_report_pair_up(const report_group *a, const report_group *b, double *x, double *y);
/* A number as the tables print it ("%.6f"; NaN empty). */
void eval_report_put_num(strbuf *b, double v);
/* The next cell of a CSV row: a comma, then the number (eval_report_put_num) or the field (eval_csv_field). */
void eval_report_put_cell(strbuf *b, double v);
void eval_report_put_field(strbuf *b, const char *s);
/* Writes b to OUT/rel atomically and frees it. 0 or -1. */
int eval_report_save(const report *r, const char *rel, strbuf *b);

/* An iterative measurement (SAM's selection or a baseline's; its step is each click count in
 * turn) in the authors' fig34 layout: clicks as rows, tasks as columns, into OUT/rel. 0 or -1. */
int eval_report_write_fig34(const report *r, report_key clicks, const char *rel);
/* Ours beside the published curve (NaN where the paper has none) and the difference, per task
 * and per measurement of c (n of them; suffix[i] follows the task in its header), clicks as
 * rows, into OUT/rel. 0 or -1. */
int eval_report_write_fig34_vs_paper(const report *r, const report_key *c, const char *const *suffix, int n,
                                     const char *rel);

typedef enum { FIGURE_BARS, FIGURE_LINES, FIGURE_HBARS } figure_kind;
/* Draws p as `kind` into OUT/figures/name, w x h pixels. 0 or -1. */
int eval_report_save_figure(const report *r, const char *name, figure_kind kind, const plot_spec *p, int w, int h);

/* eval/report_compare.c: the baselines' method names present (in group order) into methods
 * (at most cap). */
int eval_report_baseline_methods(const report *r, const char **methods, int cap);
/* Its tables (fig34_<method>.csv, fig34_<method>_vs_paper.csv, fig3_comparison.csv,
 * compare_baselines.csv) and figures (comparison.png, comparison_one_click.png); nothing
 * without baselines. 0 or -1. */
int eval_report_write_comparison(const report *r);

/* eval/examples.c: tables/examples.csv and figures/examples/ (eval/examples.h). 0 or -1. */
int eval_report_write_examples(const report *r);

#endif
