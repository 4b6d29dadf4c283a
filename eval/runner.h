/* `samc eval`: runs the study's experiments over a data set into a run folder.
 *
 *   OUT/run.conf      what the results depend on (model and data set digests, options);
 *                     a resumed run must match it, `samc merge` checks shards agree
 *   OUT/results/      one crash-safe file per image (eval/results.h)
 *   OUT/cache/        image embeddings (eval/embedding_cache.h), unless another folder is given
 *   OUT/shards.conf   the shard count, the shards held and the data set's images by shard,
 *                     plus each finished volume's slices (eval/results.h): what `samc merge`
 *                     and `samc report` check the results against
 *   OUT/lock          held while a run writes, so two runs never share a folder (and
 *                     `samc merge` refuses the folder meanwhile)
 *   OUT/skipped.txt   the images or volumes that could not be read (eval/skipped.h), with
 *                     --skip-bad; without it the first such file stops the run
 *   OUT/masks/NAME/   with --save-masks: every mask a row of image NAME (its results file's
 *                     name) scored, as PNG (eval/experiments.h), and the image and each
 *                     target's ground truth (eval/examples.h: what the report's example
 *                     overlays draw); written before the image's results file, so an image
 *                     with results has all its masks. For a volume data set NAME is a
 *                     slice (<volume>_<plane><k>), and OUT/masks/<volume>/ gathers each
 *                     measurement's slices as one NIfTI label volume in the scan's geometry,
 *                     <experiment>_<setting>_<selection>[_class<c>].nii.gz (eval/volume_masks.h)
 *
 * With baselines (--baseline), each image's results file also holds their rows (method
 * column): an image is done when SAM and every baseline are.
 *
 * Each image is encoded once (or taken from the cache) and every experiment reuses the
 * embedding. Images already in OUT/results are skipped, so a killed run continues where it
 * stopped. --shard I/N keeps the images (or volumes) whose id hashes to shard I. With
 * --workers W, W processes take the shard's images (volumes) one at a time as they finish
 * their last; the results are the same bits as one process's.
 *
 * At the end it prints, per task and class, in how many of the images read the target
 * occurs, and warns of a class that occurs in none (a config asking for a label the masks do
 * not hold). */
#ifndef SAMC_EVAL_RUNNER_H
#define SAMC_EVAL_RUNNER_H

#include "eval/dataset.h"
#include "eval/experiments.h"

/* A baseline compared with SAM (eval/baseline_experiments.h): the method name its rows carry
 * and its .samw. */
#define EVAL_MAX_BASELINES 8
typedef struct {
    const char *name, *path;
} eval_baseline_spec;

typedef struct {
    const char *out;
    const char *cache_dir;  /* NULL: OUT/cache; "" : no cache */
    int shard_i, shard_n;   /* 0 <= shard_i < shard_n */
    const char *config_text; /* the data set config as given (NULL for --images/--masks) */
    experiment_options exp;
    int progress;           /* 1: a progress line on stderr, redrawn in place (a terminal) */
    double progress_every;  /* without progress: a progress line for logs at most every so many
                               seconds (util/progress.h); 0: none */
    int save_masks;         /* 1: OUT/masks (see above); not in run.conf (results do not depend on it) */
    int skip_bad;           /* 1: a file that cannot be read is recorded in OUT/skipped.txt and
                               the run goes on; not in run.conf (results do not depend on it) */
    eval_baseline_spec baselines[EVAL_MAX_BASELINES]; /* each runs the iterative protocol on every image */
    int n_baselines;
    /* --workers W > 1: W worker processes (eval/workers.h) share this shard's images, each
       image (each volume) computed by one of them, at worker_threads threads each; the
       command keeps OUT's files (lock, run.conf, shards.conf, skipped.txt) and the progress.
       Not in run.conf: the bits do not depend on it. argv: the command line of `samc eval`
       (argv[0] "eval"), which each worker runs again. */
    int workers, worker_threads;
    int argc;
    char *const *argv;
    int worker_fd; /* > 0: this process is such a worker, talking to its command on this
                      socket (the hidden --eval-worker FD) */
} runner_options;

/* 0 or -1 with a message. */
int eval_run(const char *model_path, const dataset_config *c, const runner_options *o);

/* The run.conf text of these options (used by eval_run and by tests); baseline_sha256[i]: the
 * SHA-256 of baseline i's file (unused without baselines). malloc'd. */
char *eval_run_manifest(const uint8_t model_sha256[32], const uint8_t (*baseline_sha256)[32], const dataset_config *c,
                   const runner_options *o);

#endif
