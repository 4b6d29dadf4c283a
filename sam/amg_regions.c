/* remove_small_regions (utils/amg.py): fills small holes or removes small islands of a mask,
 * with the components of cv2.connectedComponentsWithStats(mask, connectivity=8).
 *
 * Which pixels change depends only on the components and their areas, not on how they are
 * numbered, except for one tie: when every island is small, the official code keeps the
 * first largest one by label number. OpenCV's 8-connectivity labelling (BBDT / Spaghetti)
 * scans 2x2 blocks, so labels follow the first 2x2 block (in block raster order) that
 * touches each component; every component's label here is given the same way. */
#include <stdlib.h>

#include "sam/amg.h"
#include "util/err.h"
#include "util/mem.h"

static int32_t find_root(int32_t *parent, int32_t i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]]; /* path halving */
        i = parent[i];
    }
    return i;
}

static void unite(int32_t *parent, int32_t a, int32_t b) {
    a = find_root(parent, a), b = find_root(parent, b);
    if (a == b) return;
    if (a < b) parent[b] = a;
    else parent[a] = b;
}

/* Labels the 8-connected components of the pixels where (mask != 0) == want: label[i] is 0
 * for other pixels and 1..n for components, numbered by their first 2x2 block. sizes[1..n]
 * get the areas (sizes must hold h*w+1 entries). Returns n. */
static int32_t label_components(const uint8_t *mask, int h, int w, int want, int32_t *label, int64_t *sizes) {
    int32_t *parent = label; /* union-find forest first, overwritten by the labels below */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t i = (int32_t)((size_t)y * w + x);
            if ((mask[i] != 0) != want) {
                parent[i] = -1;
                continue;
            }
            parent[i] = i;
            /* neighbours already visited: left, and the three above */
            if (x > 0 && parent[i - 1] >= 0) unite(parent, i, i - 1);
            if (y > 0)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx;
                    if (xx < 0 || xx >= w) continue;
                    int32_t j = i - w + dx;
                    if (parent[j] >= 0) unite(parent, i, j);
                }
        }
    /* roots are the smallest index of each component; number them by 2x2 blocks */
    int32_t *root_label = util_xcalloc_array((size_t)h * w, sizeof *root_label);
    if (!root_label) return -1;
    int32_t n = 0;
    for (int by = 0; by < h; by += 2)
        for (int bx = 0; bx < w; bx += 2)
            for (int k = 0; k < 4; k++) {
                int y = by + k / 2, x = bx + k % 2;
                if (y >= h || x >= w) continue;
                int32_t i = (int32_t)((size_t)y * w + x);
                if (parent[i] < 0) continue;
                int32_t r = find_root(parent, i);
                if (!root_label[r]) root_label[r] = ++n;
            }
    for (int32_t l = 0; l <= n; l++) sizes[l] = 0;
    /* roots point to themselves, so resolve every pixel before overwriting any entry */
    for (size_t i = 0; i < (size_t)h * w; i++)
        if (parent[i] >= 0) parent[i] = find_root(parent, (int32_t)i);
    for (size_t i = 0; i < (size_t)h * w; i++) {
        int32_t l = parent[i] >= 0 ? root_label[parent[i]] : 0;
        label[i] = l;
        sizes[l]++;
    }
    free(root_label);
    return n;
}

int sam_amg_remove_small_regions(uint8_t *mask, int h, int w, int64_t area_thresh, int holes, int *changed) {
    *changed = 0;
    if (h <= 0 || w <= 0) return 0;
    if ((uint64_t)h * (uint64_t)w >= INT32_MAX) return util_err("mask of %d x %d pixels is too large", h, w);
    size_t n_pix = (size_t)h * w;
    int32_t *label = util_xmalloc_array(n_pix, sizeof *label);
    int64_t *sizes = util_xmalloc_array(n_pix + 1, sizeof *sizes);
    uint8_t *fill = util_xcalloc_array(n_pix + 1, 1); /* per label: 1 if its pixels end up in the mask */
    int rc = -1;
    if (!label || !sizes || !fill) goto done;
    /* holes: components of the background (working = ~mask); islands: of the mask */
    int32_t n = label_components(mask, h, w, holes ? 0 : 1, label, sizes);
    if (n < 0) goto done;
    int n_small = 0;
    for (int32_t l = 1; l <= n; l++) n_small += sizes[l] < area_thresh;
    rc = 0;
    if (n_small == 0) goto done;
    *changed = 1;
    if (holes) {
        /* isin(regions, [0] + small): the mask itself plus the small background components */
        fill[0] = 1;
        for (int32_t l = 1; l <= n; l++) fill[l] = sizes[l] < area_thresh;
    } else {
        /* every component but the small ones; if all are small, the first largest */
        int any = 0;
        for (int32_t l = 1; l <= n; l++) any |= fill[l] = sizes[l] >= area_thresh;
        if (!any) {
            int32_t best = 1;
            for (int32_t l = 2; l <= n; l++)
                if (sizes[l] > sizes[best]) best = l;
            fill[best] = 1;
        }
    }
    for (size_t i = 0; i < n_pix; i++) mask[i] = fill[label[i]];
done:
    free(label);
    free(sizes);
    free(fill);
    return rc;
}
