/* The experiments of the study on one 2D image whose embedding is already set in the
 * predictor: every class present gets rows for each enabled experiment (eval/results.h), and
 * each row records what it was made from (result_detail; OUT/prompts.csv).
 *
 *   modes       modes 1-5 (prompts/modes.h); the three outputs are scored from the same calls
 *               as index0 (the authors' default), oracle and best_predicted. In mode 4 the
 *               boxes' masks are OR-ed per output index; best_predicted takes the index with
 *               the highest summed predicted IoU over the boxes.
 *   iterative   clicks 1..K (prompts/clicks.h), one click sequence per selection rule, each
 *               call fresh with all clicks so far (setting "k"); with feedback_logits also a
 *               sequence that feeds the chosen output's low-res logits back as mask_input
 *               (setting "fbk", an extension: the authors never did).
 *   placement   one positive point drawn at depth quantile q = 0, 0.1 .. 0.9 of the largest
 *               component (setting "point_qQ"); the box of the largest component with every
 *               side jittered by up to 0, 5, 10, 15, 20 % of its size (setting "box_jJ").
 *               Draws come from a stream seeded by (seed, image, class, setting), so any
 *               shard or order gives the same prompts.
 *   size        the class mask's area fraction and component count (settings area_fraction,
 *               components; selection "gt"; the value in the iou column, dice NaN).
 *   everything  the automatic mask generator's masks of the image (sam/automatic_mask_generator.h),
 *               scored per class against the ground truth (selection "oracle": both use it):
 *               setting best_mask = the best IoU of any one generated mask; setting union = the
 *               IoU of the union of the generated masks lying mostly (> 50 % of their area)
 *               inside the class mask. How the paper scored this mode is not released. */
#ifndef SAMC_EVAL_EXPERIMENTS_H
#define SAMC_EVAL_EXPERIMENTS_H

#include <stdint.h>

#include "eval/dataset.h"
#include "eval/measure.h"
#include "eval/results.h"
#include "eval/source.h"
#include "prompts/clicks.h"
#include "sam/automatic_mask_generator.h"
#include "samc.h"

/* The experiments to run: bit e for eval_experiment e. */
enum {
    EXP_MODES = 1u << EXPERIMENT_MODES,
    EXP_ITERATIVE = 1u << EXPERIMENT_ITERATIVE,
    EXP_PLACEMENT = 1u << EXPERIMENT_PLACEMENT,
    EXP_SIZE = 1u << EXPERIMENT_SIZE,
    EXP_EVERYTHING = 1u << EXPERIMENT_EVERYTHING,
};

typedef struct {
    unsigned experiments;       /* EXP_* bits */
    int clicks;                 /* iterative: clicks per sequence (9) */
    uint64_t seed;              /* placement draws */
    click_label_rule click_rule;
    int feedback_logits;        /* iterative: also the mask_input feedback sequences */
    sam_amg_params amg;         /* everything: the generator's parameters */
} experiment_options;

/* Parses "modes,iterative,..." into EXP_* bits; 0 or -1. */
int eval_experiments_parse(const char *list, unsigned *bits);
/* The canonical text of the bits ("modes,iterative"), into buf. */
void eval_experiments_format(unsigned bits, char *buf, size_t cap);

/* Runs the enabled experiments on an item whose image is set in p; appends rows, each with
 * what it was made from (result_detail: the prompt of its SAM calls, the predicted IoU of the
 * mask scored, the target's area, the item's volume, plane and slice). everything: the
 * generator's result on the item (NULL unless EXP_EVERYTHING). mask_dir: an existing folder
 * that receives every mask a row scored as <experiment>_<setting>_<selection>.png (with
 * "_class<class>" before ".png" when the data set has several targets), or NULL. 0 or -1. */
int eval_run_item_experiments(sam_predictor *p, const dataset_config *c, const eval_item *it,
                         const experiment_options *o, const sam_amg_result *everything, const char *mask_dir,
                         result_set *rows);

/* The suffix of class k's saved masks: "" for a data set of one target, else "_class<class>"
 * (the class as a results file name). malloc'd; NULL on out of memory. */
char *eval_experiment_mask_suffix(const dataset_config *dc, int k);

#endif
