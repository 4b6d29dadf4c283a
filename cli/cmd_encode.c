/* samc encode: the image embedding of one image (SamPredictor.set_image, then .features). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_input.h"
#include "cli/prompt_options.h"
#include "eval/embedding_file.h"
#include "samc.h"

static const char *k_usage =
    "usage: samc encode -m MODEL.samw -i IMAGE -o EMBEDDING.npy [--max-pixels N] [--threads N]\n"
    "  Resizes, normalises and pads IMAGE like SamPredictor.set_image, runs the image encoder\n"
    "  and writes its embedding as float32 1 x C x G x G (C = 256, G = 64 for SAM), the input\n"
    "  `samc predict --embedding` takes. A line after the data (which NumPy ignores) records the\n"
    "  model, the image, the arithmetic and a checksum, so that predict refuses the embedding for\n"
    "  another image or model, or when damaged. The output is written only when every step succeeds.\n"
    "  --max-pixels N refuses an image of more than N pixels (from its header, before any work).\n";

#define CMD "encode"

int cmd_encode(int argc, char **argv) {
    const char *model = NULL, *image = NULL, *out = NULL;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    const cli_option opts[] = {CLI_STRING_OPT("-m", &model), CLI_STRING_OPT("-i", &image), CLI_STRING_OPT("-o", &out),
                               CLI_IMAGE_OPTIONS(&io), {0}};
    int rc = cli_parse(CMD, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    if (!model) return cli_usage_error(CMD, "no model (-m MODEL.samw)");
    if (!image) return cli_usage_error(CMD, "no image (-i IMAGE)");
    if (!out) return cli_usage_error(CMD, "no output file (-o EMBEDDING.npy)");

    sam_model *m = NULL;
    sam_predictor *p = NULL;
    cli_image im = {0};
    rc = 1;
    if (cli_image_read(CMD, image, &io, &im) || cli_open_model(CMD, model, &m, &p)) goto done;
    if (sam_predictor_set_image(p, im.rgb, im.h, im.w)) {
        cli_lib_error(CMD);
        goto done;
    }
    embedding_origin origin;
    embedding_origin_of(&origin, m, im.rgb, im.h, im.w);
    if (embedding_file_write(out, sam_model_embed_channels(m), sam_model_embed_grid(m), sam_predictor_embedding(p),
                             &origin)) {
        cli_lib_error(CMD);
        goto done;
    }
    rc = 0;
done:
    cli_image_free(&im);
    sam_predictor_free(p);
    sam_model_free(m);
    return rc;
}
