/* Run-length encodings of masks: the uncompressed RLE of utils/amg.py (column-major runs,
 * starting with a run of zeros) and pycocotools' compressed counts string (maskApi.c
 * rleToString / rleFrString). */
#include <stdlib.h>
#include <string.h>

#include "sam/amg.h"
#include "util/err.h"
#include "util/mem.h"

void sam_amg_rle_free(amg_rle *rle) {
    free(rle->counts);
    rle->counts = NULL;
    rle->n = 0;
}

/* Appends a run, growing the array geometrically. */
static int push_run(amg_rle *rle, size_t *cap, uint64_t len) {
    if (rle->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        uint32_t *c = util_xmalloc_array(ncap, sizeof *c);
        if (!c) return -1;
        if (rle->n) memcpy(c, rle->counts, rle->n * sizeof *c);
        free(rle->counts);
        rle->counts = c;
        *cap = ncap;
    }
    rle->counts[rle->n++] = (uint32_t)len;
    return 0;
}

/* The run being built while pixels are fed in column-major order. */
typedef struct {
    amg_rle *rle;
    size_t cap;
    uint8_t cur; /* value of the current run; runs start with zeros */
    uint64_t run;
} rle_writer;

static int feed(rle_writer *wr, uint8_t v, uint64_t count) {
    if (v != wr->cur) {
        if (push_run(wr->rle, &wr->cap, wr->run)) return -1;
        wr->cur = v, wr->run = 0;
    }
    wr->run += count;
    return 0;
}

int sam_amg_rle_encode_placed(const uint8_t *mask, int ch, int cw, int x0, int y0, int h, int w, amg_rle *rle) {
    rle->h = h, rle->w = w, rle->n = 0, rle->counts = NULL;
    if (h < 0 || w < 0 || (uint64_t)h * (uint64_t)w > UINT32_MAX)
        return util_err("mask of %d x %d pixels is too large for an RLE", h, w);
    if (x0 < 0 || y0 < 0 || ch < 0 || cw < 0 || x0 + (int64_t)cw > w || y0 + (int64_t)ch > h)
        return util_err("crop %d x %d at (%d, %d) lies outside the %d x %d image", ch, cw, x0, y0, h, w);
    rle_writer wr = {rle, 0, 0, 0};
    /* flat index x*h + y; outside the crop every pixel is 0 */
    for (int x = 0; x < w; x++) {
        if (x < x0 || x >= x0 + cw) {
            if (feed(&wr, 0, (uint64_t)h)) goto fail;
            continue;
        }
        if (y0 > 0 && feed(&wr, 0, (uint64_t)y0)) goto fail;
        for (int y = 0; y < ch; y++)
            if (feed(&wr, mask[(size_t)y * cw + (x - x0)] != 0, 1)) goto fail;
        if (h - y0 - ch > 0 && feed(&wr, 0, (uint64_t)(h - y0 - ch))) goto fail;
    }
    if (push_run(rle, &wr.cap, wr.run)) goto fail;
    return 0;
fail:
    sam_amg_rle_free(rle);
    return -1;
}

int sam_amg_rle_encode(const uint8_t *mask, int h, int w, amg_rle *rle) {
    return sam_amg_rle_encode_placed(mask, h, w, 0, 0, h, w, rle);
}

int sam_amg_rle_decode(const amg_rle *rle, uint8_t *mask) {
    uint64_t total = (uint64_t)rle->h * (uint64_t)rle->w, pos = 0;
    for (size_t i = 0; i < rle->n; i++) {
        if (rle->counts[i] > total - pos) return util_err("RLE runs exceed %d x %d pixels", rle->h, rle->w);
        uint8_t v = (uint8_t)(i & 1);
        for (uint64_t k = pos; k < pos + rle->counts[i]; k++) {
            uint64_t x = k / (uint64_t)rle->h, y = k % (uint64_t)rle->h; /* column-major */
            mask[y * (uint64_t)rle->w + x] = v;
        }
        pos += rle->counts[i];
    }
    if (pos != total) return util_err("RLE runs cover %llu of %llu pixels", (unsigned long long)pos,
                                      (unsigned long long)total);
    return 0;
}

uint64_t sam_amg_rle_area(const amg_rle *rle) {
    uint64_t a = 0;
    for (size_t i = 1; i < rle->n; i += 2) a += rle->counts[i];
    return a;
}

char *sam_amg_coco_rle_string(const amg_rle *rle) {
    /* a 32-bit count (or a difference of two) takes at most 7 characters */
    size_t cap = 0;
    if (util_size_mul(rle->n, 7, &cap) || util_size_add(cap, 1, &cap)) return NULL;
    char *s = util_xmalloc_array(cap, 1);
    if (!s) return NULL;
    size_t p = 0;
    for (size_t i = 0; i < rle->n; i++) {
        /* like LEB128 with 5 payload bits per character; counts after the second are sent as
         * the difference to the count two before (same kind of run) */
        int64_t x = rle->counts[i];
        if (i > 2) x -= rle->counts[i - 2];
        int more = 1;
        while (more) {
            int c = (int)(x & 0x1f);
            x >>= 5; /* arithmetic shift: x may be negative */
            more = (c & 0x10) ? x != -1 : x != 0;
            if (more) c |= 0x20;
            s[p++] = (char)(c + 48);
        }
    }
    s[p] = 0;
    return s;
}

int sam_amg_coco_rle_parse(const char *s, int h, int w, amg_rle *rle) {
    rle->h = h, rle->w = w, rle->n = 0, rle->counts = NULL;
    if (h < 0 || w < 0 || (uint64_t)h * (uint64_t)w > UINT32_MAX)
        return util_err("RLE size %d x %d is out of range", h, w);
    size_t len = strlen(s), cap = 0;
    uint64_t total = 0;
    for (size_t p = 0; p < len;) {
        uint64_t x = 0; /* two's complement bits of the value */
        int k = 0, more = 1;
        while (more) {
            if (p >= len) goto bad;
            int c = (unsigned char)s[p] - 48;
            if (c < 0 || c > 63 || k >= 7) goto bad;
            x |= (uint64_t)(c & 0x1f) << (5 * k);
            more = c & 0x20;
            p++, k++;
            if (!more && (c & 0x10)) x |= ~(uint64_t)0 << (5 * k); /* sign extension */
        }
        int64_t v = (int64_t)x;
        if (rle->n > 2) v += rle->counts[rle->n - 2];
        if (v < 0 || v > UINT32_MAX || (uint64_t)v > (uint64_t)h * (uint64_t)w - total) goto bad;
        total += (uint64_t)v;
        if (push_run(rle, &cap, (uint64_t)v)) {
            sam_amg_rle_free(rle);
            return -1;
        }
    }
    if (total != (uint64_t)h * (uint64_t)w) goto bad;
    return 0;
bad:
    sam_amg_rle_free(rle);
    return util_err("malformed COCO RLE counts string for a %d x %d mask", h, w);
}
