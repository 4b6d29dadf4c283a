/* samc eval: the experiments of Mazurowski et al. 2023 over a data set (eval/runner.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/runner.h"
#include "util/err.h"
#include "util/file.h"

static void usage(void) {
    printf("usage: samc eval -m MODEL.samw (--data CONFIG | --images DIR --masks DIR) -o OUT [options]\n"
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
           "  --click-label RULE  paper (positive iff the full label map is set; default) or class\n"
           "  --feedback-logits   iterative: also feed the previous low-res logits back (extension)\n"
           "  --seed S            placement draws (default 1)\n"
           "  --shard I/N         only the images whose id hashes to shard I of N (0 <= I < N);\n"
           "                      combine the shards' folders with samc merge\n"
           "  --cache DIR         embedding cache folder (default OUT/cache); --no-cache: none\n"
           "  --threads N         threads (default: all cores); --reference: portable arithmetic\n"
           "Then: samc report OUT\n");
}

int cmd_eval(int argc, char **argv) {
    const char *cmd = "eval", *model = NULL, *data = NULL, *root = NULL, *images = NULL, *masks = NULL;
    const char *task = "binary";
    runner_options o = {.shard_i = 0, .shard_n = 1};
    o.exp = (experiment_options){.experiments = EXP_MODES | EXP_ITERATIVE | EXP_PLACEMENT | EXP_SIZE,
                                 .clicks = 9, .seed = 1, .click_rule = CLICK_LABEL_FULL_MAP};
    sam_amg_params_default(&o.exp.amg);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        long n;
        int c = cli_common_option(cmd, argc, argv, &i);
        if (c < 0) return 2;
        if (c) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        }
        if (!strcmp(a, "--feedback-logits")) {
            o.exp.feedback_logits = 1;
            continue;
        }
        if (!strcmp(a, "--no-cache")) {
            o.cache_dir = "";
            continue;
        }
        if (a[0] != '-') return cli_usage_error(cmd, "unexpected argument '%s'", a);
        if (!(v = cli_value(cmd, argc, argv, &i))) return 2;
        if (!strcmp(a, "-m") || !strcmp(a, "--model")) model = v;
        else if (!strcmp(a, "-o") || !strcmp(a, "--out")) o.out = v;
        else if (!strcmp(a, "--data")) data = v;
        else if (!strcmp(a, "--root")) root = v;
        else if (!strcmp(a, "--images")) images = v;
        else if (!strcmp(a, "--masks")) masks = v;
        else if (!strcmp(a, "--task")) task = v;
        else if (!strcmp(a, "--cache")) o.cache_dir = v;
        else if (!strcmp(a, "--amg-points-per-side")) {
            if (cli_int(cmd, a, v, 1, 1024, &n)) return 2;
            o.exp.amg.points_per_side = (int)n;
        } else if (!strcmp(a, "--amg-pred-iou-thresh") || !strcmp(a, "--amg-stability-thresh")) {
            double d;
            if (cli_double(cmd, a, v, &d)) return 2;
            if (d < 0 || d > 1) return cli_usage_error(cmd, "%s: a threshold in [0, 1], not %s", a, v);
            if (a[6] == 'p') o.exp.amg.pred_iou_thresh = d;
            else o.exp.amg.stability_score_thresh = d;
        } else if (!strcmp(a, "--experiments")) {
            if (!strcmp(v, "all")) o.exp.experiments = EXP_MODES | EXP_ITERATIVE | EXP_PLACEMENT | EXP_SIZE;
            else if (experiments_parse(v, &o.exp.experiments)) return cli_usage_error(cmd, "--experiments: %s", samc_errmsg());
        } else if (!strcmp(a, "--clicks")) {
            if (cli_int(cmd, a, v, 1, 100, &n)) return 2;
            o.exp.clicks = (int)n;
        } else if (!strcmp(a, "--seed")) {
            if (cli_int(cmd, a, v, 0, 0x7fffffffL, &n)) return 2;
            o.exp.seed = (uint64_t)n;
        } else if (!strcmp(a, "--click-label")) {
            if (!strcmp(v, "paper")) o.exp.click_rule = CLICK_LABEL_FULL_MAP;
            else if (!strcmp(v, "class")) o.exp.click_rule = CLICK_LABEL_CLASS_MASK;
            else return cli_usage_error(cmd, "--click-label: paper or class, not '%s'", v);
        } else if (!strcmp(a, "--shard")) {
            int si, sn, used = 0;
            if (sscanf(v, "%d/%d%n", &si, &sn, &used) != 2 || v[used] || sn < 1 || sn > 100000 || si < 0 || si >= sn)
                return cli_usage_error(cmd, "--shard: expected I/N with 0 <= I < N, got '%s'", v);
            o.shard_i = si, o.shard_n = sn;
        } else {
            return cli_usage_error(cmd, "unknown option %s", a);
        }
    }
    if (!model) return cli_usage_error(cmd, "no model (-m MODEL.samw)");
    if (!o.out) return cli_usage_error(cmd, "no output folder (-o OUT)");
    if (!data == !(images || masks)) return cli_usage_error(cmd, "give either --data CONFIG or --images DIR --masks DIR");
    if (!data && !(images && masks)) return cli_usage_error(cmd, "--images and --masks go together");
    if (sam_amg_params_check(&o.exp.amg)) return cli_usage_error(cmd, "%s", samc_errmsg());
    o.progress = isatty(STDERR_FILENO);
    dataset_config c;
    unsigned char *text = NULL;
    size_t len;
    if (data) {
        if (read_whole_file(data, 1 << 20, &text, &len) || dataset_config_load(data, root, &c)) {
            free(text);
            return cli_lib_error(cmd);
        }
        o.config_text = (const char *)text;
    } else if (dataset_config_png_dirs(images, masks, task, &c)) {
        return cli_lib_error(cmd);
    }
    int rc = eval_run(model, &c, &o) ? cli_lib_error(cmd) : 0;
    dataset_config_free(&c);
    free(text);
    return rc;
}
