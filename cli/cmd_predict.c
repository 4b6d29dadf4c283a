/* samc predict: SamPredictor.predict on one image with points, a box and/or a mask input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/baseline_input.h"
#include "cli/image_input.h"
#include "cli/predict_baseline.h"
#include "cli/predict_report.h"
#include "cli/predict_slices.h"
#include "cli/prompt_options.h"
#include "eval/embedding_file.h"
#include "eval/overlay.h"
#include "io/npy.h"
#include "io/png.h"
#include "samc.h"
#include "util/output_dir.h"

static const char *k_usage =
    "usage: samc predict -m MODEL.samw -i IMAGE [--embedding EMB.npy [--plain-embedding]]\n"
    "                    [--point X,Y,LABEL]... [--box X0,Y0,X1,Y1] [--mask-input LOWRES.npy\n"
    "                    [--mask-index K]] [--multimask [--best]] [--json] [--overlay FILE.png]\n"
    "                    [--max-pixels N] [--threads N] -o DIR\n"
    "       samc predict -m MODEL.samw -i VOLUME (--slices A:B | --all-slices) [--plane P]\n"
    "                    [--intensity SPEC] [prompts as above] [--multimask [--best]] [--json]\n"
    "                    [--progress-every S] -o DIR\n"
    "  Segments IMAGE from the prompts like SamPredictor.predict. Coordinates are in pixels of\n"
    "  IMAGE; LABEL is 1 (foreground) or 0 (background). --embedding uses the image embedding\n"
    "  `samc encode` wrote instead of running the image encoder; it records the model, the image\n"
    "  and the arithmetic it was computed with and a checksum, and is refused for another model or\n"
    "  image, or when damaged. --plain-embedding accepts a .npy without that record (float32\n"
    "  1 x C x G x G, e.g. SamPredictor.features saved by NumPy): then IMAGE only gives the size,\n"
    "  and matching them is up to you. --mask-input feeds back low-res logits (1 x 4G x 4G) of an\n"
    "  earlier call (--mask-index K: mask K of a file of several, as --multimask writes);\n"
    "  --multimask returns 3 masks, --best then keeps the one of the highest predicted IoU.\n"
    "  Prints one line per mask: its index, predicted IoU, stability score (as everything mode\n"
    "  computes it) and area; --json also writes that as DIR/masks.json.\n"
    "  --overlay FILE.png draws mask_0.png's mask (with --best the best one) over the image: its\n"
    "  outline red, the points blue dots (a negative one a ring), the box a blue rectangle, at\n"
    "  the image's size (as samc report's example overlays, eval/overlay.h), written atomically;\n"
    "  FILE's folder must exist and not be DIR. Any model: a baseline's mask is prob > 0.49.\n"
    "  Writes DIR/masks.npy (bool K x H x W), iou_predictions.npy (float32 K),\n"
    "  low_res_logits.npy (float32 K x 4G x 4G), logits.npy (float32 K x H x W) and\n"
    "  mask_0.png ... (1-bit): all of them, replacing an earlier set in DIR, or none. DIR must\n"
    "  be new, empty or hold only such files. The full-size outputs grow with IMAGE (5 bytes a\n"
    "  pixel a mask): above 256 MiB their size is announced before any work; --max-pixels N\n"
    "  refuses an image of more than N pixels, from its header.\n"
    "  IMAGE may be a PNG or JPEG, or a volume: NIfTI (.nii, .nii.gz, .hdr/.img), a DICOM file or\n"
    "  a folder holding one DICOM series; for a volume --slice K picks the slice,\n"
    "  --plane axial|coronal|sagittal its plane (default axial), --intensity paper|minmax|\n"
    "  window:L,W|PRESET maps its values to grey (default paper, as the study); the slice is shown\n"
    "  radiologically (axial: rows anterior to posterior, columns patient right to left) and the\n"
    "  prompt coordinates are in its pixels. Then each mask is also written as mask_K.nii.gz, a\n"
    "  uint8 volume with the scan's geometry (qform/sform): 1 where the mask is, in the chosen\n"
    "  slice, 0 elsewhere, to overlay in ITK-SNAP or 3D Slicer.\n"
    "  --slices A:B (slices A to B, both included, in the plane) or --all-slices segments each\n"
    "  of those slices with the same prompts (in each slice's displayed pixels), encoding each\n"
    "  once; not with --slice, --embedding, --overlay or a baseline. Then DIR holds mask_K.nii.gz\n"
    "  (every segmented slice filled; with --best each slice's best mask), masks.csv (slice,\n"
    "  mask, index, predicted_iou, stability_score, area: a row per slice and mask) and with\n"
    "  --json masks.json (per slice), all or none; no logits (run --slice K for a slice's).\n"
    "  Prints the mask lines prefixed 'slice S: ' and, at most every S seconds (--progress-every,\n"
    "  default 30; 0: none), a progress line on stderr: 'samc predict: 3/10 slices (30%), ...'.\n"
    "  MODEL may also be one of the study's baselines (RITM, FocalClick, SimpleClick; converted\n"
    "  from the authors' checkpoints by samc convert): it takes clicks only, X,Y integer pixels,\n"
    "  all at once in the order given, as the study's one-pass call, and writes DIR/prob.npy\n"
    "  (float32 H x W, the predictor's probability), masks.npy (bool 1 x H x W, prob > 0.49) and\n"
    "  mask_0.png (and mask_0.nii.gz for a volume).\n";

#define CMD "predict"

/* the files of a predict output set (output_dir_owns) */
static int predict_owns(const char *name) {
    static const char *const npys[] = {"masks.npy", "iou_predictions.npy", "low_res_logits.npy", "logits.npy",
                                       "masks.json", "prob.npy"};
    for (size_t i = 0; i < sizeof npys / sizeof npys[0]; i++)
        if (!strcmp(name, npys[i])) return 1;
    if (predict_slices_owns(name)) return 1;
    int k, end = 0, end_nii = 0;
    if (sscanf(name, "mask_%d.png%n", &k, &end) == 1 && end > 0 && name[end] == 0 && k >= 0) return 1;
    return sscanf(name, "mask_%d.nii.gz%n", &k, &end_nii) == 1 && end_nii > 0 && name[end_nii] == 0 && k >= 0;
}

static int write_outputs(const output_dir *od, const sam_prediction *r, const cli_image *im) {
    char path[4096], name[32];
    int64_t k = r->k, h = r->h, w = r->w, L = r->low_res;
    int64_t s_masks[3] = {k, h, w}, s_iou[1] = {k}, s_low[3] = {k, L, L};
    if (util_output_dir_file(od, "masks.npy", path, sizeof path) || io_npy_write(path, NPY_BOOL, 3, s_masks, r->masks))
        return -1;
    if (util_output_dir_file(od, "iou_predictions.npy", path, sizeof path) || io_npy_write(path, NPY_F32, 1, s_iou,
        r->iou))
        return -1;
    if (util_output_dir_file(od, "low_res_logits.npy", path, sizeof path) ||
        io_npy_write(path, NPY_F32, 3, s_low, r->low_res_logits))
        return -1;
    if (util_output_dir_file(od, "logits.npy", path, sizeof path) || io_npy_write(path, NPY_F32, 3, s_masks, r->logits))
        return -1;
    for (int i = 0; i < r->k; i++) {
        snprintf(name, sizeof name, "mask_%d.png", i);
        if (util_output_dir_file(od, name, path, sizeof path) ||
            io_png_write_mask1(path, r->masks + (size_t)i * r->h * r->w, r->w, r->h))
            return -1;
        /* a slice of a volume: the mask also in the scan's geometry, for ITK-SNAP or 3D Slicer */
        snprintf(name, sizeof name, "mask_%d.nii.gz", i);
        if (im->is_volume && (util_output_dir_file(od, name, path, sizeof path) ||
                              cli_image_write_label_volume(im, r->masks + (size_t)i * r->h * r->w, path)))
            return -1;
    }
    return 0;
}

/* Says what a large image will write before the work starts: logits.npy (float32) and
 * masks.npy (bool) are K x H x W each, the PNGs and low-res outputs small beside them. */
static void announce_outputs(int h, int w, void *n_masks) {
    int k = *(const int *)n_masks;
    double logits = 4.0 * k * h * w, masks = 1.0 * k * h * w;
    if (logits + masks <= 256.0 * (1 << 20)) return;
    fprintf(stderr, "samc " CMD ": note: the %d x %d image gives %d full-size mask(s): about %.2f GB of output "
                    "(logits.npy %.2f GB, masks.npy %.2f GB); --max-pixels N refuses such images\n",
            w, h, k, (logits + masks) / 1e9, logits / 1e9, masks / 1e9);
}

/* The embedding of IMAGE under m, as `samc encode` wrote it (eval/embedding_file.h); a plain
 * .npy only when the user said so. 0, or 1 after printing the error. */
static int read_embedding(const char *path, int plain, const sam_model *m, const uint8_t *rgb, int h, int w,
                          float **emb) {
    embedding_origin got, want;
    int has = 0;
    if (eval_embedding_file_read(path, sam_model_embed_channels(m), sam_model_embed_grid(m), emb, &got, &has))
        return cli_lib_error(CMD);
    if (!has && !plain)
        return cli_error(CMD, "%s records no model or image (it was not written by samc encode); give "
                              "--plain-embedding to use it for %d x %d images anyway", path, w, h);
    eval_embedding_origin_of(&want, m, rgb, h, w);
    if (has && eval_embedding_origin_check(&got, &want, path)) return cli_lib_error(CMD);
    return 0;
}

/* --overlay FILE: its folder must exist (found before any work) and not be DIR, whose files
 * are replaced as a set (util/output_dir.h) that the overlay is not part of. 0, or 1 after
 * printing the error. */
static int check_overlay_path(const char *overlay, const char *dir) {
    size_t n = strlen(overlay);
    if (n == 0 || n > 4000 || overlay[n - 1] == '/')
        return cli_usage_error(CMD, "--overlay %s: not a file name", overlay);
    char parent[4096];
    const char *slash = strrchr(overlay, '/');
    snprintf(parent, sizeof parent, "%.*s", slash ? (int)(slash - overlay) + 1 : 1, slash ? overlay : ".");
    struct stat sp, sd;
    if (stat(parent, &sp) != 0 || !S_ISDIR(sp.st_mode))
        return cli_error(CMD, "--overlay %s: no folder %s", overlay, parent);
    if (stat(dir, &sd) == 0 && sd.st_dev == sp.st_dev && sd.st_ino == sp.st_ino)
        return cli_usage_error(CMD, "--overlay %s: put it outside %s (its files are replaced as a set)", overlay, dir);
    return 0;
}

int cmd_predict(int argc, char **argv) {
    const char *model = NULL, *image = NULL, *emb_path = NULL, *dir = NULL, *overlay = NULL;
    int plain = 0, best = 0, json = 0;
    double progress_every = 30;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    io.takes_range = 1;
    cli_prompt cp = CLI_PROMPT_INIT;
    const cli_option opts[] = {CLI_STRING_OPT("-m", &model),
                               CLI_STRING_OPT("-i", &image),
                               CLI_STRING_OPT("-o", &dir),
                               CLI_STRING_OPT("--embedding", &emb_path),
                               CLI_FLAG_OPT("--plain-embedding", &plain),
                               CLI_FLAG_OPT("--best", &best),
                               CLI_FLAG_OPT("--json", &json),
                               CLI_STRING_OPT("--overlay", &overlay),
                               CLI_PROMPT_OPTIONS(&cp),
                               CLI_IMAGE_OPTIONS(&io),
                               CLI_SLICE_RANGE_OPTIONS(&io),
                               CLI_DOUBLE_OPT("--progress-every", &progress_every, 0, 1e9),
                               {0}};
    int rc = cli_parse(CMD, k_usage, opts, argc, argv, NULL, 0, NULL);
    if (rc >= 0) return rc;
    if (!model) return cli_usage_error(CMD, "no model (-m MODEL.samw)");
    if (!image) return cli_usage_error(CMD, "no image (-i IMAGE)");
    if (!dir) return cli_usage_error(CMD, "no output folder (-o DIR)");
    if (strlen(dir) > 4000) return cli_usage_error(CMD, "output folder name too long");
    if (plain && !emb_path) return cli_usage_error(CMD, "--plain-embedding goes with --embedding");
    int range = io.slices || io.all_slices;
    if ((rc = cli_image_check_options(CMD, &io))) return rc;
    if (range && (emb_path || overlay || cli_model_is_baseline(model)))
        return cli_usage_error(CMD, "%s one slice; give --slice K for it",
                               emb_path  ? "--embedding is the embedding of"
                               : overlay ? "--overlay draws"
                                         : "a baseline segments");
    if (overlay && (rc = check_overlay_path(overlay, dir))) return rc;
    if (cli_model_is_baseline(model)) {
        if (emb_path || best || json)
            return cli_usage_error(CMD, "%s is for SAM models; %s is a baseline (clicks only)",
                                   emb_path ? "--embedding" : best ? "--best" : "--json", model);
        output_dir bod = {0};
        if (util_output_dir_open(&bod, dir, predict_owns)) rc = cli_lib_error(CMD);
        else rc = predict_baseline(model, image, &io, &cp, overlay, &bod);
        util_output_dir_abort(&bod);
        cli_prompt_free(&cp);
        return rc;
    }

    sam_model *m = NULL;
    sam_predictor *p = NULL;
    cli_image im = {0};
    float *emb = NULL;
    sam_prediction r = {0};
    sam_prompt pr;
    output_dir od = {0};
    int n_masks = cp.multimask && !best ? 3 : 1;
    if (!range) io.on_size = announce_outputs; /* a range writes no full-size arrays */
    io.ctx = &n_masks;
    rc = 1;
    if (util_output_dir_open(&od, dir, predict_owns)) { /* refused before any work */
        cli_lib_error(CMD);
        goto done;
    }
    if (cli_image_read(CMD, image, &io, &im) || cli_open_model(CMD, model, &m, &p)) goto done;
    if (emb_path && read_embedding(emb_path, plain, m, im.rgb, im.h, im.w, &emb)) goto done;
    if (cli_prompt_load(CMD, &cp, m, im.h, im.w, &pr)) goto done;
    if (range) {
        rc = predict_slices(CMD, p, &im, &pr, best, json, progress_every, &od);
        goto done;
    }
    if (emb_path ? sam_predictor_set_embedding(p, emb, im.h, im.w) : sam_predictor_set_image(p, im.rgb, im.h, im.w)) {
        cli_lib_error(CMD);
        goto done;
    }
    if (sam_predict(p, &pr, &r)) {
        cli_lib_error(CMD);
        goto done;
    }
    predict_report rep;
    predict_report_make(&r, best ? predict_keep_best(&r) : -1, &rep);
    char json_path[4096];
    overlay_prompt op = {.xy = cp.points, .labels = cp.labels, .n_points = cp.n_points,
                         .boxes = cp.has_box ? cp.box : NULL, .n_boxes = cp.has_box};
    if (write_outputs(&od, &r, &im) ||
        (json && (util_output_dir_file(&od, "masks.json", json_path, sizeof json_path) ||
                  predict_report_write_json(&rep, json_path))) ||
        (overlay && eval_overlay_write_png(overlay, im.rgb, im.h, im.w, NULL, r.masks,
         &op)) || util_output_dir_commit(&od)) {
        cli_lib_error(CMD);
        goto done;
    }
    predict_report_print(&rep);
    rc = 0;
done:
    util_output_dir_abort(&od);
    sam_prediction_free(&r);
    free(emb);
    cli_prompt_free(&cp);
    cli_image_free(&im);
    sam_predictor_free(p);
    sam_model_free(m);
    return rc;
}
