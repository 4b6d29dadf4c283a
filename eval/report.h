/* `samc report OUT`: the tables and figures of a run folder.
 *
 *   OUT/per_image.csv      every measurement: task,image,class,experiment,setting,selection,iou,dice
 *   OUT/prompts.csv        row for row the same measurements: their key and what each was made
 *                          from (PROMPTS_HEADER, eval/results.h); a results file of a samc before
 *                          it has empty detail, and its images are named on stderr
 *   OUT/tables/overview.csv  per measurement: the mean over tasks, its CI, the paper's mean
 *   OUT/tables/summary.csv per (task, experiment, setting, selection): n, mean IoU with a 95%
 *                          bootstrap CI (images resampled), mean Dice, the published IoU and the
 *                          difference
 *   OUT/tables/fig2_modes.csv, fig34_sam.csv, fig4_average.csv (and variants)
 *                          the layouts of the authors' released tables, ours and beside theirs
 *   OUT/tables/wilcoxon_modes.csv   paired Wilcoxon signed-rank tests between modes, per task
 *   OUT/tables/size_correlation.csv Spearman correlation of IoU with object area fraction
 *   OUT/figures/NAME.png   modes (bars), iterative (IoU vs clicks), placement (IoU vs quantile,
 *                          vs box jitter), everything mode, IoU vs object size
 *   OUT/tables/examples.csv, OUT/figures/examples/   the best, median and worst example of
 *                          modes 1 and 3 and the last click of each method per task, drawn
 *                          over the image when eval saved the masks (eval/examples.h)
 *   OUT/tables/incomplete.txt  "incomplete: shard 2/3 missing; 4 images without results: ..."
 *                          when the run lacks shards or images (OUT/shards.conf, results.h),
 *                          and "skipped: 1 image could not be read, see skipped.txt" when
 *                          `samc eval --skip-bad` skipped files (eval/skipped.h); the same is
 *                          printed to stderr, and the tables are made from the images there
 *                          are. Absent when nothing is missing or skipped.
 * A recorded class (OUT/shards.conf) without rows is named on stderr: as never occurring in the
 * masks when every image has its results, else as having no rows yet; a run without any row
 * is refused with that reason ("no results: class 7 of task 'X' never occurs in the masks")
 * rather than "no results yet".
 * A row whose experiment or selection is none of eval/measure.h's names (a results file this
 * samc did not write) is refused, naming its file, before anything is written.
 * Deterministic: the bootstrap draws from a seeded stream. */
#ifndef SAMC_EVAL_REPORT_H
#define SAMC_EVAL_REPORT_H

#include <stdint.h>

#define INCOMPLETE_FILE "incomplete.txt"

typedef struct {
    int n_boot;     /* bootstrap resamples (default 2000) */
    uint64_t seed;  /* bootstrap seed */
    int figures;    /* 1: write the PNG figures */
} report_options;

/* Writes the report of a run folder. Prints a short summary to stdout. 0 or -1. */
int eval_report_write(const char *out, const report_options *opt);

#endif
