/* The example overlays of `samc report` (the study's qualitative figures) and what `samc eval
 * --save-masks` keeps for them.
 *
 * At eval time, beside the masks every row scored (OUT/masks/<image>/, eval/experiments.h),
 * each image's folder receives what an overlay needs besides the mask and the prompt (which
 * the results hold), so that the report reads the run folder only:
 *   image.png         the image as SAM and the baselines got it (8-bit grey when its three
 *                     channels are equal, as the data sets' images mostly are, else RGB)
 *   gt<suffix>.png    the ground truth of each target present in the image (1-bit), suffix as
 *                     the masks' ("" for a data set of one target, else "_class<class>")
 * written atomically before the image's results file, like the masks.
 *
 * The report (eval_report_write_examples, eval/report_internal.h) picks, per task, the best, median
 * and worst row by IoU of SAM's mode 1, mode 3 and its last iterative click (output 0: index0;
 * the paper's k = 9) and of each baseline's last click (rows with an IoU; ties go to the first
 * image in image and class order; the median of n rows is the ((n + 1) / 2)-th worst, rounded
 * down) and draws each with eval/overlay.h: OUT/figures/examples/<task>_<measurement>_<rank>.png
 * (measurement mode1, mode3, iterative9, <method>_iterative9; rank best, median, worst; the
 * name made safe as results file names are: eval_results_item_name). OUT/tables/examples.csv lists
 * them: task,measurement,rank,image,class,iou,file (file relative to OUT; empty when the
 * example was not drawn). An example whose image, ground truth or mask was not saved (a run
 * without --save-masks, images computed by an older samc or in a resumed run without the flag,
 * a merge whose shards' masks/ were not copied) is listed and not drawn, with one note line on
 * stderr for all of them; --no-figures draws none. */
#ifndef SAMC_EVAL_EXAMPLES_H
#define SAMC_EVAL_EXAMPLES_H

#include "eval/dataset.h"
#include "eval/source.h"

#define EXAMPLES_IMAGE_FILE "image.png"

/* Writes MASK_DIR/image.png and MASK_DIR/gt<suffix>.png for each class present in it. 0 or -1. */
int eval_examples_save_inputs(const char *mask_dir, const dataset_config *dc, const eval_item *it);

#endif
