/* samc verify MODEL.samw...: reads every byte of each model and checks it against its checksums. */
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/samw_check.h"
#include "util/mem.h"

static const char k_usage[] =
    "usage: samc verify MODEL.samw...\n"
    "Checks each model file whole: its header and tensor table (as every command does when it\n"
    "loads a model), then all tensor data against the CRC-32 that samc convert stored (other\n"
    "commands do not read the data to check it: a changed byte there would go unnoticed).\n"
    "Prints \"MODEL: ok ...\" per intact file with its digest (what an embedding records);\n"
    "exit 1 at the first damaged or unreadable file. samc eval checks its model so once per run.\n";

int cmd_verify(int argc, char **argv) {
    const char *cmd = "verify";
    const char **in = util_xcalloc_array((size_t)argc, sizeof *in);
    if (!in) return cli_lib_error(cmd);
    int n = 0, rc = cli_parse(cmd, k_usage, NULL, argc, argv, in, argc, &n);
    if (rc < 0 && n < 1) rc = cli_usage_error(cmd, "give the .samw files to verify");
    for (int i = 0; rc < 0 && i < n; i++)
        if (cli_samw_check(cmd, in[i], 0)) rc = 1;
    if (rc < 0) rc = 0;
    free(in);
    return rc;
}
