/* samc predict on several slices of a volume (--slices A:B, --all-slices): the same prompt on
 * every slice, in its displayed pixels, each slice encoded once. The outputs, into od:
 *   mask_K.nii.gz  uint8 volume with the scan's geometry: 1 where mask K of a segmented slice
 *                  is, 0 elsewhere (K: each multimask output; with --best the best of each
 *                  slice, which may be another output index from slice to slice)
 *   masks.csv      slice,mask,index,predicted_iou,stability_score,area: a row per slice and
 *                  mask (mask: K of mask_K.nii.gz; index: the model's output index; stability
 *                  empty for an empty mask)
 *   masks.json     with --json: {"slices": [{"slice": S, "masks": [...], "best": ...}, ...]}
 * No full-size or low-res logits (per slice they would be K x H x W floats each: run --slice K
 * for one slice's). On stdout, after the set is in place, predict's lines prefixed
 * "slice S: "; on stderr a progress line in slices at most every progress_every seconds. */
#ifndef SAMC_CLI_PREDICT_SLICES_H
#define SAMC_CLI_PREDICT_SLICES_H

#include "cli/image_input.h"
#include "samc.h"
#include "util/output_dir.h"

/* The files of a slice-range output set (predict's output_dir_owns adds them). */
int predict_slices_owns(const char *name);

/* im: read with a range (im->first .. last), showing slice first. Commits od. 0, or 1 after
 * printing the error (od then as it was). */
int predict_slices(const char *cmd, sam_predictor *p, cli_image *im, const sam_prompt *pr, int best, int json,
                   double progress_every, output_dir *od);

#endif
