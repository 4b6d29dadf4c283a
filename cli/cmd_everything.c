/* samc everything: SamAutomaticMaskGenerator on one image (segment everything). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/everything_output.h"
#include "io/image.h"
#include "samc.h"
#include "util/err.h"
#include "util/file.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "usage: samc everything -m MODEL.samw -i IMAGE -o DIR [options]\n"
            "\n"
            "Segments everything in IMAGE as SamAutomaticMaskGenerator does: prompts the model\n"
            "with a grid of points (on the image and optionally on crops of it), filters the masks\n"
            "by predicted IoU and stability, and removes duplicates with box NMS. Writes\n"
            "DIR/masks.npy (bool N x H x W, in output order), DIR/annotations.json (the official\n"
            "records: area, bbox XYWH, predicted_iou, point_coords, stability_score, crop_box, and\n"
            "segmentation in the RLE modes) and DIR/overlay.png. Defaults are the official ones.\n"
            "\n"
            "  --points-per-side N               32\n"
            "  --points-per-batch N              64\n"
            "  --pred-iou-thresh X               0.88 (0 disables the filter)\n"
            "  --stability-score-thresh X        0.95 (0 disables the filter)\n"
            "  --stability-score-offset X        1.0\n"
            "  --box-nms-thresh X                0.7\n"
            "  --crop-n-layers N                 0\n"
            "  --crop-nms-thresh X               0.7\n"
            "  --crop-overlap-ratio X            0.3413 (512/1500)\n"
            "  --crop-n-points-downscale-factor N  1\n"
            "  --min-mask-region-area N          0 (> 0 fills small holes, removes small islands)\n"
            "  --output-mode MODE                binary_mask | uncompressed_rle | coco_rle\n"
            "  --verbose                         report the time of each stage\n"
            "  --threads N                       worker threads (default: all cores)\n");
}

/* The numeric options: name, where the value goes, integer range or real. */
typedef struct {
    const char *name;
    int *i;
    double *d;
    long lo, hi;
} num_option;

int cmd_everything(int argc, char **argv) {
    const char *cmd = "everything", *model_path = NULL, *image_path = NULL, *out_dir = NULL;
    sam_amg_params p;
    sam_amg_params_default(&p);
    int min_area = 0, verbose = 0;
    seg_mode mode = SEG_BINARY_MASK;
    const num_option opts[] = {
        {"--points-per-side", &p.points_per_side, NULL, 1, 1024},
        {"--points-per-batch", &p.points_per_batch, NULL, 1, 1024},
        {"--pred-iou-thresh", NULL, &p.pred_iou_thresh, 0, 0},
        {"--stability-score-thresh", NULL, &p.stability_score_thresh, 0, 0},
        {"--stability-score-offset", NULL, &p.stability_score_offset, 0, 0},
        {"--box-nms-thresh", NULL, &p.box_nms_thresh, 0, 0},
        {"--crop-n-layers", &p.crop_n_layers, NULL, 0, 6},
        {"--crop-nms-thresh", NULL, &p.crop_nms_thresh, 0, 0},
        {"--crop-overlap-ratio", NULL, &p.crop_overlap_ratio, 0, 0},
        {"--crop-n-points-downscale-factor", &p.crop_n_points_downscale_factor, NULL, 1, 1024},
        {"--min-mask-region-area", &min_area, NULL, 0, 1L << 30},
    };
    for (int i = 1; i < argc; i++) {
        int common = cli_common_option(cmd, argc, argv, &i);
        if (common < 0) return 2;
        if (common) continue;
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--verbose")) {
            verbose = 1;
            continue;
        }
        const char **target = !strcmp(a, "-m") ? &model_path : !strcmp(a, "-i") ? &image_path
                              : !strcmp(a, "-o") ? &out_dir : NULL;
        if (target) {
            if (!(*target = cli_value(cmd, argc, argv, &i))) return 2;
            continue;
        }
        if (!strcmp(a, "--output-mode")) {
            const char *v = cli_value(cmd, argc, argv, &i);
            if (!v) return 2;
            if (!strcmp(v, "binary_mask")) mode = SEG_BINARY_MASK;
            else if (!strcmp(v, "uncompressed_rle")) mode = SEG_UNCOMPRESSED_RLE;
            else if (!strcmp(v, "coco_rle")) mode = SEG_COCO_RLE;
            else
                return cli_usage_error(cmd, "--output-mode: expected binary_mask, uncompressed_rle or coco_rle, got '%s'",
                                       v);
            continue;
        }
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strcmp(a, opts[k].name)) k++;
        if (k == sizeof opts / sizeof opts[0]) return cli_usage_error(cmd, "unknown option '%s'", a);
        const char *v = cli_value(cmd, argc, argv, &i);
        if (!v) return 2;
        if (opts[k].i) {
            long x;
            if (cli_int(cmd, a, v, opts[k].lo, opts[k].hi, &x)) return 2;
            *opts[k].i = (int)x;
        } else if (cli_double(cmd, a, v, opts[k].d)) {
            return 2;
        }
    }
    if (!model_path || !image_path || !out_dir) return cli_usage_error(cmd, "needs -m MODEL, -i IMAGE and -o DIR");
    p.min_mask_region_area = min_area;
    if (sam_amg_params_check(&p)) return cli_usage_error(cmd, "%s", samc_errmsg());

    uint8_t *rgb = NULL;
    int h = 0, w = 0, rc = 1;
    sam_model *m = NULL;
    sam_predictor *pred = NULL;
    amg_model am = {0};
    sam_amg_result r = {0};
    if (image_read_rgb8(image_path, &rgb, &h, &w) || !(m = sam_model_load(model_path))) {
        cli_lib_error(cmd); /* the messages name the file */
        goto done;
    }
    if (!(pred = sam_predictor_new(m)) || sam_amg_model_init(&am, pred) || sam_amg_generate(&am, rgb, h, w, &p, &r)) {
        cli_lib_error(cmd);
        goto done;
    }
    /* every output is computed before the first file is written */
    char path[4096];
    if (make_dirs(out_dir)) {
        cli_lib_error(cmd);
        goto done;
    }
    const char *names[3] = {"masks.npy", "annotations.json", "overlay.png"};
    int written = 0;
    for (int f = 0; f < 3; f++, written++) {
        if (snprintf(path, sizeof path, "%s/%s", out_dir, names[f]) >= (int)sizeof path) {
            cli_error(cmd, "output directory path is too long");
            goto done;
        }
        int err = f == 0 ? write_masks_npy(path, &r) : f == 1 ? write_annotations_json(path, &r, mode)
                                                              : write_overlay_png(path, rgb, &r);
        if (err) {
            cli_lib_error(cmd);
            /* no partial output: remove the files this run already wrote */
            for (int g = 0; g < written; g++)
                if (snprintf(path, sizeof path, "%s/%s", out_dir, names[g]) < (int)sizeof path) remove(path);
            goto done;
        }
    }
    if (verbose)
        fprintf(stderr, "samc everything: %d masks; encoder %.3f s, decoder %.3f s, post-processing %.3f s\n", r.n,
                r.t_encoder, r.t_decoder, r.t_post);
    rc = 0;
done:
    sam_amg_result_free(&r);
    if (am.ctx) sam_amg_model_free(&am);
    sam_predictor_free(pred);
    sam_model_free(m);
    free(rgb);
    return rc;
}
