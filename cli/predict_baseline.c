/* samc predict with one of the study's baselines: evaluate_sample_onepass's prediction from
 * all clicks at once, written as prob.npy, masks.npy and mask_0.png (and mask_0.nii.gz for a
 * volume slice). */
#include "cli/predict_baseline.h"

#include <stdlib.h>

#include "cli/baseline_input.h"
#include "eval/overlay.h"
#include "io/npy.h"
#include "io/png.h"
#include "util/mem.h"

#define CMD "predict"

int predict_baseline(const char *model, const char *image, const cli_image_options *io, const cli_prompt *cp,
                     const char *overlay, output_dir *od) {
    samw *w = NULL;
    iseg *m = NULL;
    cli_image im = {0};
    iseg_click clicks[CLI_MAX_POINTS];
    float *prob = NULL;
    uint8_t *mask = NULL;
    int rc = 1;
    if (cli_image_read(CMD, image, io, &im) || cli_baseline_clicks(CMD, cp, im.h, im.w, clicks) ||
        cli_open_baseline(CMD, model, &w, &m))
        goto done;
    size_t HW = (size_t)im.h * im.w;
    prob = util_xmalloc_array(HW, sizeof(float));
    mask = util_xmalloc_array(HW, 1);
    if (!prob || !mask || iseg_set_image(m, im.rgb, im.h, im.w) || iseg_predict(m, clicks, cp->n_points, prob)) {
        cli_lib_error(CMD);
        goto done;
    }
    size_t area = 0;
    for (size_t i = 0; i < HW; i++) area += mask[i] = prob[i] > ISEG_THRESHOLD;
    char path[4096];
    int64_t s_prob[2] = {im.h, im.w}, s_mask[3] = {1, im.h, im.w};
    overlay_prompt op = {.xy = cp->points, .labels = cp->labels, .n_points = cp->n_points};
    if (util_output_dir_file(od, "prob.npy", path, sizeof path) || io_npy_write(path, NPY_F32, 2, s_prob, prob) ||
        util_output_dir_file(od, "masks.npy", path, sizeof path) || io_npy_write(path, NPY_BOOL, 3, s_mask, mask) ||
        util_output_dir_file(od, "mask_0.png", path, sizeof path) || io_png_write_mask1(path, mask, im.w, im.h) ||
        (im.is_volume && (util_output_dir_file(od, "mask_0.nii.gz", path, sizeof path) ||
                          cli_image_write_label_volume(&im, mask, path))) ||
        (overlay && eval_overlay_write_png(overlay, im.rgb, im.h, im.w, NULL, mask,
         &op)) || util_output_dir_commit(od)) {
        cli_lib_error(CMD);
        goto done;
    }
    printf("%s: %d click(s), mask area %zu of %zu pixels (prob > 0.49)\n", iseg_family(m), cp->n_points, area, HW);
    rc = 0;
done:
    free(prob);
    free(mask);
    iseg_free(m);
    samw_close(w);
    cli_image_free(&im);
    return rc;
}
