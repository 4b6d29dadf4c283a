/* 8-connected labelling by flood fill from each unlabelled foreground pixel met in raster
 * order, so provisional ids follow the first pixel in raster order (as skimage's label),
 * then a sort into protocol order and a relabelling. */
#include "prompts/components.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/mem.h"

int prompts_mask_check_size(int h, int w) {
    if (h < 1 || w < 1) return util_err("mask size %d x %d: both sides must be >= 1", h, w);
    if ((int64_t)h * w > INT32_MAX) return util_err("mask size %d x %d: too many pixels", h, w);
    return 0;
}

size_t prompts_mask_area(const uint8_t *mask, size_t n) {
    size_t a = 0;
    for (size_t i = 0; i < n; i++) a += mask[i] != 0;
    return a;
}

int prompts_mask_box(const uint8_t *mask, int h, int w, int box[4]) {
    if (prompts_mask_check_size(h, w)) return -1;
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (mask[(size_t)y * w + x]) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                y1 = y;
            }
    if (x1 < 0) return util_err("mask_box: the mask is empty");
    box[0] = x0, box[1] = y0, box[2] = x1, box[3] = y1;
    return 0;
}

/* Flood-fills the component containing pixel `seed` with id `id`, growing c's area and
 * box. stack has room for every pixel (each pixel is pushed at most once). */
static void flood_fill(const uint8_t *mask, int h, int w, int32_t *lab, int32_t *stack, int32_t seed,
                       int32_t id, mask_component *c) {
    size_t top = 0;
    lab[seed] = id;
    stack[top++] = seed;
    c->area = 0, c->first = (size_t)seed;
    c->x0 = c->x1 = seed % w, c->y0 = c->y1 = seed / w;
    while (top) {
        int32_t p = stack[--top];
        int px = p % w, py = p / w;
        c->area++;
        if (px < c->x0) c->x0 = px;
        if (px > c->x1) c->x1 = px;
        if (py < c->y0) c->y0 = py;
        if (py > c->y1) c->y1 = py;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int qx = px + dx, qy = py + dy;
                if (qx < 0 || qx >= w || qy < 0 || qy >= h) continue;
                int32_t q = qy * w + qx;
                if (mask[q] && !lab[q]) lab[q] = id, stack[top++] = q;
            }
    }
}

/* Protocol order: area descending, then first pixel descending (keys are unique). */
static int by_protocol_order(const void *pa, const void *pb) {
    const mask_component *a = pa, *b = pb;
    if (a->area != b->area) return a->area > b->area ? -1 : 1;
    return a->first > b->first ? -1 : a->first < b->first ? 1 : 0;
}

int prompts_components_find(const uint8_t *mask, int h, int w, int32_t *labels, mask_component **comps,
                    int *n_comps) {
    *comps = NULL, *n_comps = 0;
    if (prompts_mask_check_size(h, w)) return -1;
    size_t n = (size_t)h * w;
    int32_t *lab = util_xcalloc_array(n, sizeof *lab);
    int32_t *stack = util_xmalloc_array(n, sizeof *stack);
    mask_component *c = NULL;
    int32_t *remap = NULL;
    int count = 0, cap = 0, rc = -1;
    if (!lab || !stack) goto done;
    for (size_t i = 0; i < n; i++) {
        if (!mask[i] || lab[i]) continue;
        if (count == cap) {
            int new_cap = cap ? 2 * cap : 16;
            mask_component *g = util_xmalloc_array((size_t)new_cap, sizeof *g);
            if (!g) goto done;
            for (int k = 0; k < count; k++) g[k] = c[k];
            free(c);
            c = g, cap = new_cap;
        }
        flood_fill(mask, h, w, lab, stack, (int32_t)i, count + 1, &c[count]);
        count++;
    }
    if (count > 1) qsort(c, (size_t)count, sizeof *c, by_protocol_order);
    if (labels) {
        /* provisional id of a component = 1 + its rank by first pixel; map it to 1 + sorted index */
        remap = util_xmalloc_array((size_t)count + 1, sizeof *remap);
        if (!remap) goto done;
        remap[0] = 0;
        for (int k = 0; k < count; k++) remap[lab[c[k].first]] = k + 1;
        for (size_t i = 0; i < n; i++) labels[i] = remap[lab[i]];
    }
    *comps = c, *n_comps = count;
    c = NULL;
    rc = 0;
done:
    free(lab), free(stack), free(c), free(remap);
    return rc;
}

void prompts_component_mask(const int32_t *labels, size_t n, int32_t label, uint8_t *out) {
    for (size_t i = 0; i < n; i++) out[i] = labels[i] == label;
}
