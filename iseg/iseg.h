/* An interactive segmenter: an image, then clicks, then a probability map.
 *
 * The study's baselines (RITM, FocalClick, SimpleClick; ../docs or baselines.md) implement
 * this interface, each in its own folder beside sam/, and eval/ is written against it. A call
 * is what the authors' evaluate_sample_onepass does: set the image, then one prediction from
 * all clicks at once with a fresh state (previous mask = zeros), mask = prob > 0.49f. */
#ifndef SAMC_ISEG_ISEG_H
#define SAMC_ISEG_ISEG_H

#include <stdint.h>

#include "weights/samw.h"

/* The official Click(is_positive, coords=(row, col)): integer pixel coordinates of the input
 * image, row = y, col = x. */
typedef struct {
    int is_positive;
    int row, col;
} iseg_click;

/* evaluate_sample_onepass's pred_thr, compared in float32 */
#define ISEG_THRESHOLD 0.49f

typedef struct iseg iseg;
typedef struct {
    const char *family; /* samw_family of the models it runs: "ritm", "focalclick", "simpleclick" */
    /* predictor.set_input_image: rgb[H][W][3] uint8, as given (the study's max-normalised image).
     * The model keeps what it needs; rgb may be freed after. 0 or -1. */
    int (*set_image)(iseg *m, const uint8_t *rgb, int H, int W);
    /* predictor.get_prediction with clicks[0..n) in click order (n >= 1): prob[H][W], the
     * predictor's final probability map. 0 or -1. */
    int (*predict)(iseg *m, const iseg_click *clicks, int n, float *prob);
    void (*free)(iseg *m);
} iseg_ops;

/* Every model's struct starts with this. */
struct iseg {
    const iseg_ops *ops;
};

/* Builds the model a version-2 .samw holds (its family decides which); the model points into
 * w's mapping, so w must outlive it. NULL with a message. */
iseg *iseg_open(const samw *w);
int iseg_set_image(iseg *m, const uint8_t *rgb, int H, int W);
int iseg_predict(iseg *m, const iseg_click *clicks, int n, float *prob);
const char *iseg_family(const iseg *m);
void iseg_free(iseg *m);

#endif
