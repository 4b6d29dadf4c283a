#include "prompts/distance_transform.h"

#include <stdlib.h>
#include <string.h>

#include "prompts/components.h"
#include "util/err.h"
#include "util/mem.h"

enum { HV = 65536, DIAG = 91750, KNIGHT = 143976 }; /* cvRound(w * 2^16) for 1, 1.4f, 2.1969f */
/* Outside the image: "far", never background. OpenCV 4.6 (Debian 12) uses INT_MAX >> 2 and
 * clamps every forward-pass value to it; newer releases use 2^32 - 1 - 143976. Only an image
 * with no background pixel at all can tell them apart (the protocol always pads). */
#define FAR ((uint32_t)(INT32_MAX >> 2))

static inline uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

int prompts_chamfer5_distance(const uint8_t *mask, int h, int w, float *dist) {
    if (prompts_mask_check_size(h, w)) return -1;
    /* t: (h + 4) x (w + 4) working map with a two-pixel frame of FAR; row stride s */
    size_t s = (size_t)w + 4, rows = (size_t)h + 4;
    uint32_t *t = util_xmalloc_array(rows * s, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < rows * s; i++) t[i] = FAR;

    /* forward pass: neighbours above and to the left */
    for (int y = 0; y < h; y++) {
        uint32_t *r = t + (size_t)(y + 2) * s + 2; /* r[x] = pixel (y, x) */
        const uint8_t *m = mask + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            if (!m[x]) {
                r[x] = 0;
                continue;
            }
            const uint32_t *u1 = r - s, *u2 = r - 2 * s; /* one and two rows up */
            uint32_t v = u2[x - 1] + KNIGHT;
            v = min_u32(v, u2[x + 1] + KNIGHT);
            v = min_u32(v, u1[x - 2] + KNIGHT);
            v = min_u32(v, u1[x - 1] + DIAG);
            v = min_u32(v, u1[x] + HV);
            v = min_u32(v, u1[x + 1] + DIAG);
            v = min_u32(v, u1[x + 2] + KNIGHT);
            v = min_u32(v, r[x - 1] + HV);
            r[x] = min_u32(v, FAR);
        }
    }
    /* backward pass: neighbours below and to the right; a value of at most HV is final */
    for (int y = h - 1; y >= 0; y--) {
        uint32_t *r = t + (size_t)(y + 2) * s + 2;
        float *d = dist + (size_t)y * w;
        for (int x = w - 1; x >= 0; x--) {
            uint32_t v = r[x];
            if (v > HV) {
                const uint32_t *b1 = r + s, *b2 = r + 2 * s;
                v = min_u32(v, b2[x + 1] + KNIGHT);
                v = min_u32(v, b2[x - 1] + KNIGHT);
                v = min_u32(v, b1[x + 2] + KNIGHT);
                v = min_u32(v, b1[x + 1] + DIAG);
                v = min_u32(v, b1[x] + HV);
                v = min_u32(v, b1[x - 1] + DIAG);
                v = min_u32(v, b1[x - 2] + KNIGHT);
                v = min_u32(v, r[x + 1] + HV);
                r[x] = v;
            }
            d[x] = (float)v * (1.0f / 65536.0f);
        }
    }
    free(t);
    return 0;
}

int prompts_region_distance(const uint8_t *mask, int h, int w, float *dist) {
    if (prompts_mask_check_size(h, w)) return -1;
    if (prompts_mask_check_size(h + 2, w + 2)) return util_err_context("region_distance");
    int ph = h + 2, pw = w + 2;
    size_t pn = (size_t)ph * pw;
    uint8_t *pad = util_xcalloc_array(pn, 1);
    float *pd = util_xmalloc_array(pn, sizeof *pd);
    int rc = -1;
    if (!pad || !pd) goto done;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) pad[(size_t)(y + 1) * pw + x + 1] = mask[(size_t)y * w + x] != 0;
    if (prompts_chamfer5_distance(pad, ph, pw, pd)) goto done;
    for (int y = 0; y < h; y++) memcpy(dist + (size_t)y * w, pd + (size_t)(y + 1) * pw + 1, (size_t)w * sizeof *dist);
    rc = 0;
done:
    free(pad), free(pd);
    return rc;
}

int64_t prompts_argmax_ties(const float *dist, int64_t n, samc_rng *ties, int64_t *n_max) {
    int64_t best = 0, count = 0;
    for (int64_t i = 0; i < n; i++) {
        if (dist[i] > dist[best]) best = i, count = 1;
        else if (dist[i] == dist[best]) count++;
    }
    if (n_max) *n_max = count;
    if (!ties || count <= 1) return best;
    /* the k-th maximum in row-major order, k uniform in [0, count) */
    int64_t k = (int64_t)util_rng_below(ties, (uint64_t)count);
    for (int64_t i = best; i < n; i++)
        if (dist[i] == dist[best] && k-- == 0) return i;
    return best; /* not reached */
}

int prompts_region_center(const uint8_t *mask, int h, int w, samc_rng *ties, int *x, int *y) {
    if (prompts_mask_check_size(h, w)) return -1;
    float *d = util_xmalloc_array((size_t)h * w, sizeof *d);
    if (!d || prompts_region_distance(mask, h, w, d)) {
        free(d);
        return -1;
    }
    int64_t i = prompts_argmax_ties(d, (int64_t)h * w, ties, NULL);
    *x = (int)(i % w), *y = (int)(i / w);
    free(d);
    return 0;
}
