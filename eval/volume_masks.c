#include "eval/volume_masks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/dirlist.h"
#include "eval/examples.h"
#include "eval/results.h"
#include "io/png.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/output_dir.h"

void eval_volume_masks_reset(volume_masks *vm) {
    for (size_t i = 0; i < vm->n; i++) free(vm->dir[i]);
    vm->n = 0;
}

void eval_volume_masks_free(volume_masks *vm) {
    eval_volume_masks_reset(vm);
    free(vm->slice), free(vm->dir);
    memset(vm, 0, sizeof *vm);
}

/* OUT/masks/NAME for an id (an item's or a volume's). malloc'd; NULL on an error. */
static char *masks_dir(const char *out, const char *id) {
    char *name = eval_results_item_name(id), *masks = name ? eval_path_join(out, "masks") : NULL;
    char *dir = masks ? eval_path_join(masks, name) : NULL;
    free(name), free(masks);
    return dir;
}

int eval_volume_masks_add(volume_masks *vm, const char *out, const eval_item *it) {
    if (!it->geometry) return 0; /* a 2D image */
    if (vm->n == vm->cap) {
        size_t cap = vm->cap ? 2 * vm->cap : 64;
        int64_t *s = util_xmalloc_array(cap, sizeof *s);
        char **d = util_xmalloc_array(cap, sizeof *d);
        if (!s || !d) {
            free(s), free(d);
            return -1;
        }
        if (vm->n) memcpy(s, vm->slice, vm->n * sizeof *s), memcpy(d, vm->dir, vm->n * sizeof *d);
        free(vm->slice), free(vm->dir);
        vm->slice = s, vm->dir = d, vm->cap = cap;
    }
    if (vm->n == 0) {
        vm->plane = it->plane;
        vm->geom = *it->geometry; /* the header: dims, qform, sform; not the voxels */
        vm->geom.data = NULL;
    }
    if (!(vm->dir[vm->n] = masks_dir(out, it->id))) return -1;
    vm->slice[vm->n++] = it->slice;
    return 0;
}

/* The measurements' masks among a slice folder's PNGs: not the image or a ground truth. */
static int is_measurement(const char *name) {
    size_t n = strlen(name);
    return n > 4 && !strcmp(name + n - 4, ".png") && strcmp(name, EXAMPLES_IMAGE_FILE) && strcmp(name, "gt.png") &&
           strncmp(name, "gt_class", 8);
}

static int owns_nii_gz(const char *name) {
    size_t n = strlen(name);
    return n > 7 && !strcmp(name + n - 7, ".nii.gz");
}

/* The measurement PNG names of every slice folder, sorted, each once. 0 or -1. */
static int measurement_names(const volume_masks *vm, path_list *names) {
    memset(names, 0, sizeof *names);
    for (size_t i = 0; i < vm->n; i++) {
        path_list files;
        if (eval_dir_list_files(vm->dir[i], 0, &files)) return -1;
        int rc = 0;
        for (size_t f = 0; f < files.n && rc == 0; f++) {
            const char *base = eval_path_base(files.paths[f]);
            if (is_measurement(base)) rc = eval_path_list_add(names, base);
        }
        eval_path_list_free(&files);
        if (rc) return -1;
    }
    eval_path_list_sort(names);
    size_t k = 0; /* drop repeats */
    for (size_t i = 0; i < names->n; i++) {
        if (k && !strcmp(names->paths[k - 1], names->paths[i])) free(names->paths[i]);
        else names->paths[k++] = names->paths[i];
    }
    names->n = k;
    return 0;
}

/* Fills vol (0 first) with the PNG `name` of every slice that has it. 0 or -1. */
static int gather(const volume_masks *vm, const char *name, int h, int w, uint8_t *vol, size_t nvox, uint8_t *mask) {
    memset(vol, 0, nvox);
    char path[4096];
    for (size_t i = 0; i < vm->n; i++) {
        if (snprintf(path, sizeof path, "%s/%s", vm->dir[i], name) >= (int)sizeof path)
            return util_err("%s: path too long", vm->dir[i]);
        if (access(path, F_OK) != 0) continue; /* the slice does not hold that class */
        png_image p;
        if (io_png_read(path, &p)) return -1;
        int rc = p.width == w && p.height == h && p.channels == 1 && p.bit_depth == 8
                     ? 0
                     : util_err("%s: a %d x %d mask with %d channel(s), expected %d x %d grey", path, p.width,
                                p.height, p.channels, w, h);
        const uint8_t *px = p.pixels;
        for (size_t q = 0; rc == 0 && q < (size_t)h * (size_t)w; q++) mask[q] = px[q] != 0;
        if (rc == 0) rc = io_nifti_slice_put_u8(&vm->geom, vm->plane, vm->slice[i], mask, vol);
        io_png_free(&p);
        if (rc) return -1;
    }
    return 0;
}

int eval_volume_masks_write(volume_masks *vm, const char *out, const char *volume_id, int computed) {
    if (vm->n == 0) return 0;
    char *vdir = masks_dir(out, volume_id), path[4096];
    if (!vdir) return -1;
    if (!computed && eval_is_dir(vdir)) { /* built when the volume was finished, from the same slices */
        free(vdir);
        return 0;
    }
    size_t missing = 0;
    for (size_t i = 0; i < vm->n; i++) {
        if (snprintf(path, sizeof path, "%s/%s", vm->dir[i], EXAMPLES_IMAGE_FILE) >= (int)sizeof path) missing++;
        else missing += access(path, F_OK) != 0;
    }
    if (missing) {
        fprintf(stderr, "samc eval: warning: %s: %zu of its %zu slices were computed without --save-masks; its NIfTI "
                        "masks are not written (remove its results to compute it again)\n", volume_id, missing, vm->n);
        free(vdir);
        return 0;
    }
    path_list names;
    output_dir od = {0};
    uint8_t *vol = NULL, *mask = NULL;
    int64_t n_slices;
    int h, w;
    size_t nvox;
    int rc = io_nifti_slice_shape(&vm->geom, vm->plane, &n_slices, &h, &w) || util_size_prod(vm->geom.dim + 1, 3,
                                  &nvox);
    if (rc == 0) rc = measurement_names(vm, &names);
    else names = (path_list){0};
    if (rc == 0 && (!(vol = util_xmalloc_array(nvox ? nvox : 1,
        1)) || !(mask = util_xmalloc_array((size_t)h * (size_t)w, 1))))
        rc = -1;
    if (rc == 0) rc = util_output_dir_open(&od, vdir, owns_nii_gz);
    for (size_t k = 0; k < names.n && rc == 0; k++) {
        char name[512];
        const char *png = names.paths[k];
        if (snprintf(name, sizeof name, "%.*s.nii.gz", (int)(strlen(png) - 4), png) >= (int)sizeof name) {
            rc = util_err("%s: name too long", png);
            break;
        }
        rc = gather(vm, png, h, w, vol, nvox, mask) || util_output_dir_file(&od, name, path, sizeof path) ||
             io_nifti_write_labels(path, &vm->geom, NIFTI_UINT8, vol);
    }
    if (rc == 0) rc = util_output_dir_commit(&od);
    util_output_dir_abort(&od);
    if (rc) util_err_context("%s: the NIfTI masks", volume_id);
    eval_path_list_free(&names);
    free(vol), free(mask), free(vdir);
    return rc ? -1 : 0;
}
