/* samc diff A B: compares two traces (or a trace and a folder of reference .npy files). */
#include <stdio.h>
#include <string.h>

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
    const char *a = NULL, *b = NULL;
    double threshold = 1e-4;
    for (int i = 1; i < argc; i++) {
        int c = cli_common_option("diff", argc, argv, &i);
        if (c < 0) return 2;
        if (c) continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(k_usage, stdout);
            return 0;
        } else if (!strcmp(argv[i], "--threshold")) {
            const char *v = cli_value("diff", argc, argv, &i);
            if (!v || cli_double("diff", "--threshold", v, &threshold)) return 2;
        } else if (argv[i][0] == '-') {
            return cli_usage_error("diff", "unknown option %s", argv[i]);
        } else if (!a) {
            a = argv[i];
        } else if (!b) {
            b = argv[i];
        } else {
            return cli_usage_error("diff", "too many arguments");
        }
    }
    if (!a || !b) return cli_usage_error("diff", "need two folders");
    int over = audit_diff_dirs(a, b, threshold, stdout);
    if (over < 0) return cli_lib_error("diff");
    return over ? 3 : 0;
}
