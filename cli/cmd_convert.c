/* samc convert: official SAM checkpoint (.pth zip or legacy, or HF safetensors) -> .samw */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "weights/convert.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: samc convert [--decoder-heads N] [--threads N] IN OUT.samw\n"
            "\n"
            "Converts a SAM checkpoint (PyTorch .pth, zip or legacy format, or HuggingFace\n"
            "safetensors) to samc's .samw weight file. The model configuration is read from the\n"
            "tensor shapes. The mask decoder's head count is in no shape: it defaults to 8 (every\n"
            "official SAM and MedSAM checkpoint) and must be given with --decoder-heads when the\n"
            "prompt dim is not 256. OUT is written atomically.\n");
}

int cmd_convert(int argc, char **argv) {
    const char *cmd = "convert", *in = NULL, *out = NULL;
    long heads = 0;
    for (int i = 1; i < argc; i++) {
        int common = cli_common_option(cmd, argc, argv, &i);
        if (common < 0) return 2;
        if (common) continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--decoder-heads")) {
            const char *v = cli_value(cmd, argc, argv, &i);
            if (!v || cli_int(cmd, "--decoder-heads", v, 1, 1024, &heads)) return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else if (!out) {
            out = argv[i];
        } else {
            return cli_usage_error(cmd, "too many arguments");
        }
    }
    if (!in || !out) return cli_usage_error(cmd, "needs an input checkpoint and an output .samw path");
    sam_config cfg;
    if (samc_convert(in, out, (int)heads, &cfg)) return cli_lib_error(cmd);
    int nglob = 0;
    for (int i = 0; i < cfg.depth; i++) nglob += (int)(cfg.global_attn >> i & 1);
    printf("%s: img %d, patch %d, encoder dim %d, depth %d, heads %d, window %d, %d global blocks; "
           "prompt dim %d, decoder depth %d, heads %d, mlp %d\n",
           out, cfg.img_size, cfg.patch_size, cfg.embed_dim, cfg.depth, cfg.num_heads, cfg.window_size, nglob,
           cfg.prompt_dim, cfg.dec_depth, cfg.dec_heads, cfg.dec_mlp_dim);
    return 0;
}
