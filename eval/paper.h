/* The published results of Mazurowski et al. 2023 (their released CSV tables), so that
 * `samc report` can print them beside ours. */
#ifndef SAMC_EVAL_PAPER_H
#define SAMC_EVAL_PAPER_H

#define PAPER_TASKS 28
#define PAPER_MODES_ROWS 28
#define PAPER_CLICKS 9
#define PAPER_CLICK_METHODS 5

typedef struct {
    const char *task;  /* as written in Fig2 (aliases: see eval_paper_task_canonical) */
    double iou[10];    /* mode m index0 at [2(m-1)], oracle at [2(m-1)+1] */
} paper_modes_row;

typedef struct {
    const char *method;                         /* SAM, SAM (oracle), RITM, SimpleClick, FocalClick */
    double iou[PAPER_CLICKS][PAPER_TASKS];      /* [click - 1][task in eval_k_paper_click_tasks order] */
} paper_click_table;

extern const paper_modes_row eval_k_paper_modes[PAPER_MODES_ROWS];
extern const char *const eval_k_paper_click_tasks[PAPER_TASKS];
extern const paper_click_table eval_k_paper_clicks[PAPER_CLICK_METHODS];

/* The Fig2 column headers, "Mode 1: 1 point at largest object region" etc. (col 0..9). */
extern const char *const eval_k_paper_mode_headers[10];

/* The canonical task name (the fig34 tables' spelling) of any spelling the paper uses:
 * "MRI-Spine: SP" -> "MRI-Spine: SC", "CT-Hepaticvessel" -> "CT-Hepatovessel". */
const char *eval_paper_task_canonical(const char *task);
/* Index of a task in eval_k_paper_click_tasks (any alias), or -1. Tasks are ordered as there. */
int eval_paper_task_index(const char *task);
/* Published IoU of mode 1..5 (oracle 0/1) for a task, or NaN if the paper has no such task. */
double eval_paper_mode_iou(const char *task, int mode, int oracle);
/* Published IoU after `clicks` clicks (1..9) for method m of eval_k_paper_clicks, or NaN. */
double eval_paper_click_iou(const char *task, int method, int clicks);

#endif
