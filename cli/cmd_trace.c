/* samc trace: every named intermediate tensor of one set_image + predict, as .npy files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "io/image.h"
#include "io/npy.h"
#include "samc.h"

static const char *k_usage =
    "usage: samc trace -m MODEL.samw -i IMAGE [--point X,Y,LABEL]... [--box X0,Y0,X1,Y1]\n"
    "                  [--mask-input LOWRES.npy] [--multimask] [--reference] [--threads N] -o DIR\n"
    "  Runs SamPredictor.set_image(IMAGE) and one predict with the prompts (as 'samc predict')\n"
    "  and writes every named intermediate tensor to DIR as NNN_NAME.npy (float32), NAME being\n"
    "  the official PyTorch module whose output it is (image_encoder.blocks.3,\n"
    "  mask_decoder.transformer.layers.0.queries, ...), with the batch dimension of 1, plus\n"
    "  DIR/manifest.tsv (index, name, file, shape), written last. Compare traces with\n"
    "  'samc diff'. --reference traces the portable reference mode.\n";

#define MAX_POINTS 256
#define CMD "trace"

int cmd_trace(int argc, char **argv) {
    const char *model = NULL, *image = NULL, *mask_path = NULL, *dir = NULL;
    double points[2 * MAX_POINTS], box[4];
    int labels[MAX_POINTS], n_points = 0, has_box = 0, multimask = 0;
    for (int i = 1; i < argc; i++) {
        int c = cli_common_option(CMD, argc, argv, &i);
        if (c < 0) return 2;
        if (c) continue;
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(k_usage, stdout);
            return 0;
        } else if (!strcmp(a, "-m")) {
            if (!(model = cli_value(CMD, argc, argv, &i))) return 2;
        } else if (!strcmp(a, "-i")) {
            if (!(image = cli_value(CMD, argc, argv, &i))) return 2;
        } else if (!strcmp(a, "-o")) {
            if (!(dir = cli_value(CMD, argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--mask-input")) {
            if (!(mask_path = cli_value(CMD, argc, argv, &i))) return 2;
        } else if (!strcmp(a, "--point")) {
            double p[3];
            if (!(v = cli_value(CMD, argc, argv, &i)) || cli_doubles(CMD, "--point", v, 3, p)) return 2;
            if (n_points == MAX_POINTS) return cli_usage_error(CMD, "at most %d points", MAX_POINTS);
            if (p[2] != 0.0 && p[2] != 1.0)
                return cli_usage_error(CMD, "--point %s: the label must be 1 (foreground) or 0 (background)", v);
            points[2 * n_points] = p[0];
            points[2 * n_points + 1] = p[1];
            labels[n_points++] = (int)p[2];
        } else if (!strcmp(a, "--box")) {
            if (!(v = cli_value(CMD, argc, argv, &i)) || cli_doubles(CMD, "--box", v, 4, box)) return 2;
            has_box = 1;
        } else if (!strcmp(a, "--multimask")) {
            multimask = 1;
        } else {
            return cli_usage_error(CMD, "unknown option %s", a);
        }
    }
    if (!model) return cli_usage_error(CMD, "no model (-m MODEL.samw)");
    if (!image) return cli_usage_error(CMD, "no image (-i IMAGE)");
    if (!dir) return cli_usage_error(CMD, "no output folder (-o DIR)");
    if (strlen(dir) > 3800) return cli_usage_error(CMD, "output folder name too long");

    sam_model *m = NULL;
    sam_predictor *p = NULL;
    uint8_t *rgb = NULL;
    npy_array mask = {0};
    sam_prediction r = {0};
    int h, w, rc = 1, tracing = 0;
    if (!(m = sam_model_load(model)) || !(p = sam_predictor_new(m)) || image_read_rgb8(image, &rgb, &h, &w)) {
        cli_lib_error(CMD);
        goto done;
    }
    if (mask_path) {
        int L = 4 * sam_model_embed_grid(m);
        if (npy_read_f32(mask_path, &mask)) {
            cli_lib_error(CMD);
            goto done;
        }
        /* 1 x 4G x 4G (a leading 1 optional), as samc predict */
        int nd = mask.ndim;
        if (nd < 2 || nd > 3 || mask.shape[nd - 1] != L || mask.shape[nd - 2] != L || (nd == 3 && mask.shape[0] != 1)) {
            cli_error(CMD, "mask input %s: shape is not 1 x %d x %d", mask_path, L, L);
            goto done;
        }
    }
    if (audit_trace_start(dir)) {
        cli_lib_error(CMD);
        goto done;
    }
    tracing = 1;
    sam_prompt pr = {.n_points = n_points, .points = points, .labels = labels, .box = has_box ? box : NULL,
                     .mask_input = mask_path ? mask.data : NULL, .multimask = multimask};
    if (sam_predictor_set_image(p, rgb, h, w) || sam_predict(p, &pr, &r)) {
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
    npy_free(&mask);
    free(rgb);
    sam_predictor_free(p);
    sam_model_free(m);
    return rc;
}
