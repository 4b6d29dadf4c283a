/* Iterative click simulation (docs/protocol.md, "Iterative prompting"; the authors'
 * prompt_gen_and_exec_v1.py):
 *
 *   click 1   positive, at the center of the WHOLE class mask (all components together)
 *   click k   at the center of the error region gt XOR prediction (misses and false alarms
 *             pooled); positive iff the full label map is non-zero there (the paper's rule:
 *             on a multi-class task a false alarm lying on another class becomes a positive
 *             click), or, as an option, iff the class mask is set there.
 *
 * Clicked pixels are not excluded. If the prediction equals the ground truth the error
 * region is empty: the authors' code then takes the argmax of an all-zero map, i.e. any
 * pixel (ties drawn at random); here, consistently with prompts_region_center, it is pixel (0, 0)
 * (or a drawn pixel with ties), labelled by the same rule, and region_area reports 0 so
 * the caller can tell. The caller still predicts with it, as the authors did. */
#ifndef SAMC_PROMPTS_CLICKS_H
#define SAMC_PROMPTS_CLICKS_H

#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"

typedef enum {
    CLICK_LABEL_FULL_MAP = 0,   /* positive iff label_map != 0 at the click (paper) */
    CLICK_LABEL_CLASS_MASK = 1, /* positive iff gt != 0 at the click */
} click_label_rule;

typedef struct {
    double x, y;        /* column, row */
    int label;          /* 1 positive, 0 negative */
    size_t region_area; /* pixels of the region whose center was taken (0: empty error) */
} click;

/* Click 1: positive, at the center of gt (h x w). Fails on an empty gt. */
int prompts_click_first(const uint8_t *gt, int h, int w, samc_rng *ties, click *out);

/* The next click from gt, the full label map (may be NULL with CLICK_LABEL_CLASS_MASK)
 * and the current binary prediction pred. */
int prompts_click_next(const uint8_t *gt, const uint8_t *label_map, const uint8_t *pred, int h, int w,
               click_label_rule rule, samc_rng *ties, click *out);

#endif
