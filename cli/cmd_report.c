/* samc report: the tables and figures of a run folder (see eval/report.h). */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/report.h"

static const char k_usage[] =
    "usage: samc report OUT [--bootstrap N] [--seed S] [--no-figures]\n"
    "Reads the results of `samc eval -o OUT` (or `samc merge -o OUT`) and writes\n"
    "  OUT/per_image.csv   task,image,class,experiment,setting,selection,iou,dice\n"
    "  OUT/prompts.csv     per row of per_image.csv, in the same order: its key and what\n"
    "                      it was made from: points (x;y;label|...), box (x0;y0;x1;y1|...),\n"
    "                      pred_iou (SAM's score of the mask scored), area (target pixels),\n"
    "                      volume, plane, slice (images cut from volumes); empty for the\n"
    "                      images whose results an older samc wrote (named on stderr)\n"
    "  OUT/tables/         summary with 95% bootstrap CIs and the published numbers beside\n"
    "                      ours; the layouts of the paper's tables (fig2_modes.csv,\n"
    "                      fig34_sam*.csv, fig4_average.csv); Wilcoxon tests between modes;\n"
    "                      correlation of IoU with object size; with baselines (eval\n"
    "                      --baseline) fig34_<method>.csv, fig3_comparison.csv and\n"
    "                      compare_baselines.csv (SAM against each at 1 and 9 clicks);\n"
    "                      examples.csv: the best, median and worst image per task and\n"
    "                      measurement\n"
    "  OUT/figures/        modes.png, iterative.png, placement_*.png, everything.png;\n"
    "                      comparison*.png with baselines; examples/*.png: those images with\n"
    "                      the ground truth (green), the prediction (red) and the prompt\n"
    "                      (blue), drawn when eval ran with --save-masks\n"
    "  --bootstrap N       bootstrap resamples (default 2000)\n"
    "  --seed S            bootstrap seed (default 1)\n"
    "A run that lacks shards or images (OUT/shards.conf) is reported from the images there\n"
    "are, with \"incomplete: ...\" on stderr and in OUT/tables/incomplete.txt; images that eval\n"
    "--skip-bad could not read (OUT/skipped.txt) are counted there too.\n";

int cmd_report(int argc, char **argv) {
    const char *cmd = "report";
    report_options opt = {.n_boot = 2000, .seed = 1, .figures = 1};
    const char *runs[2] = {NULL};
    int seed = 1, no_figures = 0;
    const cli_option opts[] = {CLI_INT_OPT("--bootstrap", &opt.n_boot, 100, 1000000),
                               CLI_INT_OPT("--seed", &seed, 0, 0x7fffffffL), CLI_FLAG_OPT("--no-figures", &no_figures),
                               {0}};
    int n_runs, rc = cli_parse(cmd, k_usage, opts, argc, argv, runs, 2, &n_runs);
    if (rc >= 0) return rc;
    if (n_runs > 1) return cli_usage_error(cmd, "one run folder only (merge shards first with samc merge)");
    opt.seed = (uint64_t)seed;
    opt.figures = !no_figures;
    const char *out = runs[0];
    if (!out) return cli_usage_error(cmd, "no run folder given");
    if (eval_report_write(out, &opt)) return cli_lib_error(cmd);
    printf("tables:  %s/tables/\nfigures: %s/figures/\nper image: %s/per_image.csv\nprompts: %s/prompts.csv\n", out,
           out, out, out);
    return 0;
}
