/* samc trace: every named intermediate tensor of one set_image + predict, as .npy files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/baseline_input.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_input.h"
#include "cli/prompt_options.h"
#include "samc.h"

static const char *k_usage =
    "usage: samc trace -m MODEL.samw -i IMAGE [--point X,Y,LABEL]... [--box X0,Y0,X1,Y1]\n"
    "                  [--mask-input LOWRES.npy] [--multimask] [--reference] [--threads N] -o DIR\n"
    "  Runs SamPredictor.set_image(IMAGE) and one predict with the prompts (as 'samc predict')\n"
    "  and writes every named intermediate tensor to DIR as NNN_NAME.npy (float32), NAME being\n"
    "  the official PyTorch module whose output it is (image_encoder.blocks.3,\n"
    "  mask_decoder.transformer.layers.0.queries, ...), with the batch dimension of 1, plus\n"
    "  DIR/manifest.tsv (index, name, file, shape), written last. Compare traces with\n"
    "  'samc diff'. --reference traces the portable reference mode.\n"
    "  --max-pixels N refuses an image of more than N pixels (from its header, before any work).\n"
    "  For a baseline model (RITM, FocalClick, SimpleClick) it traces one prediction from the\n"
    "  --point clicks, its tensors named after the official model's modules\n"
    "  (feature_extractor.stage2.0, ...).\n";

#define CMD "trace"

/* set_input_image + get_prediction of a baseline, traced. */
static int trace_baseline(const char *model, const char *image, const cli_image_options *io, cli_prompt *cp,
                          const char *dir) {
    samw *w = NULL;
    iseg *m = NULL;
    cli_image im = {0};
    iseg_click clicks[CLI_MAX_POINTS];
    float *prob = NULL;
    int rc = 1, tracing = 0;
    if (cli_image_read(CMD, image, io, &im) || cli_baseline_clicks(CMD, cp, im.h, im.w, clicks) ||
        cli_open_baseline(CMD, model, &w, &m))
        goto done;
    if (!(prob = malloc((size_t)im.h * im.w * sizeof(float))) || audit_trace_start(dir)) {
        cli_lib_error(CMD);
        goto done;
    }
    tracing = 1;
    if (iseg_set_image(m, im.rgb, im.h, im.w) || iseg_predict(m, clicks, cp->n_points, prob)) {
        cli_lib_error(CMD);
        goto done;
    }
    tracing = 0;
    if (audit_trace_stop()) {
        cli_lib_error(CMD);
        goto done;
    }
    rc = 0;
done:
    if (tracing) audit_trace_abort();
    free(prob);
    iseg_free(m);
    samw_close(w);
    cli_image_free(&im);
    cli_prompt_free(cp);
    return rc;
}

int cmd_trace(int argc, char **argv) {
    const char *model = NULL, *image = NULL, *dir = NULL;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    cli_prompt cp = CLI_PROMPT_INIT;
    const cli_option opts[] = {CLI_STRING_OPT("-m", &model), CLI_STRING_OPT("-i", &image), CLI_STRING_OPT("-o", &dir),
                               CLI_PROMPT_OPTIONS(&cp), CLI_IMAGE_OPTIONS(&io), {0}};
    int rc = cli_parse(CMD, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    if (!model) return cli_usage_error(CMD, "no model (-m MODEL.samw)");
    if (!image) return cli_usage_error(CMD, "no image (-i IMAGE)");
    if (!dir) return cli_usage_error(CMD, "no output folder (-o DIR)");
    if (strlen(dir) > 3800) return cli_usage_error(CMD, "output folder name too long");

    if (cli_model_is_baseline(model)) return trace_baseline(model, image, &io, &cp, dir);
    sam_model *m = NULL;
    sam_predictor *p = NULL;
    cli_image im = {0};
    sam_prediction r = {0};
    sam_prompt pr;
    int tracing = 0;
    rc = 1;
    if (cli_image_read(CMD, image, &io, &im) || cli_open_model(CMD, model, &m, &p) ||
        cli_prompt_load(CMD, &cp, m, im.h, im.w, &pr))
        goto done;
    if (audit_trace_start(dir)) {
        cli_lib_error(CMD);
        goto done;
    }
    tracing = 1;
    if (sam_predictor_set_image(p, im.rgb, im.h, im.w) || sam_predict(p, &pr, &r)) {
        cli_lib_error(CMD);
        goto done;
    }
    tracing = 0;
    if (audit_trace_stop()) {
        cli_lib_error(CMD);
        goto done;
    }
    rc = 0;
done:
    if (tracing) audit_trace_abort();
    sam_prediction_free(&r);
    cli_prompt_free(&cp);
    cli_image_free(&im);
    sam_predictor_free(p);
    sam_model_free(m);
    return rc;
}
