/* samc merge: combines the run folders of shards (samc eval --shard I/N) into one. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/merge.h"
#include "util/mem.h"

/* the exit code of a merge that went through but left shards or images out */
#define EXIT_INCOMPLETE 3

static const char k_usage[] =
    "usage: samc merge OUT1 OUT2 ... -o OUT [--allow-incomplete]\n"
    "Copies the per-image results of several run folders (e.g. the shards of a SLURM job\n"
    "array) into OUT, after checking that they were made with the same model, data set\n"
    "and options (run.conf), shard count and images (shards.conf), that every results file\n"
    "is intact and that no samc eval is still writing to an input (its lock). An image\n"
    "present in two inputs (or already in OUT) must have identical results. Nothing is\n"
    "written unless every check passes. The inputs' skipped.txt (eval --skip-bad) are joined\n"
    "into OUT's, less the images OUT now has results for. Then: samc report OUT\n"
    "Exit status: 0 when OUT holds every shard and every image has results; 3 when the\n"
    "merge was done but shards or images are missing (named on stderr as \"incomplete: ...\",\n"
    "and recorded in OUT/shards.conf for samc report); 1 on an error, 2 on a usage error.\n"
    "  --allow-incomplete  exit 0 on an incomplete merge (the message is still printed)\n";

int cmd_merge(int argc, char **argv) {
    const char *cmd = "merge", *out = NULL;
    const char **in = util_xcalloc_array((size_t)argc, sizeof *in);
    if (!in) return cli_lib_error(cmd);
    int allow_incomplete = 0;
    const cli_option opts[] = {{.name = "-o", .alias = "--out", .kind = CLI_STRING, .dst = &out},
                               CLI_FLAG_OPT("--allow-incomplete", &allow_incomplete),
                               {0}};
    int n_in = 0, rc = cli_parse(cmd, k_usage, opts, argc, argv, in, argc, &n_in);
    size_t n = 0;
    char *incomplete = NULL;
    if (rc < 0 && (!out || n_in < 1)) {
        rc = cli_usage_error(cmd, "give the run folders to merge and -o OUT");
    } else if (rc < 0) {
        rc = eval_merge(in, n_in, out, &n, &incomplete) ? cli_lib_error(cmd) : 0;
        if (rc == 0) printf("samc merge: %zu results files from %d folders into %s\n", n, n_in, out);
        if (rc == 0 && incomplete) {
            fprintf(stderr, "samc merge: incomplete: %s\n", incomplete);
            if (!allow_incomplete) rc = EXIT_INCOMPLETE;
        }
    }
    free(incomplete);
    free(in);
    return rc;
}
