/* samc convert: official SAM checkpoint (.pth zip or legacy, or HF safetensors) -> .samw */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "weights/convert.h"

static const char k_usage[] =
    "usage: samc convert [--decoder-heads N] [--threads N] IN OUT.samw\n"
    "\n"
    "Converts a SAM checkpoint (PyTorch .pth, zip or legacy format, or HuggingFace\n"
    "safetensors) to samc's .samw weight file. The model configuration is read from the\n"
    "tensor shapes. The mask decoder's head count is in no shape: it defaults to 8 (every\n"
    "official SAM and MedSAM checkpoint) and must be given with --decoder-heads when the\n"
    "prompt dim is not 256. OUT is written atomically.\n";

int cmd_convert(int argc, char **argv) {
    const char *cmd = "convert", *files[2];
    int heads = 0;
    const cli_option opts[] = {CLI_INT_OPT("--decoder-heads", &heads, 1, 1024), {0}};
    int n_files, rc = cli_parse(cmd, k_usage, opts, argc, argv, files, 2, &n_files);
    if (rc >= 0) return rc;
    if (n_files < 2) return cli_usage_error(cmd, "needs an input checkpoint and an output .samw path");
    const char *in = files[0], *out = files[1];
    sam_config cfg;
    if (samc_convert(in, out, heads, &cfg)) return cli_lib_error(cmd);
    int nglob = 0;
    for (int i = 0; i < cfg.depth; i++) nglob += (int)(cfg.global_attn >> i & 1);
    printf("%s: img %d, patch %d, encoder dim %d, depth %d, heads %d, window %d, %d global blocks; "
           "prompt dim %d, decoder depth %d, heads %d, mlp %d\n",
           out, cfg.img_size, cfg.patch_size, cfg.embed_dim, cfg.depth, cfg.num_heads, cfg.window_size, nglob,
           cfg.prompt_dim, cfg.dec_depth, cfg.dec_heads, cfg.dec_mlp_dim);
    return 0;
}
