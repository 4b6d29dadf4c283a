/* samc hash: SHA-256 of files, or of every file below a folder (e.g. a run folder), in the
 * format of sha256sum so two runs can be compared with diff. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/dirlist.h"
#include "util/mem.h"
#include "util/sha256.h"

static const char k_usage[] =
    "usage: samc hash FILE...|DIR...\n"
    "Prints the SHA-256 of each FILE, and of every file below each DIR (sorted paths,\n"
    "recursively; unfinished *.tmp.* files are skipped), as 'HEX  PATH' lines.\n";

int cmd_hash(int argc, char **argv) {
    const char *cmd = "hash";
    const char **args = util_xcalloc_array((size_t)argc, sizeof *args);
    if (!args) return cli_lib_error(cmd);
    int n_args, rc = cli_parse(cmd, k_usage, NULL, argc, argv, args, argc, &n_args);
    if (rc >= 0) {
        free(args);
        return rc;
    }
    rc = 0;
    path_list files = {0};
    for (int i = 0; i < n_args && rc == 0; i++) {
        if (eval_is_dir(args[i])) {
            path_list sub;
            if (eval_dir_list_files(args[i], 1, &sub)) {
                rc = cli_lib_error(cmd);
                break;
            }
            for (size_t k = 0; k < sub.n && rc == 0; k++)
                if (eval_path_list_add(&files, sub.paths[k])) rc = cli_lib_error(cmd);
            eval_path_list_free(&sub);
        } else if (eval_path_list_add(&files, args[i])) {
            rc = cli_lib_error(cmd);
        }
    }
    free(args);
    if (rc == 0 && files.n == 0) {
        eval_path_list_free(&files);
        return cli_usage_error(cmd, "no files given");
    }
    eval_path_list_sort(&files);
    for (size_t k = 0; k < files.n && rc == 0; k++) {
        uint8_t d[32];
        char hex[65];
        if (util_sha256_file(files.paths[k], d)) {
            rc = cli_lib_error(cmd);
            break;
        }
        util_sha256_hex(d, hex);
        printf("%s  %s\n", hex, files.paths[k]);
    }
    eval_path_list_free(&files);
    return rc;
}
