/* samc convert: an official checkpoint (.pth zip or legacy, or HF safetensors) -> .samw:
 * SAM, or one of the study's baselines (RITM, FocalClick, SimpleClick). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "weights/convert.h"

static const char k_usage[] =
    "usage: samc convert [--decoder-heads N] [--threads N] IN OUT.samw\n"
    "\n"
    "Converts a checkpoint to samc's .samw weight file; OUT is written atomically.\n"
    "\n"
    "SAM (PyTorch .pth, zip or legacy format, or HuggingFace safetensors): the model\n"
    "configuration is read from the tensor shapes. The mask decoder's head count is in no\n"
    "shape: it defaults to 8 (every official SAM and MedSAM checkpoint) and must be given\n"
    "with --decoder-heads when the prompt dim is not 256.\n"
    "\n"
    "The study's baselines: the official {'state_dict', 'config'} checkpoint of RITM\n"
    "(HRNetModel, e.g. coco_lvis_h32_itermask.pth), FocalClick (SegFormerModel, e.g.\n"
    "segformerB3_S2_comb.pth) or SimpleClick = CFR-ICL (PlainVitModel, e.g.\n"
    "cocolvis_icl_vit_huge.pth). The family comes from the config's model class, checked\n"
    "against the tensor names; the config is kept as text. Objects of classes samc does not\n"
    "know in the config (e.g. a loss) are kept as inert placeholders and listed, never imported\n"
    "or run. The result is loaded as its model before it is put in place, so a missing,\n"
    "mis-shaped or unexpected tensor leaves nothing written.\n";

int cmd_convert(int argc, char **argv) {
    const char *cmd = "convert", *files[2];
    int heads = 0;
    const cli_option opts[] = {CLI_INT_OPT("--decoder-heads", &heads, 1, 1024), {0}};
    int n_files, rc = cli_parse(cmd, k_usage, opts, argc, argv, files, 2, &n_files);
    if (rc >= 0) return rc;
    if (n_files < 2) return cli_usage_error(cmd, "needs an input checkpoint and an output .samw path");
    const char *in = files[0], *out = files[1];
    samc_convert_info info;
    if (weights_convert_any(in, out, heads, &info)) return cli_lib_error(cmd);
    if (info.unknown[0])
        printf("%s: classes samc does not know, kept as inert values (nothing imported or run): %s\n", in, info.unknown);
    const sam_config *c = &info.sam;
    if (!strcmp(info.family, "sam")) {
        int nglob = 0;
        for (int i = 0; i < c->depth; i++) nglob += (int)(c->global_attn >> i & 1);
        printf("%s: img %d, patch %d, encoder dim %d, depth %d, heads %d, window %d, %d global blocks; "
               "prompt dim %d, decoder depth %d, heads %d, mlp %d\n",
               out, c->img_size, c->patch_size, c->embed_dim, c->depth, c->num_heads, c->window_size, nglob,
               c->prompt_dim, c->dec_depth, c->dec_heads, c->dec_mlp_dim);
    } else {
        printf("%s: %s, %d tensors", out, info.family, info.n_tensors);
        if (info.n_int64) printf(" (%d of them int64 BatchNorm counters)", info.n_int64);
        printf(", %" PRIu64 " values\n", info.n_values);
    }
    return 0;
}
