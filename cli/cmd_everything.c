/* samc everything: SamAutomaticMaskGenerator on one image (segment everything). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/everything_output.h"
#include "cli/image_input.h"
#include "io/nifti.h"
#include "sam/amg.h"
#include "sam/automatic_mask_generator.h"
#include "samc.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/output_dir.h"
#include "util/progress.h"
#include "util/timer.h"

static const char k_usage[] =
    "usage: samc everything -m MODEL.samw -i IMAGE -o DIR [options]\n"
    "       samc everything -m MODEL.samw -i VOLUME (--slices A:B | --all-slices) -o DIR [options]\n"
    "\n"
    "Segments everything in IMAGE as SamAutomaticMaskGenerator does: prompts the model\n"
    "with a grid of points (on the image and optionally on crops of it), filters the masks\n"
    "by predicted IoU and stability, and removes duplicates with box NMS. Writes\n"
    "DIR/masks.npy (bool N x H x W, in output order), DIR/annotations.json (the official\n"
    "records: area, bbox XYWH, predicted_iou, point_coords, stability_score, crop_box, and\n"
    "segmentation in the RLE modes) and DIR/overlay.png: all three, replacing an earlier set in\n"
    "DIR, or none (DIR must be new, empty or hold only these). Defaults are the official ones.\n"
    "\n"
    "On a volume, --slices A:B (slices A to B, both included, in the plane) or --all-slices\n"
    "segments each of those slices (not with --slice), encoding each once, and writes instead\n"
    "DIR/labels.nii.gz, a uint16 label volume with the scan's geometry (qform/sform): in each\n"
    "segmented slice 0 where no mask is, else L, meaning record L-1 of that slice's\n"
    "DIR/annotations_K.json (K: the slice, three digits at least; the records as above); where\n"
    "masks overlap the smallest one's label (the earlier on equal areas), so masks lying on\n"
    "larger ones stay visible. To keep every mask whole, --output-mode coco_rle puts each in\n"
    "its record. All the files, or none; a line per slice on stdout ('slice K: N masks').\n"
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
    "  --progress-every S                a line on stderr at most every S seconds (default\n"
    "                                    30; 0: none): 'samc everything: 512/1024 points\n"
    "                                    (50%), 7.1 ms/point, ETA 0m04s' (on slices, the\n"
    "                                    points of all, with ', slice K (3 of 10)')\n"
    "  --max-pixels N                    refuse an image of more than N pixels (from its header)\n"
    "  --slice K, --plane P, --intensity SPEC  the slice of a NIfTI or DICOM volume (samc predict -h)\n"
    "  --slices A:B, --all-slices         several slices of a volume (above)\n"
    "  --threads N                       worker threads (default: all cores)\n";

static const char *const k_outputs[3] = {"masks.npy", "annotations.json", "overlay.png"};

/* the files of an everything output set (output_dir_owns), of one image or of slices */
static int everything_owns(const char *name) {
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, k_outputs[i])) return 1;
    int k, end = 0;
    return !strcmp(name, "labels.nii.gz") ||
           (sscanf(name, "annotations_%d.json%n", &k, &end) == 1 && end > 0 && name[end] == 0 && k >= 0);
}

static int parse_output_mode(const char *cmd, const char *opt, const char *v, void *mode) {
    if (!strcmp(v, "binary_mask")) *(seg_mode *)mode = SEG_BINARY_MASK;
    else if (!strcmp(v, "uncompressed_rle")) *(seg_mode *)mode = SEG_UNCOMPRESSED_RLE;
    else if (!strcmp(v, "coco_rle")) *(seg_mode *)mode = SEG_COCO_RLE;
    else return cli_usage_error(cmd, "%s: expected binary_mask, uncompressed_rle or coco_rle, got '%s'", opt, v);
    return 0;
}

/* The generator's model with progress lines (util/progress.h): the grid points decoded of
 * all crops', timed from the start (the crops' encoding included). */
typedef struct {
    amg_model inner;
    progress_log log;
    size_t done, total;
    double t0;
    char extra[64]; /* on slices: which one */
} progress_model;

static int progress_set_image(void *ctx, const uint8_t *rgb, int h, int w, int stride) {
    progress_model *m = ctx;
    return m->inner.set_image(m->inner.ctx, rgb, h, w, stride);
}

static int progress_decode(void *ctx, const double *xy, int n, float keep_iou_above, float *iou, float *low) {
    progress_model *m = ctx;
    int rc = m->inner.decode(m->inner.ctx, xy, n, keep_iou_above, iou, low);
    m->done += (size_t)n;
    if (rc == 0 && util_progress_log_due(&m->log))
        util_progress_log_print(stderr, "samc everything", m->done, m->total, "point", m->extra[0] ? m->extra : NULL,
                           (util_wall_seconds() - m->t0) / (double)m->done);
    return rc;
}

static int progress_upscale(void *ctx, const float *low, float *out) {
    const progress_model *m = ctx;
    return m->inner.upscale(m->inner.ctx, low, out);
}

/* The grid points the generator decodes on an h x w image: those of every non-empty crop
 * (as sam_amg_generate walks them). 0 or -1. */
static int grid_points(int h, int w, const sam_amg_params *p, size_t *total) {
    int n = sam_amg_crop_boxes(h, w, p->crop_n_layers, p->crop_overlap_ratio, NULL, NULL, 0);
    int *boxes = n > 0 ? util_xmalloc_array((size_t)n, 4 * sizeof(int)) : NULL;
    int *layers = n > 0 ? util_xmalloc_array((size_t)n, sizeof(int)) : NULL;
    if (!boxes || !layers) {
        free(boxes), free(layers);
        return n > 0 ? -1 : util_err("no crops for a %d x %d image", w, h);
    }
    sam_amg_crop_boxes(h, w, p->crop_n_layers, p->crop_overlap_ratio, boxes, layers, n);
    *total = 0;
    for (int k = 0; k < n; k++) {
        const int *b = boxes + 4 * k;
        if (b[2] <= b[0] || b[3] <= b[1]) continue;
        size_t g = (size_t)sam_amg_layer_points_per_side(p->points_per_side, layers[k],
                    p->crop_n_points_downscale_factor);
        *total += g * g;
    }
    free(boxes), free(layers);
    return 0;
}

/* Writes the set of one image: masks.npy, annotations.json, overlay.png (every output
 * computed before the first file is written). 0 or -1. */
static int write_image_outputs(const output_dir *od, const cli_image *im, const sam_amg_result *r, seg_mode mode) {
    char path[4096];
    for (int f = 0; f < 3; f++)
        if (util_output_dir_file(od, k_outputs[f], path, sizeof path) ||
            (f == 0   ? write_masks_npy(path, r)
             : f == 1 ? write_annotations_json(path, r, mode)
                      : write_overlay_png(path, im->rgb, r)))
            return -1;
    return 0;
}

/* --slices / --all-slices: each slice of im->first .. last segmented, its records written
 * as it is done, its labels put into the label volume, written at the end. 0 or -1. */
static int segment_slices(progress_model *pm, amg_model *with_progress, cli_image *im, const sam_amg_params *p,
                          seg_mode mode, int verbose, const output_dir *od, int **counts) {
    int64_t n = im->last - im->first + 1;
    size_t nvox;
    char path[4096], name[64];
    if (util_size_prod(im->vol.dim + 1, 3, &nvox)) return -1;
    uint16_t *vol = util_xcalloc_array(nvox ? nvox : 1, sizeof *vol);
    uint16_t *labels = util_xmalloc_array((size_t)im->h * (size_t)im->w, sizeof *labels);
    *counts = util_xmalloc_array((size_t)n, sizeof **counts);
    int rc = vol && labels && *counts ? 0 : -1;
    pm->total *= (size_t)n; /* the same grid on every slice */
    for (int64_t s = 0; s < n && rc == 0; s++) {
        if (s > 0 && cli_image_set_slice("everything", im, im->first + s)) {
            rc = util_err("slice %lld could not be shown", (long long)(im->first + s));
            break;
        }
        snprintf(pm->extra, sizeof pm->extra, ", slice %lld (%lld of %lld)", (long long)im->slice, (long long)s + 1,
                 (long long)n);
        sam_amg_result r = {0};
        rc = sam_amg_generate(with_progress, im->rgb, im->h, im->w, p, &r);
        snprintf(name, sizeof name, "annotations_%03lld.json", (long long)im->slice);
        if (rc == 0) rc = util_output_dir_file(od, name, path, sizeof path) || write_annotations_json(path, &r, mode);
        if (rc == 0) rc = everything_label_slice(&r, labels);
        if (rc == 0) rc = io_nifti_slice_put_u16(&im->vol, im->plane, im->slice, labels, vol);
        if (rc == 0) (*counts)[s] = r.n;
        if (rc == 0 && verbose)
            fprintf(stderr, "samc everything: slice %lld: %d masks; encoder %.3f s, decoder %.3f s, post-processing "
                            "%.3f s\n", (long long)im->slice, r.n, r.t_encoder, r.t_decoder, r.t_post);
        if (rc) util_err_context("slice %lld", (long long)im->slice);
        sam_amg_result_free(&r);
    }
    if (rc == 0) rc = util_output_dir_file(od, "labels.nii.gz", path, sizeof path) ||
                      io_nifti_write_labels(path, &im->vol, NIFTI_UINT16, vol);
    free(vol), free(labels);
    return rc ? -1 : 0;
}

int cmd_everything(int argc, char **argv) {
    const char *cmd = "everything", *model_path = NULL, *image_path = NULL, *out_dir = NULL;
    sam_amg_params p;
    sam_amg_params_default(&p);
    int min_area = 0, verbose = 0;
    double progress_every = 30;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    seg_mode mode = SEG_BINARY_MASK;
    const cli_option opts[] = {
        CLI_STRING_OPT("-m", &model_path),
        CLI_STRING_OPT("-i", &image_path),
        CLI_STRING_OPT("-o", &out_dir),
        CLI_INT_OPT("--points-per-side", &p.points_per_side, 1, 1024),
        CLI_INT_OPT("--points-per-batch", &p.points_per_batch, 1, 1024),
        CLI_DOUBLE_OPT("--pred-iou-thresh", &p.pred_iou_thresh, 0, 0),
        CLI_DOUBLE_OPT("--stability-score-thresh", &p.stability_score_thresh, 0, 0),
        CLI_DOUBLE_OPT("--stability-score-offset", &p.stability_score_offset, 0, 0),
        CLI_DOUBLE_OPT("--box-nms-thresh", &p.box_nms_thresh, 0, 0),
        CLI_INT_OPT("--crop-n-layers", &p.crop_n_layers, 0, 6),
        CLI_DOUBLE_OPT("--crop-nms-thresh", &p.crop_nms_thresh, 0, 0),
        CLI_DOUBLE_OPT("--crop-overlap-ratio", &p.crop_overlap_ratio, 0, 0),
        CLI_INT_OPT("--crop-n-points-downscale-factor", &p.crop_n_points_downscale_factor, 1, 1024),
        CLI_INT_OPT("--min-mask-region-area", &min_area, 0, 1L << 30),
        CLI_CUSTOM_OPT("--output-mode", parse_output_mode, &mode),
        CLI_FLAG_OPT("--verbose", &verbose),
        CLI_DOUBLE_OPT("--progress-every", &progress_every, 0, 1e9),
        CLI_IMAGE_OPTIONS(&io),
        CLI_SLICE_RANGE_OPTIONS(&io),
        {0},
    };
    int rc = cli_parse(cmd, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    if (!model_path || !image_path || !out_dir) return cli_usage_error(cmd, "needs -m MODEL, -i IMAGE and -o DIR");
    p.min_mask_region_area = min_area;
    if (sam_amg_params_check(&p)) return cli_usage_error(cmd, "%s", samc_errmsg());
    if ((rc = cli_image_check_options(cmd, &io))) return rc;

    cli_image im = {0};
    rc = 1;
    sam_model *m = NULL;
    sam_predictor *pred = NULL;
    amg_model am = {0};
    sam_amg_result r = {0};
    output_dir od = {0};
    int *counts = NULL;
    io.takes_range = 1;
    int range = io.slices || io.all_slices;
    if (util_output_dir_open(&od, out_dir, everything_owns)) { /* refused before any work */
        cli_lib_error(cmd);
        goto done;
    }
    if (cli_image_read(cmd, image_path, &io, &im)) goto done;
    if (!(m = sam_model_load(model_path))) {
        cli_lib_error(cmd); /* the message names the file */
        goto done;
    }
    progress_model pm = {.t0 = util_wall_seconds()};
    util_progress_log_init(&pm.log, progress_every);
    if (!(pred = sam_predictor_new(m)) || sam_amg_model_init(&am, pred) || grid_points(im.h, im.w, &p, &pm.total)) {
        cli_lib_error(cmd);
        goto done;
    }
    pm.inner = am;
    amg_model with_progress = {.ctx = &pm, .low_res = am.low_res, .set_image = progress_set_image,
                               .decode = progress_decode, .upscale = progress_upscale};
    int failed = range ? segment_slices(&pm, &with_progress, &im, &p, mode, verbose, &od, &counts)
                       : sam_amg_generate(&with_progress, im.rgb, im.h, im.w, &p, &r) ||
                             write_image_outputs(&od, &im, &r, mode);
    if (failed) {
        cli_lib_error(cmd);
        goto done;
    }
    if (util_output_dir_commit(&od)) {
        cli_lib_error(cmd);
        goto done;
    }
    for (int64_t s = 0; range && s <= im.last - im.first; s++)
        printf("slice %lld: %d masks\n", (long long)(im.first + s), counts[s]);
    if (verbose && !range)
        fprintf(stderr, "samc everything: %d masks; encoder %.3f s, decoder %.3f s, post-processing %.3f s\n", r.n,
                r.t_encoder, r.t_decoder, r.t_post);
    rc = 0;
done:
    util_output_dir_abort(&od);
    free(counts);
    sam_amg_result_free(&r);
    if (am.ctx) sam_amg_model_free(&am);
    sam_predictor_free(pred);
    sam_model_free(m);
    cli_image_free(&im);
    return rc;
}
