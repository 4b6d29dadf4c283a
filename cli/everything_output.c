#include "cli/everything_output.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/npy.h"
#include "io/png.h"
#include "io/pyrepr.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

/* ---- annotations.json ---- */

/* A growing text buffer; any failure sticks and is reported at the end. */
typedef struct {
    char *s;
    size_t n, cap;
    int failed;
} text;

static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(text *t, const char *fmt, ...) {
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? t->cap - t->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) {
            t->failed = 1;
            return;
        }
        if (t->s && t->n + (size_t)k < t->cap) {
            t->n += (size_t)k;
            return;
        }
        size_t cap = t->cap ? t->cap : 4096;
        while (cap <= t->n + (size_t)k) cap *= 2;
        char *s = util_xmalloc_array(cap, 1);
        if (!s) {
            t->failed = 1;
            return;
        }
        if (t->n) memcpy(s, t->s, t->n);
        free(t->s);
        t->s = s, t->cap = cap;
    }
}

static void put_float(text *t, double v) {
    char b[40];
    put(t, "%s", io_py_float_repr(v, b, sizeof b));
}

/* a box coordinate: a Python int, or a float when torch promoted the boxes */
static void put_coord(text *t, int v, int as_float) {
    if (as_float) put_float(t, (double)v);
    else put(t, "%d", v);
}

static void put_segmentation(text *t, const amg_rle *rle, seg_mode mode) {
    put(t, "\"segmentation\": {\"size\": [%d, %d], \"counts\": ", rle->h, rle->w);
    if (mode == SEG_COCO_RLE) {
        char *s = sam_amg_coco_rle_string(rle);
        if (!s) {
            t->failed = 1;
            return;
        }
        /* the characters are 48..111: only the backslash (92) needs escaping in JSON */
        put(t, "\"");
        for (const char *p = s; *p; p++) {
            if (*p == '\\') put(t, "\\\\");
            else put(t, "%c", *p);
        }
        put(t, "\"}, ");
        free(s);
        return;
    }
    put(t, "[");
    for (size_t i = 0; i < rle->n; i++) put(t, i ? ", %u" : "%u", rle->counts[i]);
    put(t, "]}, ");
}

int write_annotations_json(const char *path, const sam_amg_result *r, seg_mode mode) {
    text t = {0};
    put(&t, "[");
    for (int i = 0; i < r->n; i++) {
        const sam_amg_mask *m = &r->masks[i];
        const int *b = m->box, *c = m->crop_box;
        int f = r->boxes_are_float;
        put(&t, i ? ",\n{" : "{");
        if (mode != SEG_BINARY_MASK) put_segmentation(&t, &m->rle, mode);
        put(&t, "\"area\": %llu, \"bbox\": [", (unsigned long long)sam_amg_rle_area(&m->rle));
        put_coord(&t, b[0], f), put(&t, ", "), put_coord(&t, b[1], f), put(&t, ", ");
        put_coord(&t, b[2] - b[0], f), put(&t, ", "), put_coord(&t, b[3] - b[1], f);
        put(&t, "], \"predicted_iou\": ");
        put_float(&t, m->predicted_iou);
        put(&t, ", \"point_coords\": [[");
        put_float(&t, m->point[0]), put(&t, ", "), put_float(&t, m->point[1]);
        put(&t, "]], \"stability_score\": ");
        put_float(&t, m->stability_score);
        put(&t, ", \"crop_box\": [%d, %d, %d, %d]}", c[0], c[1], c[2] - c[0], c[3] - c[1]);
    }
    put(&t, "]\n");
    int rc = t.failed ? util_err("%s: out of memory formatting the annotations", path)
                      : util_write_file_atomic(path, t.s, t.n);
    free(t.s);
    return rc;
}

/* ---- masks.npy ---- */

int write_masks_npy(const char *path, const sam_amg_result *r) {
    size_t px = (size_t)r->h * r->w;
    uint8_t *all = util_xmalloc_array(r->n > 0 ? (size_t)r->n : 1, px);
    if (!all) return util_err_context("%s", path);
    for (int i = 0; i < r->n; i++)
        if (sam_amg_rle_decode(&r->masks[i].rle, all + (size_t)i * px)) {
            free(all);
            return util_err_context("%s: mask %d", path, i);
        }
    int64_t shape[3] = {r->n, r->h, r->w};
    int rc = io_npy_write(path, NPY_BOOL, 3, shape, all);
    free(all);
    return rc;
}

/* ---- overlay.png ---- */

/* A colour per mask index: hues spread by the golden ratio, bright and saturated. */
static void mask_colour(int i, uint8_t rgb[3]) {
    double h = fmod(i * 0.6180339887498949, 1.0) * 6.0, s = 0.8, v = 0.95;
    int sector = (int)h;
    double f = h - sector, p = v * (1 - s), q = v * (1 - s * f), u = v * (1 - s * (1 - f));
    double c[6][3] = {{v, u, p}, {q, v, p}, {p, v, u}, {p, q, v}, {u, p, v}, {v, p, q}};
    for (int k = 0; k < 3; k++) rgb[k] = (uint8_t)lround(255.0 * c[sector % 6][k]);
}

static int by_area_desc(const void *a, const void *b, void *areas) {
    const uint64_t *ar = areas;
    int i = *(const int *)a, j = *(const int *)b;
    if (ar[i] != ar[j]) return ar[i] < ar[j] ? 1 : -1;
    return (i > j) - (i < j);
}

int write_overlay_png(const char *path, const uint8_t *rgb, const sam_amg_result *r) {
    size_t px = (size_t)r->h * r->w;
    uint8_t *img = util_xmalloc_array(px, 3), *mask = util_xmalloc_array(px, 1);
    int *order = util_xmalloc_array(r->n > 0 ? (size_t)r->n : 1, sizeof *order);
    uint64_t *areas = util_xmalloc_array(r->n > 0 ? (size_t)r->n : 1, sizeof *areas);
    int rc = -1;
    if (!img || !mask || !order || !areas) goto done;
    memcpy(img, rgb, px * 3);
    for (int i = 0; i < r->n; i++) order[i] = i, areas[i] = sam_amg_rle_area(&r->masks[i].rle);
    qsort_r(order, (size_t)r->n, sizeof *order, by_area_desc, areas);
    for (int k = 0; k < r->n; k++) {
        int i = order[k];
        uint8_t col[3];
        mask_colour(i, col);
        if (sam_amg_rle_decode(&r->masks[i].rle, mask)) goto done;
        for (size_t p = 0; p < px; p++)
            if (mask[p])
                for (int c = 0; c < 3; c++) img[3 * p + c] = (uint8_t)((img[3 * p + c] + col[c] + 1) / 2);
    }
    png_image out = {.width = r->w, .height = r->h, .channels = 3, .bit_depth = 8, .pixels = img};
    rc = io_png_write(path, &out);
done:
    if (rc) util_err_context("%s", path);
    free(img);
    free(mask);
    free(order);
    free(areas);
    return rc;
}

/* ---- the label volume of a slice range ---- */

/* larger first; on equal areas the later mask first, so that the earlier one is drawn over it */
static int by_area_desc_later_first(const void *a, const void *b, void *areas) {
    const uint64_t *ar = areas;
    int i = *(const int *)a, j = *(const int *)b;
    if (ar[i] != ar[j]) return ar[i] < ar[j] ? 1 : -1;
    return (i < j) - (i > j);
}

int everything_label_slice(const sam_amg_result *r, uint16_t *labels) {
    size_t px = (size_t)r->h * r->w;
    if (r->n > 65535) return util_err("%d masks: more than a uint16 label volume holds (65535)", r->n);
    memset(labels, 0, px * sizeof *labels);
    uint8_t *mask = util_xmalloc_array(px, 1);
    int *order = util_xmalloc_array(r->n > 0 ? (size_t)r->n : 1, sizeof *order);
    uint64_t *areas = util_xmalloc_array(r->n > 0 ? (size_t)r->n : 1, sizeof *areas);
    int rc = mask && order && areas ? 0 : -1;
    for (int i = 0; rc == 0 && i < r->n; i++) order[i] = i, areas[i] = sam_amg_rle_area(&r->masks[i].rle);
    if (rc == 0) qsort_r(order, (size_t)r->n, sizeof *order, by_area_desc_later_first, areas);
    for (int k = 0; rc == 0 && k < r->n; k++) { /* the smallest last, so on top */
        int i = order[k];
        if ((rc = sam_amg_rle_decode(&r->masks[i].rle, mask))) break;
        for (size_t p = 0; p < px; p++)
            if (mask[p]) labels[p] = (uint16_t)(i + 1);
    }
    free(mask), free(order), free(areas);
    return rc;
}
