#include "eval/source.h"

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "eval/dirlist.h"
#include "io/image.h"
#include "io/intensity.h"
#include "io/nifti.h"
#include "io/png.h"
#include "util/err.h"
#include "util/mem.h"

static char *data_path(const dataset_config *c, const char *rel) {
    if (rel[0] == '/' || !c->root[0]) {
        char *p = strdup(rel);
        if (!p) util_err("out of memory");
        return p;
    }
    return eval_path_join(c->root, rel);
}

static int has_suffix(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcasecmp(s + a - b, suffix);
}

static int add_source(source_list *l, const char *id, char *image, char *label) {
    eval_source *v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) return util_err("out of memory");
    l->v = v;
    char *idc = strdup(id);
    if (!idc) return util_err("out of memory");
    l->v[l->n++] = (eval_source){idc, image, label};
    return 0;
}

/* A .png file of a listing (the extension in any case: A.PNG, b.Png); sorted by stem. */
typedef struct {
    const char *path, *base;
    size_t stem; /* length of base without the extension */
} png_file;

static int cmp_png_stem(const png_file *x, const char *base, size_t stem) {
    int c = memcmp(x->base, base, x->stem < stem ? x->stem : stem);
    return c ? c : (x->stem > stem) - (x->stem < stem);
}

static int cmp_png_file(const void *a, const void *b) {
    const png_file *y = b;
    return cmp_png_stem(a, y->base, y->stem);
}

/* The .png files of a listing, sorted by stem. 0 or -1. */
static int png_files(const path_list *l, png_file **out, size_t *n) {
    *out = util_xmalloc_array(l->n ? l->n : 1, sizeof **out);
    if (!*out) return -1;
    *n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const char *base = eval_path_base(l->paths[i]);
        if (has_suffix(base, ".png")) (*out)[(*n)++] = (png_file){l->paths[i], base, strlen(base) - 4};
    }
    qsort(*out, *n, sizeof **out, cmp_png_file);
    return 0;
}

/* The mask of an image: the one mask whose stem is the image's stem + suffix. Two that
 * differ only in the extension's case (a.png, a.PNG) are refused rather than guessed. */
static int find_mask(const png_file *m, size_t n, const char *image, const char *stem, size_t len,
                     const char *mdir, const char **mask) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_png_stem(&m[mid], stem, len) < 0) lo = mid + 1;
        else hi = mid;
    }
    if (lo == n || cmp_png_stem(&m[lo], stem, len) != 0)
        return util_err("%s: no mask for this image (expected %s/%.*s.png, the extension in any case)", image, mdir,
                        (int)len, stem);
    if (lo + 1 < n && cmp_png_stem(&m[lo + 1], stem, len) == 0)
        return util_err("%s: two masks for this image, %s and %s; remove one", image, m[lo].path, m[lo + 1].path);
    *mask = m[lo].path;
    return 0;
}

/* png layout: images/NAME.png with masks/NAME<suffix>.png (".png" in any case). */
static int png_sources(const dataset_config *c, source_list *out) {
    char *idir = data_path(c, c->images), *mdir = data_path(c, c->masks);
    path_list files = {0}, mfiles = {0};
    png_file *masks = NULL;
    size_t n_masks = 0, sl = strlen(c->mask_suffix);
    int rc = idir && mdir ? eval_dir_list_files(idir, 0, &files) : -1;
    if (rc == 0) rc = eval_dir_list_files(mdir, 0, &mfiles);
    if (rc == 0) rc = png_files(&mfiles, &masks, &n_masks);
    for (size_t i = 0; i < files.n && rc == 0; i++) {
        const char *base = eval_path_base(files.paths[i]);
        if (!has_suffix(base, ".png")) continue;
        size_t stem = strlen(base) - 4;
        /* a mask kept beside its image (same folder, suffix) is not an image */
        if (sl && stem >= sl && !strcmp(idir, mdir) && !strncmp(base + stem - sl, c->mask_suffix, sl)) continue;
        char id[4096], name[4200];
        snprintf(id, sizeof id, "%.*s", (int)stem, base);
        int nl = snprintf(name, sizeof name, "%s%s", id, c->mask_suffix);
        const char *mask_path = NULL;
        if (nl < 0 || (size_t)nl >= sizeof name) {
            rc = util_err("%s: name too long", files.paths[i]);
            break;
        }
        if ((rc = find_mask(masks, n_masks, files.paths[i], name, (size_t)nl, mdir, &mask_path))) break;
        char *mask = strdup(mask_path), *image = strdup(files.paths[i]);
        rc = mask && image ? add_source(out, id, image, mask) : util_err("out of memory");
        if (rc) free(mask), free(image);
    }
    if (rc == 0 && out->n == 0) rc = util_err("%s: no .png images", idir ? idir : c->images);
    free(masks);
    eval_path_list_free(&files);
    eval_path_list_free(&mfiles);
    free(idir), free(mdir);
    return rc;
}

/* The id of a volume: its path under root without .nii / .nii.gz. */
static void volume_id(const char *root, const char *path, char *id, size_t cap) {
    size_t rl = strlen(root);
    const char *rel = rl && !strncmp(path, root, rl) && path[rl] == '/' ? path + rl + 1 : path;
    snprintf(id, cap, "%s", rel);
    size_t n = strlen(id);
    if (n > 7 && !strcmp(id + n - 7, ".nii.gz")) id[n - 7] = 0;
    else if (n > 4 && !strcmp(id + n - 4, ".nii")) id[n - 4] = 0;
}

static int nifti_sources(const dataset_config *c, source_list *out) {
    int rc = 0;
    if (c->volumes) {
        char *pattern = data_path(c, c->volumes);
        if (!pattern) return -1;
        glob_t g;
        int gr = glob(pattern, 0, NULL, &g);
        if (gr == GLOB_NOMATCH) {
            rc = util_err("%s: no volume matches", pattern);
        } else if (gr != 0) {
            rc = util_err("%s: cannot list the volumes", pattern);
        } else {
            for (size_t i = 0; i < g.gl_pathc && rc == 0; i++) {
                const char *img = g.gl_pathv[i];
                const char *at = strstr(img, c->label_from);
                if (!at) {
                    rc = util_err("%s: does not contain '%s' (the labels rule)", img, c->label_from);
                    break;
                }
                size_t n = strlen(img) - strlen(c->label_from) + strlen(c->label_to) + 1;
                char *lab = util_xmalloc_array(n, 1), *image = strdup(img);
                if (!lab || !image) {
                    free(lab), free(image);
                    rc = util_err("out of memory");
                    break;
                }
                snprintf(lab, n, "%.*s%s%s", (int)(at - img), img, c->label_to, at + strlen(c->label_from));
                if (access(lab, R_OK) != 0) {
                    rc = util_err("%s: no label volume (expected %s)", img, lab);
                    free(lab), free(image);
                    break;
                }
                char id[4096];
                volume_id(c->root, img, id, sizeof id);
                rc = add_source(out, id, image, lab);
                if (rc) free(lab), free(image);
            }
            globfree(&g);
        }
        free(pattern);
        return rc;
    }
    /* list = FILE: "IMAGE LABEL" per line, paths under root */
    char *list = data_path(c, c->list);
    FILE *fp = list ? fopen(list, "r") : NULL;
    if (!fp) {
        rc = list ? util_err("%s: cannot open the list", list) : -1;
        free(list);
        return rc;
    }
    char line[8192];
    int lineno = 0;
    while (rc == 0 && fgets(line, sizeof line, fp)) {
        lineno++;
        char a[4096], b[4096], extra;
        int k = sscanf(line, "%4095s %4095s %c", a, b, &extra);
        if (k <= 0 || a[0] == '#') continue;
        if (k != 2) {
            rc = util_err("%s:%d: expected 'IMAGE LABEL'", list, lineno);
            break;
        }
        char *image = data_path(c, a), *lab = data_path(c, b);
        char id[4096];
        if (image) volume_id(c->root, image, id, sizeof id);
        if (!image || !lab) rc = -1;
        else rc = add_source(out, id, image, lab);
        if (rc) free(image), free(lab);
    }
    fclose(fp);
    if (rc == 0 && out->n == 0) rc = util_err("%s: empty list", list);
    free(list);
    return rc;
}

static int cmp_source(const void *a, const void *b) {
    return strcmp(((const eval_source *)a)->id, ((const eval_source *)b)->id);
}

int eval_dataset_sources(const dataset_config *c, source_list *out) {
    out->v = NULL;
    out->n = 0;
    int rc = c->layout == DS_LAYOUT_PNG ? png_sources(c, out) : nifti_sources(c, out);
    if (rc == 0) {
        qsort(out->v, out->n, sizeof *out->v, cmp_source);
        for (size_t i = 1; i < out->n && rc == 0; i++)
            if (!strcmp(out->v[i - 1].id, out->v[i].id))
                rc = util_err("two images named %s: %s and %s; remove one", out->v[i].id, out->v[i - 1].image,
                              out->v[i].image);
    }
    if (rc) eval_source_list_free(out);
    return rc;
}

void eval_source_list_free(source_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].id), free(l->v[i].image), free(l->v[i].label);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void eval_normalize_paper_u8(uint8_t *px, size_t n) {
    uint8_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (px[i] > max) max = px[i];
    if (!max) return;
    for (size_t i = 0; i < n; i++) px[i] = (uint8_t)((double)px[i] / (double)max * 255.0);
}

#define MASK_FRACTION 65535

/* The authors' mask rule: 8-bit grey; divided by 255 if its maximum is 255 (the remaps come
 * after). A palette PNG's labels are its indices (as PIL reads a mode "P" label map): the
 * colours the palette shows them in are for viewers, and expanded they would be a colour mask. */
static int read_mask(const char *path, int h, int w, uint16_t **out) {
    png_image m;
    if (io_png_read_ex(path, PNG_PALETTE_INDICES, &m)) return -1;
    int rc = 0;
    if (m.width != w || m.height != h) {
        rc = util_err("%s: mask is %dx%d but its image is %dx%d", path, m.width, m.height, w, h);
    } else if (m.bit_depth != 8) {
        rc = util_err("%s: masks must be 8-bit (this one is %d-bit)", path, m.bit_depth);
    }
    size_t n = (size_t)h * w;
    uint16_t *lab = rc ? NULL : util_xmalloc_array(n, sizeof *lab);
    if (!rc && !lab) rc = -1;
    const uint8_t *px = m.pixels;
    int ch = m.channels, grey_ch = ch <= 2 ? 1 : 3;
    uint8_t max = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const uint8_t *p = px + i * ch;
        for (int k = 1; k < grey_ch; k++)
            if (p[k] != p[0]) {
                rc = util_err("%s: a colour mask (pixel %zu); label maps must be grey", path, i);
                break;
            }
        if (p[0] > max) max = p[0];
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        int v = px[i * ch];
        /* The authors divided a mask whose maximum is 255 by 255 (as floats): 255 becomes 1 and
         * any other non-zero value a fraction that is non-zero (binary tasks, the click rule)
         * but equal to no class value; MASK_FRACTION stands for those. */
        if (max == 255) v = v == 255 ? 1 : v ? MASK_FRACTION : 0;
        lab[i] = (uint16_t)v;
    }
    io_png_free(&m);
    if (rc) {
        free(lab);
        return -1;
    }
    *out = lab;
    return 0;
}

static int png_items(const dataset_config *c, const eval_source *s, eval_item_fn fn, void *ctx) {
    eval_item it = {.slice = -1};
    if (io_image_read_rgb8(s->image, &it.rgb, &it.h, &it.w)) return -1;
    eval_normalize_paper_u8(it.rgb, (size_t)it.h * it.w * 3);
    int rc = read_mask(s->label, it.h, it.w, &it.label);
    if (rc == 0) {
        eval_dataset_remap_labels(c, it.label, (size_t)it.h * it.w);
        it.id = s->id;
        rc = fn(ctx, &it);
    }
    free(it.rgb);
    free(it.label);
    return rc;
}

/* A label slice (floats from io_nifti_slice) as label values (the remaps come after). */
static int label_slice(const char *path, const float *v, size_t n, uint16_t *out) {
    for (size_t i = 0; i < n; i++) {
        float x = v[i];
        if (!(x >= 0 && x <= 65535) || x != (float)(int)x)
            return util_err("%s: label value %g is not an integer in 0..65535", path, (double)x);
        out[i] = (uint16_t)x;
    }
    return 0;
}

static int affine_finite(const nifti_image *v) {
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++)
            if (!isfinite(v->affine[i][j])) return 0;
    return 1;
}

int eval_volume_grids_match(const nifti_image *img, const char *img_path, const nifti_image *lab,
                            const char *lab_path) {
    for (int d = 1; d <= 3; d++)
        if (img->dim[d] != lab->dim[d])
            return util_err("%s is %lld x %lld x %lld voxels but its labels %s are %lld x %lld x %lld", img_path,
                            (long long)img->dim[1], (long long)img->dim[2], (long long)img->dim[3], lab_path,
                            (long long)lab->dim[1], (long long)lab->dim[2], (long long)lab->dim[3]);
    if (!affine_finite(img) || !affine_finite(lab)) return 0;
    double size[3], largest = 0;
    for (int j = 0; j < 3; j++) {
        const double(*A)[4] = img->affine;
        size[j] = sqrt(A[0][j] * A[0][j] + A[1][j] * A[1][j] + A[2][j] * A[2][j]);
        if (size[j] > largest) largest = size[j];
    }
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            double a = img->affine[i][j], b = lab->affine[i][j], tol = 1e-3 * (j < 3 ? size[j] : largest);
            if (fabs(a - b) > tol)
                return util_err("%s and its labels %s lie on different voxel grids: affine entry [%d][%d] is %.6g in "
                                "the image (%s) but %.6g in the labels (%s); samc does not resample a label volume",
                                img_path, lab_path, i, j, a, img->affine_source, b, lab->affine_source);
        }
    return 0;
}

/* Volume pairs: the slices along the data set's plane that it keeps, mapped to 8-bit grey by
 * its intensity rule and replicated to RGB. */
static int nifti_items(const dataset_config *c, const eval_source *s, eval_item_fn fn, void *ctx) {
    nifti_image img = {0}, lab = {0};
    int64_t ns = 0, nl = 0;
    int h = 0, w = 0, lh = 0, lw = 0;
    float *fimg = NULL, *flab = NULL;
    uint8_t *grey = NULL;
    eval_item it = {0};
    char *id = NULL;
    int rc = io_nifti_read(s->image, &img);
    if (rc) util_err_context("%s", s->image);
    if (rc == 0 && (rc = io_nifti_read(s->label, &lab)) != 0) util_err_context("%s", s->label);
    if (rc == 0) rc = eval_volume_grids_match(&img, s->image, &lab, s->label);
    /* same grid, so the same slices; still checked, as the buffers below are sized by the image */
    if (rc == 0) rc = io_nifti_slice_shape(&img, c->plane, &ns, &h, &w);
    if (rc == 0) rc = io_nifti_slice_shape(&lab, c->plane, &nl, &lh, &lw);
    if (rc == 0 && (ns != nl || h != lh || w != lw))
        rc = util_err("%s: %lld slices of %dx%d, but its labels %s have %lld of %dx%d", s->image, (long long)ns, w, h,
                      s->label, (long long)nl, lw, lh);
    size_t n = (size_t)h * (size_t)w;
    if (rc == 0) {
        fimg = util_xmalloc_array(n, sizeof *fimg);
        flab = util_xmalloc_array(n, sizeof *flab);
        grey = util_xmalloc_array(n, 1);
        it.rgb = util_xmalloc_array(n, 3);
        it.label = util_xmalloc_array(n, sizeof *it.label);
        id = util_xmalloc_array(strlen(s->id) + 40, 1);
        if (!fimg || !flab || !grey || !it.rgb || !it.label || !id) rc = -1;
    }
    it.h = h, it.w = w, it.id = id;
    it.volume = s->id, it.plane = c->plane, it.geometry = &img;
    for (int64_t k = 0; k < ns && rc == 0; k++) {
        int sh, sw;
        if ((rc = io_nifti_slice(&lab, c->plane, k, flab, &sh, &sw))) break;
        if ((rc = label_slice(s->label, flab, n, it.label))) break;
        eval_dataset_remap_labels(c, it.label, n);
        if (!eval_item_slice_kept(c, &it)) continue;
        if ((rc = io_nifti_slice(&img, c->plane, k, fimg, &sh, &sw))) break;
        if ((rc = io_intensity_to_u8(fimg, n, &c->intensity, grey))) break;
        for (size_t i = 0; i < n; i++) it.rgb[3 * i] = it.rgb[3 * i + 1] = it.rgb[3 * i + 2] = grey[i];
        snprintf(id, strlen(s->id) + 40, "%s_%s%03lld", s->id, io_nifti_plane_name(c->plane), (long long)k);
        it.slice = k;
        rc = fn(ctx, &it);
    }
    free(fimg), free(flab), free(grey), free(it.rgb), free(it.label), free(id);
    io_nifti_free(&img);
    io_nifti_free(&lab);
    return rc;
}

const char *eval_item_plane_name(const eval_item *it) {
    return it->volume ? io_nifti_plane_name(it->plane) : NULL;
}

int eval_source_items(const dataset_config *c, const eval_source *s, eval_item_fn fn, void *ctx) {
    return c->layout == DS_LAYOUT_PNG ? png_items(c, s, fn, ctx) : nifti_items(c, s, fn, ctx);
}
