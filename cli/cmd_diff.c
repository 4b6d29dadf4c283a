/* samc diff A B: compares two traces (or a trace and a folder of reference .npy files). */
#include <stdio.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/commands.h"

static const char *k_usage =
    "usage: samc diff A B [--threshold REL]\n"
    "  A, B: folders written by 'samc trace', or folders of .npy files matched by name.\n"
    "  Prints per tensor: max abs and relative (to max |B|) difference and max ULP distance,\n"
    "  and marks the first tensor whose relative difference exceeds REL (default 1e-4).\n"
    "  Exit status 0 if every tensor is within REL, 3 if some are not, 1 on error.\n";

int cmd_diff(int argc, char **argv) {
    const char *dirs[2];
    double threshold = 1e-4;
    const cli_option opts[] = {CLI_DOUBLE_OPT("--threshold", &threshold, 0, 0), {0}};
    int n_dirs, rc = cli_parse("diff", k_usage, opts, argc, argv, dirs, 2, &n_dirs);
    if (rc >= 0) return rc;
    if (n_dirs < 2) return cli_usage_error("diff", "need two folders");
    int over = audit_diff_dirs(dirs[0], dirs[1], threshold, stdout);
    if (over < 0) return cli_lib_error("diff");
    return over ? 3 : 0;
}
