#include "cli/image_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/file_kind.h"
#include "io/dicom.h"
#include "io/image.h"
#include "io/intensity.h"
#include "util/err.h"
#include "util/mem.h"

static int check_pixels(const char *cmd, const char *path, const cli_image_options *o, int h, int w) {
    if (o->max_pixels > 0 && (int64_t)h * w > o->max_pixels)
        return cli_error(cmd, "%s: %d x %d = %lld pixels, more than --max-pixels %d", path, w, h, (long long)h * w,
                         o->max_pixels);
    if (o->on_size) o->on_size(h, w, o->ctx);
    return 0;
}

static int read_picture(const char *cmd, const char *path, file_kind kind, const cli_image_options *o, cli_image *img) {
    if (o->slice >= 0 || o->plane || o->intensity || o->slices || o->all_slices)
        return cli_error(cmd, "%s: --slice%s, --plane and --intensity are for volumes (NIfTI, DICOM); this is a %s",
                         path, o->takes_range ? ", --slices, --all-slices" : "", kind == FILE_JPEG ? "JPEG" : "PNG");
    if (io_image_read_size(path, &img->h, &img->w)) return cli_lib_error(cmd);
    if (check_pixels(cmd, path, o, img->h, img->w)) return 1;
    return io_image_read_rgb8(path, &img->rgb, &img->h, &img->w) ? cli_lib_error(cmd) : 0;
}

/* What the rows and columns of a displayed slice run along (io/nifti.h). */
static const char *display_axes(nifti_plane p) {
    return p == NIFTI_AXIAL     ? "rows anterior to posterior, columns patient right to left"
           : p == NIFTI_CORONAL ? "rows superior to inferior, columns patient right to left"
                                : "rows superior to inferior, columns anterior to posterior";
}

/* The displayed slice as RGB: a colour volume's own, or a grey one's values mapped to grey
 * (inverted for a MONOCHROME1 DICOM, whose low values are shown bright). */
static int slice_rgb(const cli_image *img) {
    size_t n = (size_t)img->h * (size_t)img->w;
    int h, w;
    if (img->vol.datatype == NIFTI_RGB24) return io_nifti_slice_rgb24(&img->vol, img->plane, img->slice, img->rgb, &h,
        &w);
    float *f = util_xmalloc_array(n, sizeof *f);
    uint8_t *grey = util_xmalloc_array(n, 1);
    int rc = f && grey ? 0 : -1;
    if (rc == 0) rc = io_nifti_slice(&img->vol, img->plane, img->slice, f, &h, &w);
    if (rc == 0) rc = io_intensity_to_u8(f, n, &img->grey, grey);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        uint8_t g = img->invert ? (uint8_t)(255 - grey[i]) : grey[i];
        img->rgb[3 * i] = img->rgb[3 * i + 1] = img->rgb[3 * i + 2] = g;
    }
    free(f);
    free(grey);
    return rc;
}

/* --slices FIRST:LAST as two numbers (saturated at LLONG_MAX); 0 or -1. */
static int parse_range(const char *s, long long *a, long long *b) {
    const char *digits = "0123456789";
    size_t na = strspn(s, digits), nb = s[na] == ':' ? strspn(s + na + 1, digits) : 0;
    if (!na || !nb || s[na + 1 + nb]) return -1;
    *a = strtoll(s, NULL, 10), *b = strtoll(s + na + 1, NULL, 10);
    return *a <= *b ? 0 : -1;
}

int cli_image_check_options(const char *cmd, const cli_image_options *o) {
    long long a, b;
    if (o->slices && parse_range(o->slices, &a, &b))
        return cli_usage_error(cmd, "--slices %s: expected FIRST:LAST, two slice numbers with FIRST <= LAST "
                                    "(both included)", o->slices);
    if (o->slices && o->all_slices) return cli_usage_error(cmd, "give --slices A:B or --all-slices, not both");
    if (o->slice >= 0 && (o->slices || o->all_slices))
        return cli_usage_error(cmd, "give --slice K or %s, not both (one slice, or a range)",
                               o->slices ? "--slices A:B" : "--all-slices");
    return 0;
}

/* --slices A:B or --all-slices into img->first .. last; 0, or 1 after the message. */
static int slice_range(const char *cmd, const char *path, const cli_image_options *o, cli_image *img) {
    const char *plane = io_nifti_plane_name(img->plane);
    long long n = (long long)img->n_slices, a = 0, b = n - 1;
    if (o->slices) {
        parse_range(o->slices, &a, &b); /* its form checked by cli_image_read */
        if (b >= n)
            return cli_error(cmd, "%s: --slices %s, but the %s plane has %lld slices (0 .. %lld)", path, o->slices,
                             plane, n, n - 1);
    }
    img->first = a, img->last = b;
    return 0;
}

static int read_slice(const char *cmd, const char *path, file_kind kind, const cli_image_options *o, cli_image *img) {
    if (io_nifti_plane_parse(o->plane ? o->plane : "axial", &img->plane) ||
        io_intensity_parse(o->intensity ? o->intensity : "paper", &img->grey))
        return cli_usage_error(cmd, "%s", samc_errmsg());
    dicom_info di = {0};
    if (kind == FILE_DICOM ? io_dicom_read(path, &img->vol, &di) : io_nifti_read(path,
        &img->vol)) return cli_lib_error(cmd);
    img->is_volume = 1;
    img->invert = di.monochrome1;
    if (img->vol.datatype == NIFTI_RGB24 && o->intensity)
        return cli_error(cmd, "%s: --intensity is for grey images; this one is in colour (RGB)", path);
    if (io_nifti_slice_shape(&img->vol, img->plane, &img->n_slices, &img->h, &img->w))
        return cli_error(cmd, "%s: %s", path, samc_errmsg());
    int range = o->slices || o->all_slices, rc;
    if (!range && o->slice < 0)
        return cli_error(cmd, "%s is a volume: give --slice K (0 .. %lld, %s plane)%s", path,
                         (long long)img->n_slices - 1, io_nifti_plane_name(img->plane),
                         o->takes_range ? ", or --slices A:B or --all-slices" : "");
    if (!range && o->slice >= img->n_slices)
        return cli_error(cmd, "%s: --slice %d, but the %s plane has %lld slices (0 .. %lld)", path, o->slice,
                         io_nifti_plane_name(img->plane), (long long)img->n_slices, (long long)img->n_slices - 1);
    if (range && (rc = slice_range(cmd, path, o, img))) return rc;
    if (!range) img->first = img->last = o->slice;
    if (check_pixels(cmd, path, o, img->h, img->w)) return 1;
    if (!(img->rgb = util_xmalloc_array((size_t)img->h * (size_t)img->w, 3)))
        return cli_error(cmd, "%s: %s", path, samc_errmsg());
    if (cli_image_set_slice(cmd, img, img->first)) return 1;
    char which[64];
    if (range) snprintf(which, sizeof which, "slices %lld .. %lld", (long long)img->first, (long long)img->last);
    else snprintf(which, sizeof which, "slice %lld", (long long)img->slice);
    fprintf(stderr, "samc %s: %s %s of %lld of %s, shown as %d x %d pixels (%s%s); prompt coordinates are "
                    "in these pixels\n", cmd, io_nifti_plane_name(img->plane), which, (long long)img->n_slices, path,
            img->w, img->h, display_axes(img->plane), di.monochrome1 ? "; MONOCHROME1: grey inverted" : "");
    return 0;
}

int cli_image_set_slice(const char *cmd, cli_image *img, int64_t k) {
    img->slice = k;
    if (slice_rgb(img)) return cli_error(cmd, "slice %lld: %s", (long long)k, samc_errmsg());
    return 0;
}

int cli_image_read(const char *cmd, const char *path, const cli_image_options *o, cli_image *img) {
    memset(img, 0, sizeof *img);
    if (cli_image_check_options(cmd, o)) return 1;
    file_kind kind;
    if (sniff_file(cmd, path, &kind)) return 1;
    return kind == FILE_PNG || kind == FILE_JPEG ? read_picture(cmd, path, kind, o, img)
                                                 : read_slice(cmd, path, kind, o, img);
}

void cli_image_free(cli_image *img) {
    free(img->rgb);
    img->rgb = NULL;
    if (img->is_volume) io_nifti_free(&img->vol);
    img->is_volume = 0;
}

int cli_open_model(const char *cmd, const char *model_path, sam_model **m, sam_predictor **p) {
    *p = NULL;
    if (!(*m = sam_model_load(model_path)) || !(*p = sam_predictor_new(*m))) return cli_lib_error(cmd);
    return 0;
}

int cli_image_write_label_volume(const cli_image *img, const uint8_t *mask, const char *path) {
    const int64_t *d = img->vol.dim;
    int64_t dims[3] = {d[1], d[2], d[3]};
    size_t n;
    if (util_size_prod(dims, 3, &n)) return -1;
    uint8_t *vol = calloc(n ? n : 1, 1);
    if (!vol) return util_err("out of memory for a %zu-voxel label volume", n);
    int rc = io_nifti_slice_put_u8(&img->vol, img->plane, img->slice, mask, vol);
    if (rc == 0) rc = io_nifti_write_labels(path, &img->vol, NIFTI_UINT8, vol);
    free(vol);
    return rc;
}
