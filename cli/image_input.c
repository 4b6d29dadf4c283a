#include "cli/image_input.h"

#include <stdlib.h>

#include "io/image.h"

int cli_image_size(const char *cmd, const char *path, int max_pixels, int *h, int *w) {
    if (image_read_size(path, h, w)) return cli_lib_error(cmd);
    if (max_pixels > 0 && (int64_t)*h * *w > max_pixels)
        return cli_error(cmd, "%s: %d x %d = %lld pixels, more than --max-pixels %d", path, *w, *h,
                         (long long)*h * *w, max_pixels);
    return 0;
}

int cli_read_image(const char *cmd, const char *path, int max_pixels, uint8_t **rgb, int *h, int *w) {
    *rgb = NULL;
    if (max_pixels > 0 && cli_image_size(cmd, path, max_pixels, h, w)) return 1;
    return image_read_rgb8(path, rgb, h, w) ? cli_lib_error(cmd) : 0;
}

int cli_open_model_image(const char *cmd, const char *model_path, const char *image_path, int max_pixels,
                         sam_model **m, sam_predictor **p, uint8_t **rgb, int *h, int *w) {
    *m = NULL;
    *p = NULL;
    *rgb = NULL;
    if (max_pixels > 0 && cli_image_size(cmd, image_path, max_pixels, h, w)) return 1;
    if (!(*m = sam_model_load(model_path)) || !(*p = sam_predictor_new(*m))) return cli_lib_error(cmd);
    return image_read_rgb8(image_path, rgb, h, w) ? cli_lib_error(cmd) : 0;
}
