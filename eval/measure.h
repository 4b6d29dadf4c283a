/* What a row of results measures besides its task, image and class: the experiment, the
 * setting within it, and the selection that picked the scored mask. The names are the
 * experiment and selection columns of the results files and per_image.csv (eval/README.md);
 * this is their one table: samc eval writes them from it and samc report reads them back
 * into these types, once per row (eval/results.h). */
#ifndef SAMC_EVAL_MEASURE_H
#define SAMC_EVAL_MEASURE_H

/* In the order the report lists them (and EXP_* bit i of eval/experiments.h). */
typedef enum {
    EXPERIMENT_MODES,      /* "modes": setting the mode, 1..5 */
    EXPERIMENT_ITERATIVE,  /* "iterative": setting the clicks so far; fbK with the logits fed back */
    EXPERIMENT_PLACEMENT,  /* "placement": point_qQ, box_jJ */
    EXPERIMENT_SIZE,       /* "size": area_fraction, components */
    EXPERIMENT_EVERYTHING, /* "everything": best_mask, union */
    EXPERIMENT_UNKNOWN,    /* none of these names: a results file this samc did not write */
} eval_experiment;
#define N_EXPERIMENTS EXPERIMENT_UNKNOWN

typedef enum {
    SELECTION_INDEX0,         /* "index0": SAM's first output (the authors' default) */
    SELECTION_ORACLE,         /* "oracle": the output best against the ground truth */
    SELECTION_BEST_PREDICTED, /* "best_predicted": the output SAM scores highest */
    SELECTION_GT,             /* "gt": the size rows, measured on the ground truth */
    SELECTION_SINGLE,         /* "single": a baseline's one output */
    SELECTION_UNKNOWN,        /* none of these names */
} eval_selection;
#define N_SELECTIONS SELECTION_UNKNOWN
/* SAM's rules among them, the first three: a modes, iterative or placement row has one each */
#define N_SAM_SELECTIONS 3

/* The largest mode or click count a setting names (settings are 1..100 in practice). */
#define MEASURE_MAX_STEP 999999

/* The column's name ("modes", "index0"); "unknown" for the UNKNOWN value. */
const char *eval_experiment_name(eval_experiment e);
const char *eval_selection_name(eval_selection s);
/* The value of a column's name; the UNKNOWN value for any other text. */
eval_experiment eval_experiment_from_name(const char *name);
eval_selection eval_selection_from_name(const char *name);
/* The mode (modes) or the clicks (iterative) a setting names, 1..MEASURE_MAX_STEP, as samc eval
 * writes it (decimal digits, no sign or leading zero); 0 for any other experiment or setting
 * ("fb3", "point_q0.3"). */
int eval_measure_step(eval_experiment e, const char *setting);

#endif
