/* samc report: the tables and figures of a run folder (see eval/report.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/report.h"

static void usage(void) {
    printf("usage: samc report OUT [--bootstrap N] [--seed S] [--no-figures]\n"
           "Reads the results of `samc eval -o OUT` (or `samc merge -o OUT`) and writes\n"
           "  OUT/per_image.csv   task,image,class,experiment,setting,selection,iou,dice\n"
           "  OUT/tables/         summary with 95%% bootstrap CIs and the published numbers beside\n"
           "                      ours; the layouts of the paper's tables (fig2_modes.csv,\n"
           "                      fig34_sam*.csv, fig4_average.csv); Wilcoxon tests between modes;\n"
           "                      correlation of IoU with object size\n"
           "  OUT/figures/        modes.png, iterative.png, placement_*.png, everything.png\n"
           "  --bootstrap N       bootstrap resamples (default 2000)\n"
           "  --seed S            bootstrap seed (default 1)\n");
}

int cmd_report(int argc, char **argv) {
    const char *cmd = "report", *out = NULL;
    report_options opt = {.n_boot = 2000, .seed = 1, .figures = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long n;
        int c = cli_common_option(cmd, argc, argv, &i);
        if (c < 0) return 2;
        if (c) continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (!strcmp(a, "--bootstrap")) {
            if (!(v = cli_value(cmd, argc, argv, &i)) || cli_int(cmd, a, v, 100, 1000000, &n)) return 2;
            opt.n_boot = (int)n;
        } else if (!strcmp(a, "--seed")) {
            if (!(v = cli_value(cmd, argc, argv, &i)) || cli_int(cmd, a, v, 0, 0x7fffffffL, &n)) return 2;
            opt.seed = (uint64_t)n;
        } else if (!strcmp(a, "--no-figures")) {
            opt.figures = 0;
        } else if (a[0] == '-') {
            return cli_usage_error(cmd, "unknown option %s", a);
        } else if (out) {
            return cli_usage_error(cmd, "one run folder only (merge shards first with samc merge)");
        } else {
            out = a;
        }
    }
    if (!out) return cli_usage_error(cmd, "no run folder given");
    if (report_write(out, &opt)) return cli_lib_error(cmd);
    printf("tables:  %s/tables/\nfigures: %s/figures/\nper image: %s/per_image.csv\n", out, out, out);
    return 0;
}
