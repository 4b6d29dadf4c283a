/* The study's comparison on one 2D image: a baseline (RITM, SimpleClick, FocalClick; iseg/iseg.h)
 * through the iterative protocol the authors gave every method (docs/protocol.md): click 1 at
 * the center of the class mask, each next click at the center of the error region of the
 * baseline's OWN last prediction (prompts/clicks.h, the same rule as SAM's), every prediction
 * one pass with all clicks so far and a fresh state, mask = prob > 0.49. Rows: experiment
 * "iterative", setting k = 1..K, selection "single" (one output, nothing to choose), method
 * the baseline's name; their points column lists the clicks. */
#ifndef SAMC_EVAL_BASELINE_EXPERIMENTS_H
#define SAMC_EVAL_BASELINE_EXPERIMENTS_H

#include "eval/dataset.h"
#include "eval/results.h"
#include "eval/source.h"
#include "iseg/iseg.h"
#include "prompts/clicks.h"

/* Runs the protocol with K clicks for every class present in it; the image is set in m here.
 * mask_dir: as eval_run_item_experiments (masks named <method>_iterative_<k><suffix>.png), or NULL.
 * 0 or -1. */
int eval_run_item_baseline(iseg *m, const char *method, const dataset_config *c, const eval_item *it, int K,
                      click_label_rule rule, const char *mask_dir, result_set *rows);

#endif
