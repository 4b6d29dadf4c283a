#include "eval/measure.h"

#include <string.h>

static const char *const k_experiments[N_EXPERIMENTS] = {"modes", "iterative", "placement", "size", "everything"};
static const char *const k_selections[N_SELECTIONS] = {"index0", "oracle", "best_predicted", "gt", "single"};

const char *eval_experiment_name(eval_experiment e) {
    return (unsigned)e < N_EXPERIMENTS ? k_experiments[e] : "unknown";
}

const char *eval_selection_name(eval_selection s) { return (unsigned)s < N_SELECTIONS ? k_selections[s] : "unknown"; }

eval_experiment eval_experiment_from_name(const char *name) {
    int e = 0;
    while (e < N_EXPERIMENTS && strcmp(name, k_experiments[e])) e++;
    return (eval_experiment)e;
}

eval_selection eval_selection_from_name(const char *name) {
    int s = 0;
    while (s < N_SELECTIONS && strcmp(name, k_selections[s])) s++;
    return (eval_selection)s;
}

int eval_measure_step(eval_experiment e, const char *setting) {
    if (e != EXPERIMENT_MODES && e != EXPERIMENT_ITERATIVE) return 0;
    if (setting[0] < '1' || setting[0] > '9') return 0; /* no sign, space or leading zero */
    long k = 0;
    for (const char *p = setting; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        k = 10 * k + (*p - '0');
        if (k > MEASURE_MAX_STEP) return 0;
    }
    return (int)k;
}
