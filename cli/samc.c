/* samc: the command-line program. Each subcommand lives in cli/cmd_NAME.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "nn/blas.h"
#include "nn/gemm_library.h"

#define SAMC_VERSION "0.1.0"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} k_commands[] = {
    {"version", cmd_version, "print the version and the BLAS kernel in use"},
    {"trace", cmd_trace, "write every intermediate tensor of one prediction as .npy"},
    {"diff", cmd_diff, "compare two traces tensor by tensor"},
    {"hash", cmd_hash, "SHA-256 of files or of every file in a run folder"},
    {"eval", cmd_eval, "run the Mazurowski et al. 2023 experiments over a data set"},
    {"merge", cmd_merge, "combine the run folders of eval shards"},
    {"report", cmd_report, "tables and figures of an eval run folder"},
    {"convert", cmd_convert, "convert a SAM or baseline checkpoint (.pth / .safetensors) to .samw"},
    {"dump", cmd_dump, "write an image file's decoded samples as .npy"},
    {"info", cmd_info, "print an image file's header facts, a checkpoint's, or a model's (checking its data)"},
    {"verify", cmd_verify, "check every byte of .samw model files against their checksums"},
    {"preprocess", cmd_preprocess, "resize, normalise and pad an image like SamPredictor.set_image"},
    {"encode", cmd_encode, "the image embedding of an image (SamPredictor.set_image), as .npy"},
    {"predict", cmd_predict, "segment an image from points, a box or a mask (SamPredictor.predict)"},
    {"everything", cmd_everything, "segment everything: masks from a grid of point prompts (SamAutomaticMaskGenerator)"},
};

static void usage(FILE *fp) {
    fprintf(fp, "usage: samc COMMAND [options]   (samc COMMAND -h for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        fprintf(fp, "  %-12s %s\n", k_commands[i].name, k_commands[i].help);
    fprintf(fp, "\nevery command takes --threads N (default: all cores) and --reference (portable\n"
                "reference mode: the same bits on any machine and compiler, slower)\n");
}

int cmd_version(int argc, char **argv) {
    (void)argc;
    (void)argv;
    printf("samc %s\n", SAMC_VERSION);
    printf("openblas core: %s\n", nn_blas_core_name());
    const char *env = getenv("OPENBLAS_CORETYPE");
    printf("openblas coretype: %s\n", env ? env : "(auto)");
    printf("threads: %d\n", nn_blas_get_threads());
    printf("gemm: %s\n", nn_gemm_library_name());
    const char *spin = getenv("GOMP_SPINCOUNT");
    printf("idle spin: GOMP_SPINCOUNT=%s\n", spin ? spin : "(default)");
    return 0;
}

int main(int argc, char **argv) {
    nn_blas_runtime_reexec(argv);
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "--version")) return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
        if (!strcmp(argv[1], k_commands[i].name)) return k_commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "samc: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
