#include "eval/paper.h"

#include <math.h>
#include <string.h>

const char *const eval_k_paper_mode_headers[10] = {
    "Mode 1: 1 point at largest object region", "Mode 1 (oracle): 1 point at largest object region",
    "Mode 2: 1 point at each object region",    "Mode 2 (oracle): 1 point at each object region",
    "Mode 3: 1 box at largest object region",   "Mode 3 (oracle): 1 box at largest object region",
    "Mode 4: 1 box at each object region",      "Mode 4 (oracle): 1 box at each object region",
    "Mode 5: 1 box cover all objects",          "Mode 5 (oracle): 1 box cover all objects",
};

/* The known differences between the released files (docs/protocol.md). */
static const char *const k_aliases[][2] = {
    {"MRI-Spine: SP", "MRI-Spine: SC"},
    {"CT-Hepaticvessel", "CT-Hepatovessel"},
};

const char *eval_paper_task_canonical(const char *task) {
    for (size_t i = 0; i < sizeof k_aliases / sizeof k_aliases[0]; i++)
        if (!strcmp(task, k_aliases[i][0])) return k_aliases[i][1];
    return task;
}

int eval_paper_task_index(const char *task) {
    const char *t = eval_paper_task_canonical(task);
    for (int i = 0; i < PAPER_TASKS; i++)
        if (!strcmp(t, eval_k_paper_click_tasks[i])) return i;
    return -1;
}

double eval_paper_mode_iou(const char *task, int mode, int oracle) {
    const char *t = eval_paper_task_canonical(task);
    if (mode < 1 || mode > 5) return NAN;
    for (int i = 0; i < PAPER_MODES_ROWS; i++)
        if (!strcmp(t,
            eval_paper_task_canonical(eval_k_paper_modes[i].task))) return eval_k_paper_modes[i].iou[2 * (mode - 1) + !!oracle];
    return NAN;
}

double eval_paper_click_iou(const char *task, int method, int clicks) {
    int i = eval_paper_task_index(task);
    if (i < 0 || method < 0 || method >= PAPER_CLICK_METHODS || clicks < 1 || clicks > PAPER_CLICKS) return NAN;
    return eval_k_paper_clicks[method].iou[clicks - 1][i];
}
