/* samc preprocess IMAGE -o DIR: SamPredictor.set_image up to the encoder input —
 * ResizeLongestSide (Pillow-exact) and Sam.preprocess — written as .npy for inspection and
 * comparison with the reference. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/image_input.h"
#include "io/npy.h"
#include "sam/transforms.h"
#include "util/output_dir.h"
#include "util/mem.h"

static const char *k_usage =
    "usage: samc preprocess IMAGE [--img-size S] [--max-pixels N] [--threads N] -o DIR\n"
    "  Resizes IMAGE so its long side is S (default 1024) exactly as Pillow's BILINEAR resize,\n"
    "  then normalises and zero-pads it to S x S like Sam.preprocess. Writes\n"
    "  DIR/resized.npy (uint8 H x W x 3) and DIR/preprocessed.npy (float32 1 x 3 x S x S): both,\n"
    "  replacing an earlier pair in DIR, or neither (DIR new, empty or holding only these).\n"
    "  --max-pixels N refuses an image of more than N pixels (from its header, before any work).\n"
    "  IMAGE may be a JPEG, or a NIfTI or DICOM volume (a DICOM file, or a folder holding one\n"
    "  series): --slice K [--plane P] [--intensity SPEC] (samc predict -h).\n";

/* the files of a preprocess output set (output_dir_owns) */
static int preprocess_owns(const char *name) { return !strcmp(name, "resized.npy") || !strcmp(name, "preprocessed.npy"); }

int cmd_preprocess(int argc, char **argv) {
    const char *image = NULL, *dir = NULL;
    int S = 1024;
    cli_image_options io = CLI_IMAGE_DEFAULTS;
    const cli_option opts[] = {CLI_INT_OPT("--img-size", &S, 16, 8192), CLI_STRING_OPT("-o", &dir),
                               CLI_IMAGE_OPTIONS(&io), {0}};
    int rc = cli_parse("preprocess", k_usage, opts, argc, argv, &image, 1, NULL);
    if (rc >= 0) return rc;
    if (!image) return cli_usage_error("preprocess", "no input image");
    if (!dir) return cli_usage_error("preprocess", "no output folder (-o DIR)");
    if (strlen(dir) > 4000) return cli_usage_error("preprocess", "output folder name too long");

    cli_image im = {0};
    uint8_t *resized = NULL;
    float *x = NULL;
    int nh, nw;
    output_dir od = {0};
    rc = 1;
    if (util_output_dir_open(&od, dir, preprocess_owns)) {
        cli_lib_error("preprocess");
        goto done;
    }
    if (cli_image_read("preprocess", image, &io, &im)) goto done;
    sam_resize_longest_side_shape(im.h, im.w, S, &nh, &nw);
    if (nh < 1 || nw < 1) {
        cli_error("preprocess", "%s: %d x %d is too elongated to resize to a long side of %d", image, im.h, im.w, S);
        goto done;
    }
    resized = util_xmalloc_array((size_t)nh * nw, 3);
    x = util_xmalloc_array((size_t)3 * S, (size_t)S * sizeof(float));
    if (!resized || !x || sam_pillow_resize_bilinear_rgb8(im.rgb, im.h, im.w, resized, nh, nw)) {
        cli_lib_error("preprocess");
        goto done;
    }
    sam_preprocess(x, resized, nh, nw, S);
    char path[4096];
    int64_t rs_shape[3] = {nh, nw, 3}, pp_shape[4] = {1, 3, S, S};
    if (util_output_dir_file(&od, "resized.npy", path, sizeof path) || io_npy_write(path, NPY_U8, 3, rs_shape,
        resized) ||
        util_output_dir_file(&od, "preprocessed.npy", path, sizeof path) || io_npy_write(path, NPY_F32, 4, pp_shape,
                             x) ||
        util_output_dir_commit(&od)) {
        cli_lib_error("preprocess");
        goto done;
    }
    rc = 0;
done:
    util_output_dir_abort(&od);
    cli_image_free(&im);
    free(resized);
    free(x);
    return rc;
}
