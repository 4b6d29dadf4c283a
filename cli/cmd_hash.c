/* samc hash: SHA-256 of files, or of every file below a folder (e.g. a run folder), in the
 * format of sha256sum so two runs can be compared with diff. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "eval/dirlist.h"
#include "eval/sha256.h"

static void usage(void) {
    printf("usage: samc hash FILE...|DIR...\n"
           "Prints the SHA-256 of each FILE, and of every file below each DIR (sorted paths,\n"
           "recursively; unfinished *.tmp.* files are skipped), as 'HEX  PATH' lines.\n");
}

int cmd_hash(int argc, char **argv) {
    const char *cmd = "hash";
    path_list files = {0};
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage();
            path_list_free(&files);
            return 0;
        }
        int c = cli_common_option(cmd, argc, argv, &i);
        if (c < 0) {
            path_list_free(&files);
            return 2;
        }
        if (c) continue;
        if (argv[i][0] == '-' && argv[i][1]) {
            path_list_free(&files);
            return cli_usage_error(cmd, "unknown option %s", argv[i]);
        }
        if (is_dir(argv[i])) {
            path_list sub;
            if (dir_list_files(argv[i], 1, &sub)) {
                rc = cli_lib_error(cmd);
                break;
            }
            for (size_t k = 0; k < sub.n && rc == 0; k++)
                if (path_list_add(&files, sub.paths[k])) rc = cli_lib_error(cmd);
            path_list_free(&sub);
        } else if (path_list_add(&files, argv[i])) {
            rc = cli_lib_error(cmd);
        }
    }
    if (rc == 0 && files.n == 0) {
        path_list_free(&files);
        return cli_usage_error(cmd, "no files given");
    }
    path_list_sort(&files);
    for (size_t k = 0; k < files.n && rc == 0; k++) {
        uint8_t d[32];
        char hex[65];
        if (sha256_file(files.paths[k], d)) {
            rc = cli_lib_error(cmd);
            break;
        }
        sha256_hex(d, hex);
        printf("%s  %s\n", hex, files.paths[k]);
    }
    path_list_free(&files);
    return rc;
}
