/* samc eval: the experiments of Mazurowski et al. 2023 over a data set (eval/runner.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/measure.h"
#include "eval/results.h"
#include "eval/runner.h"
#include "nn/blas.h"
#include "util/err.h"
#include "util/file.h"
#include "weights/samw.h"

static const char k_usage[] =
    "usage: samc eval -m MODEL.samw [--baseline [NAME=]MODEL.samw]... (--data CONFIG |\n"
    "                 --images DIR --masks DIR) -o OUT [options]\n"
    "Runs the study's experiments on every image of a data set; one results file per image\n"
    "in OUT/results, so a killed run resumes where it stopped (run the same command again).\n"
    "  --data CONFIG       a data set config (eval/datasets/*.conf, format: eval/DATASETS.md)\n"
    "  --root DIR          the data folder (overrides the config's root)\n"
    "  --images DIR --masks DIR   the authors' layout without a config: a binary task\n"
    "  --task NAME         the task name of --images/--masks (default: binary)\n"
    "  --experiments LIST  modes,iterative,placement,size,everything (default: all but\n"
    "                      everything, which runs the automatic mask generator per image)\n"
    "  --amg-points-per-side N, --amg-pred-iou-thresh X, --amg-stability-thresh X\n"
    "                      the everything experiment's generator (official defaults 32,\n"
    "                      0.88, 0.95; small models need lower thresholds)\n"
    "  --clicks N          clicks per iterative sequence (default 9)\n"
    "  --baseline [NAME=]MODEL.samw   also run a baseline (RITM, SimpleClick, FocalClick,\n"
    "                      converted by samc convert) through the iterative protocol on\n"
    "                      every image: the same click rule on its own predictions, all\n"
    "                      clicks at once, mask = prob > 0.49; its rows have method NAME\n"
    "                      (default: the family) and selection single. Repeatable (up to 8)\n"
    "  --click-label RULE  paper (positive iff the full label map is set; default) or class\n"
    "  --feedback-logits   iterative: also feed the previous low-res logits back (extension)\n"
    "  --seed S            placement draws (default 1)\n"
    "  --shard I/N         only the images whose id hashes to shard I of N (0 <= I < N);\n"
    "                      combine the shards' folders with samc merge\n"
    "  --cache DIR         embedding cache folder (default OUT/cache); --no-cache: none\n"
    "  --skip-bad          an image or mask (a volume) that cannot be read is logged and\n"
    "                      recorded in OUT/skipped.txt, and the run goes on (default: stop\n"
    "                      with the error); resuming with or without it is the same run\n"
    "  --save-masks        also write every mask a measurement scored, as a 1-bit PNG:\n"
    "                      OUT/masks/IMAGE/EXPERIMENT_SETTING_SELECTION.png (a baseline's:\n"
    "                      METHOD_iterative_K.png; with _classC\n"
    "                      before .png when the data set has several targets), and the image\n"
    "                      (image.png) and ground truth (gt.png) that samc report's example\n"
    "                      overlays draw them on; only for the\n"
    "                      images computed with it (a resumed run does not redo finished\n"
    "                      images); not part of the run's settings. On volumes IMAGE is a\n"
    "                      slice (VOLUME_PLANEK), and each finished volume also gets\n"
    "                      OUT/masks/VOLUME/EXPERIMENT_SETTING_SELECTION.nii.gz: that\n"
    "                      measurement's masks of all its evaluated slices as one uint8\n"
    "                      NIfTI in the scan's geometry (built from the slices' PNGs; not\n"
    "                      when a slice of it was computed without --save-masks)\n"
    "  --progress-every S  when stderr is not a terminal (a log file, a SLURM job), a line\n"
    "                      'samc eval: 120/480 images (25%), 3.1 s/image, ETA 18m36s' at\n"
    "                      most every S seconds (default 30; 0: no progress at all; on a\n"
    "                      terminal one line is redrawn in place)\n"
    "  --workers W         W worker processes share the images, each at --threads N\n"
    "                      (default: the cores / W); they map one copy of the model, and the\n"
    "                      results are the same bits as one process's. For many images on a\n"
    "                      node, several workers of a few threads beat one of all cores,\n"
    "                      e.g. 16 cores: --workers 4 --threads 4 (default 1; at most the cores)\n"
    "  --threads N         threads (default: all cores); --reference: portable arithmetic\n"
    "At the end: per task and class, how many images hold the target (a warning for a class\n"
    "in none). Then: samc report OUT (per_image.csv, prompts.csv, tables, figures)\n";

static int parse_experiments(const char *cmd, const char *opt, const char *v, void *bits) {
    if (!strcmp(v, "all")) *(unsigned *)bits = EXP_MODES | EXP_ITERATIVE | EXP_PLACEMENT | EXP_SIZE;
    else if (eval_experiments_parse(v, bits)) return cli_usage_error(cmd, "%s: %s", opt, samc_errmsg());
    return 0;
}

static int parse_click_label(const char *cmd, const char *opt, const char *v, void *rule) {
    if (!strcmp(v, "paper")) *(click_label_rule *)rule = CLICK_LABEL_FULL_MAP;
    else if (!strcmp(v, "class")) *(click_label_rule *)rule = CLICK_LABEL_CLASS_MASK;
    else return cli_usage_error(cmd, "%s: paper or class, not '%s'", opt, v);
    return 0;
}

/* The names of the --baseline options (given, or the family): rows carry them. */
static char g_baseline_names[EVAL_MAX_BASELINES][64];

/* [NAME=]PATH: a baseline to compare with SAM; NAME (default: the model's family) names its
 * rows' method. */
static int parse_baseline(const char *cmd, const char *opt, const char *v, void *options) {
    runner_options *o = options;
    if (o->n_baselines == EVAL_MAX_BASELINES)
        return cli_usage_error(cmd, "%s: at most %d baselines", opt, EVAL_MAX_BASELINES);
    eval_baseline_spec *b = &o->baselines[o->n_baselines];
    char *name = g_baseline_names[o->n_baselines];
    const char *eq = strchr(v, '=');
    b->path = eq ? eq + 1 : v;
    b->name = name;
    name[0] = 0;
    if (eq) {
        size_t n = (size_t)(eq - v);
        if (n == 0 || n >= sizeof g_baseline_names[0] || strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-") < n)
            return cli_usage_error(cmd, "%s %s: NAME is 1-63 of a-z 0-9 _ -", opt, v);
        memcpy(name, v, n);
        name[n] = 0;
    }
    o->n_baselines++;
    return 0;
}

/* Each baseline's name (its family unless given), checked to be a baseline and not to clash with
 * SAM's method or selection names or another baseline's. 0, or 1 after printing the error. */
static int name_baselines(const char *cmd, runner_options *o) {
    for (int i = 0; i < o->n_baselines; i++) {
        eval_baseline_spec *b = &o->baselines[i];
        samw *w = samw_open(b->path);
        if (!w) return cli_lib_error(cmd);
        const char *family = samw_family(w);
        int is_baseline = strcmp(family, "sam") != 0;
        if (is_baseline && !b->name[0]) snprintf(g_baseline_names[i], sizeof g_baseline_names[i], "%s", family);
        samw_close(w);
        if (!is_baseline)
            return cli_usage_error(cmd, "--baseline %s: a SAM model, not a baseline (give it as -m)", b->path);
        if (!strcmp(b->name, RESULTS_METHOD_SAM) || eval_selection_from_name(b->name) != SELECTION_UNKNOWN)
            return cli_usage_error(cmd, "--baseline: the name '%s' is reserved", b->name);
        for (int j = 0; j < i; j++)
            if (!strcmp(b->name, o->baselines[j].name))
                return cli_usage_error(cmd, "--baseline: two baselines named '%s' (give NAME=PATH)", b->name);
    }
    return 0;
}

/* The cores this process may run on (its CPU affinity: a SLURM allocation's, taskset's). */
static int cores_here(void) {
    cpu_set_t set;
    int n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    return n > 0 ? n : 1;
}

/* W: worker processes, 1 to the cores here (each runs at least one thread) */
static int parse_workers(const char *cmd, const char *opt, const char *v, void *workers) {
    int cores = cores_here();
    char *end;
    errno = 0;
    long w = strtol(v, &end, 10);
    if (errno == ERANGE || (end != v && !*end && w > cores))
        return cli_usage_error(cmd, "%s %s: more workers than the %d cores this process may use", opt, v, cores);
    if (errno || end == v || *end || w < 1)
        return cli_usage_error(cmd, "%s: expected a number of worker processes (1 to %d), got '%s'", opt, cores, v);
    *(int *)workers = (int)w;
    return 0;
}

/* I/N: this run does the images of shard I of N */
static int parse_shard(const char *cmd, const char *opt, const char *v, void *options) {
    runner_options *o = options;
    int si, sn, used = 0;
    if (sscanf(v, "%d/%d%n", &si, &sn, &used) != 2 || v[used] || sn < 1 || sn > 100000 || si < 0 || si >= sn)
        return cli_usage_error(cmd, "%s: expected I/N with 0 <= I < N, got '%s'", opt, v);
    o->shard_i = si, o->shard_n = sn;
    return 0;
}

int cmd_eval(int argc, char **argv) {
    const char *cmd = "eval", *model = NULL, *data = NULL, *root = NULL, *images = NULL, *masks = NULL;
    const char *task = "binary";
    runner_options o = {.shard_i = 0, .shard_n = 1, .workers = 1, .argc = argc, .argv = argv};
    o.exp = (experiment_options){.experiments = EXP_MODES | EXP_ITERATIVE | EXP_PLACEMENT | EXP_SIZE,
                                 .clicks = 9, .seed = 1, .click_rule = CLICK_LABEL_FULL_MAP};
    sam_amg_params_default(&o.exp.amg);
    int seed = 1, no_cache = 0;
    o.progress_every = 30;
    const cli_option opts[] = {
        {.name = "-m", .alias = "--model", .kind = CLI_STRING, .dst = &model},
        {.name = "-o", .alias = "--out", .kind = CLI_STRING, .dst = &o.out},
        CLI_STRING_OPT("--data", &data),
        CLI_STRING_OPT("--root", &root),
        CLI_STRING_OPT("--images", &images),
        CLI_STRING_OPT("--masks", &masks),
        CLI_STRING_OPT("--task", &task),
        CLI_STRING_OPT("--cache", &o.cache_dir),
        CLI_FLAG_OPT("--no-cache", &no_cache),
        CLI_CUSTOM_OPT("--experiments", parse_experiments, &o.exp.experiments),
        CLI_INT_OPT("--amg-points-per-side", &o.exp.amg.points_per_side, 1, 1024),
        CLI_DOUBLE_OPT("--amg-pred-iou-thresh", &o.exp.amg.pred_iou_thresh, 0, 1),
        CLI_DOUBLE_OPT("--amg-stability-thresh", &o.exp.amg.stability_score_thresh, 0, 1),
        CLI_INT_OPT("--clicks", &o.exp.clicks, 1, 100),
        CLI_CUSTOM_OPT("--click-label", parse_click_label, &o.exp.click_rule),
        CLI_FLAG_OPT("--feedback-logits", &o.exp.feedback_logits),
        CLI_INT_OPT("--seed", &seed, 0, 0x7fffffffL),
        CLI_CUSTOM_OPT("--shard", parse_shard, &o),
        CLI_CUSTOM_OPT("--baseline", parse_baseline, &o),
        CLI_FLAG_OPT("--skip-bad", &o.skip_bad),
        CLI_FLAG_OPT("--save-masks", &o.save_masks),
        CLI_DOUBLE_OPT("--progress-every", &o.progress_every, 0, 1e9),
        CLI_CUSTOM_OPT("--workers", parse_workers, &o.workers),
        CLI_INT_OPT("--eval-worker", &o.worker_fd, 3, 1 << 20), /* hidden: eval/workers.h */
        {0},
    };
    int rc = cli_parse(cmd, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    o.exp.seed = (uint64_t)seed;
    if (no_cache) o.cache_dir = "";
    if (!model) return cli_usage_error(cmd, "no model (-m MODEL.samw)");
    if (!o.out) return cli_usage_error(cmd, "no output folder (-o OUT)");
    if (!data == !(images || masks)) return cli_usage_error(cmd, "give either --data CONFIG or --images DIR --masks DIR");
    if (!data && !(images && masks)) return cli_usage_error(cmd, "--images and --masks go together");
    if (sam_amg_params_check(&o.exp.amg)) return cli_usage_error(cmd, "%s", samc_errmsg());
    o.progress = isatty(STDERR_FILENO) && o.progress_every > 0;
    if (o.worker_fd) { /* a worker: its command keeps the progress */
        cmd = "eval worker";
        o.progress = 0, o.progress_every = 0;
    }
    /* --threads is per worker; without it the workers share the cores */
    o.worker_threads = nn_blas_get_threads();
    if (o.workers > 1 && !cli_threads_given())
        o.worker_threads = o.worker_threads / o.workers > 1 ? o.worker_threads / o.workers : 1;
    if (name_baselines(cmd, &o)) return 1;
    dataset_config c;
    unsigned char *text = NULL;
    size_t len;
    if (data) {
        if (util_read_whole_file(data, 1 << 20, &text, &len) || eval_dataset_config_load(data, root, &c)) {
            free(text);
            return cli_lib_error(cmd);
        }
        o.config_text = (const char *)text;
    } else if (eval_dataset_config_png_dirs(images, masks, task, &c)) {
        return cli_lib_error(cmd);
    }
    rc = eval_run(model, &c, &o) ? cli_lib_error(cmd) : 0;
    eval_dataset_config_free(&c);
    free(text);
    return rc;
}
