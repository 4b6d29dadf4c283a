/* samc encode: the image embedding of one image (SamPredictor.set_image, then .features). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_input.h"
#include "cli/prompt_options.h"
#include "eval/embedding_file.h"
#include "samc.h"
#include "util/timer.h"

static const char *k_usage =
    "usage: samc encode -m MODEL.samw -i IMAGE -o EMBEDDING.npy [--max-pixels N] [--timings]\n"
    "                   [--threads N]\n"
    "  Resizes, normalises and pads IMAGE like SamPredictor.set_image, runs the image encoder\n"
    "  and writes its embedding as float32 1 x C x G x G (C = 256, G = 64 for SAM), the input\n"
    "  `samc predict --embedding` takes. A line after the data (which NumPy ignores) records the\n"
    "  model, the image, the arithmetic and a checksum, so that predict refuses the embedding for\n"
    "  another image or model, or when damaged. The output is written only when every step succeeds.\n"
    "  --max-pixels N refuses an image of more than N pixels (from its header, before any work).\n"
    "  --timings prints where the time went to stderr, one 'timing PHASE SECONDS' line per phase:\n"
    "  read_image, load_model, preprocess, patch_embed, products, attention, elementwise, neck,\n"
    "  image_terms, set_image_other (set_image's time outside those: scratch allocation),\n"
    "  write_output and total (from the command's start; the process start and the OpenBLAS\n"
    "  kernel check before it are not included).\n";

/* --timings: the phases of one encode, in the order they run */
static void print_timings(double read, double load, const sam_timings *t, double set_image, double write,
                          double total) {
    double other = set_image - (t->preprocess + t->patch_embed + t->products + t->attention + t->elementwise +
                                t->neck + t->image_terms);
    const struct {
        const char *name;
        double s;
    } rows[] = {{"read_image", read},     {"load_model", load},        {"preprocess", t->preprocess},
                {"patch_embed", t->patch_embed}, {"products", t->products}, {"attention", t->attention},
                {"elementwise", t->elementwise}, {"neck", t->neck},        {"image_terms", t->image_terms},
                {"set_image_other", other}, {"write_output", write},  {"total", total}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) fprintf(stderr, "timing %s %.6f\n", rows[i].name, rows[i].s);
}

#define CMD "encode"

int cmd_encode(int argc, char **argv) {
    const char *model = NULL, *image = NULL, *out = NULL;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    int timings = 0;
    const cli_option opts[] = {CLI_STRING_OPT("-m", &model), CLI_STRING_OPT("-i", &image), CLI_STRING_OPT("-o", &out),
                               CLI_IMAGE_OPTIONS(&io), CLI_FLAG_OPT("--timings", &timings), {0}};
    int rc = cli_parse(CMD, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    if (!model) return cli_usage_error(CMD, "no model (-m MODEL.samw)");
    if (!image) return cli_usage_error(CMD, "no image (-i IMAGE)");
    if (!out) return cli_usage_error(CMD, "no output file (-o EMBEDDING.npy)");

    sam_model *m = NULL;
    sam_predictor *p = NULL;
    cli_image im = {0};
    sam_timings t = {0};
    rc = 1;
    double t0 = util_wall_seconds();
    if (cli_image_read(CMD, image, &io, &im)) goto done;
    double t1 = util_wall_seconds();
    if (cli_open_model(CMD, model, &m, &p)) goto done;
    double t2 = util_wall_seconds();
    if (timings) sam_predictor_time(p, &t);
    if (sam_predictor_set_image(p, im.rgb, im.h, im.w)) {
        cli_lib_error(CMD);
        goto done;
    }
    double t3 = util_wall_seconds();
    embedding_origin origin;
    eval_embedding_origin_of(&origin, m, im.rgb, im.h, im.w);
    if (eval_embedding_file_write(out, sam_model_embed_channels(m), sam_model_embed_grid(m), sam_predictor_embedding(p),
                             &origin)) {
        cli_lib_error(CMD);
        goto done;
    }
    if (timings) {
        double t4 = util_wall_seconds();
        print_timings(t1 - t0, t2 - t1, &t, t3 - t2, t4 - t3, t4 - t0);
    }
    rc = 0;
done:
    cli_image_free(&im);
    sam_predictor_free(p);
    sam_model_free(m);
    return rc;
}
