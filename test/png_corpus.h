/* A minimal PNG writer for tests, written from the PNG specification independently of
 * io/png.c: it emits any colour type, bit depth, interlace and filter choice from a known
 * sample array (zlib's compress2 and crc32 do the deflate and CRC), so tests can build a
 * PngSuite-style corpus and compare io/png.c's output with pixels expanded by hand rules.
 * It also gives the building blocks (chunks, filtered scanlines) to craft broken files. */
#ifndef SAMC_TEST_PNG_CORPUS_H
#define SAMC_TEST_PNG_CORPUS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

typedef struct {
    unsigned char *data;
    size_t len, cap;
} cbuf;

static inline void cbuf_put(cbuf *b, const void *p, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->data = realloc(b->data, b->cap);
        if (!b->data) abort();
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void cbuf_be32(cbuf *b, uint32_t v) {
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    cbuf_put(b, p, 4);
}

static inline void cbuf_signature(cbuf *b) { cbuf_put(b, "\x89PNG\r\n\x1a\n", 8); }

/* Appends a chunk with a correct length and CRC. */
static inline void cbuf_chunk(cbuf *b, const char *type, const void *data, size_t n) {
    cbuf_be32(b, (uint32_t)n);
    size_t at = b->len;
    cbuf_put(b, type, 4);
    cbuf_put(b, data, n);
    cbuf_be32(b, (uint32_t)crc32(0, b->data + at, (uInt)(n + 4)));
}

static inline void cbuf_ihdr(cbuf *b, uint32_t w, uint32_t h, int bit_depth, int color_type, int interlace) {
    unsigned char d[13] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16), (unsigned char)(w >> 8), (unsigned char)w,
                           (unsigned char)(h >> 24), (unsigned char)(h >> 16), (unsigned char)(h >> 8), (unsigned char)h,
                           (unsigned char)bit_depth, (unsigned char)color_type, 0, 0, (unsigned char)interlace};
    cbuf_chunk(b, "IHDR", d, 13);
}

/* Offset of the first chunk of the given type in a PNG file, or 0 if none. */
static inline size_t corpus_find_chunk(const unsigned char *png, size_t len, const char *type) {
    size_t p = 8;
    while (p + 12 <= len) {
        uint32_t n = (uint32_t)png[p] << 24 | (uint32_t)png[p + 1] << 16 | (uint32_t)png[p + 2] << 8 | png[p + 3];
        if (!memcmp(png + p + 4, type, 4)) return p;
        p += 12 + (size_t)n;
    }
    return 0;
}

/* Recomputes the CRC of the chunk at offset (after a test edited it on purpose). */
static inline void corpus_fix_crc(unsigned char *png, size_t offset) {
    uint32_t n = (uint32_t)png[offset] << 24 | (uint32_t)png[offset + 1] << 16 | (uint32_t)png[offset + 2] << 8 |
                 png[offset + 3];
    uint32_t c = (uint32_t)crc32(0, png + offset + 4, n + 4);
    unsigned char *q = png + offset + 8 + n;
    q[0] = (unsigned char)(c >> 24), q[1] = (unsigned char)(c >> 16), q[2] = (unsigned char)(c >> 8), q[3] = (unsigned char)c;
}

typedef struct {
    int width, height, bit_depth, color_type, interlace;
    int filter;               /* filter type 0..4 for every row, or -1 for 0,1,2,3,4,0,... by row */
    const uint16_t *samples;  /* height x width x (samples per pixel), each < 2^bit_depth */
    const uint8_t *palette;   /* palette_size RGB triples (colour type 3) */
    int palette_size;
    const uint8_t *trns;      /* raw tRNS chunk data, or NULL */
    int trns_len;
    size_t idat_split;        /* bytes per IDAT chunk; 0 for a single IDAT */
    int ancillary;            /* add tEXt, a private chunk before and a tIME chunk after the data */
} corpus_png;

static inline int corpus_spp(int color_type) { return color_type == 2 ? 3 : color_type == 4 ? 2 : color_type == 6 ? 4 : 1; }

static inline int corpus_predict(int type, int a, int b, int c) {
    if (type == 1) return a;
    if (type == 2) return b;
    if (type == 3) return (a + b) / 2;
    if (type == 4) {
        int p = a + b - c, pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p, pc = p > c ? p - c : c - p;
        return (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
    }
    return 0;
}

/* The filtered scanlines of all passes (what goes into zlib), malloc'd. */
static inline unsigned char *corpus_filtered(const corpus_png *p, size_t *out_len) {
    static const int passes[7][4] = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4},
                                     {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
    static const int whole[1][4] = {{0, 0, 1, 1}};
    const int(*pl)[4] = p->interlace ? passes : whole;
    int np = p->interlace ? 7 : 1, spp = corpus_spp(p->color_type), bd = p->bit_depth;
    int bpp = (spp * bd + 7) / 8, row_no = 0;
    cbuf out = {0};
    for (int k = 0; k < np; k++) {
        int x0 = pl[k][0], y0 = pl[k][1], dx = pl[k][2], dy = pl[k][3];
        int pw = p->width > x0 ? (p->width - x0 + dx - 1) / dx : 0;
        int ph = p->height > y0 ? (p->height - y0 + dy - 1) / dy : 0;
        if (!pw || !ph) continue;
        size_t rb = ((size_t)pw * spp * bd + 7) / 8;
        unsigned char *prev = calloc(rb, 1), *cur = calloc(rb, 1), *f = malloc(rb + 1);
        for (int r = 0; r < ph; r++) {
            memset(cur, 0, rb);
            for (int c = 0; c < pw; c++)
                for (int s = 0; s < spp; s++) {
                    size_t y = (size_t)(y0 + r * dy), x = (size_t)(x0 + c * dx);
                    unsigned v = p->samples[(y * p->width + x) * spp + s];
                    size_t i = (size_t)c * spp + s;
                    if (bd == 16) cur[2 * i] = (unsigned char)(v >> 8), cur[2 * i + 1] = (unsigned char)v;
                    else if (bd == 8) cur[i] = (unsigned char)v;
                    else cur[i * bd / 8] |= (unsigned char)(v << (8 - bd - (int)(i * bd % 8)));
                }
            int type = p->filter >= 0 ? p->filter : row_no % 5;
            row_no++;
            f[0] = (unsigned char)type;
            for (size_t i = 0; i < rb; i++) {
                int a = i >= (size_t)bpp ? cur[i - bpp] : 0, b = r > 0 ? prev[i] : 0;
                int c = (r > 0 && i >= (size_t)bpp) ? prev[i - bpp] : 0;
                f[1 + i] = (unsigned char)(cur[i] - corpus_predict(type, a, b, c));
            }
            cbuf_put(&out, f, rb + 1);
            memcpy(prev, cur, rb);
        }
        free(prev), free(cur), free(f);
    }
    *out_len = out.len;
    return out.data;
}

static inline unsigned char *corpus_zlib(const unsigned char *data, size_t n, size_t *zlen) {
    uLongf bound = compressBound((uLong)n);
    unsigned char *z = malloc(bound);
    if (!z || compress2(z, &bound, data, (uLong)n, 9) != Z_OK) abort();
    *zlen = bound;
    return z;
}

/* The whole PNG file, malloc'd. */
static inline unsigned char *corpus_build(const corpus_png *p, size_t *len) {
    cbuf b = {0};
    size_t n, zlen;
    unsigned char *raw = corpus_filtered(p, &n), *z = corpus_zlib(raw, n, &zlen);
    cbuf_signature(&b);
    cbuf_ihdr(&b, (uint32_t)p->width, (uint32_t)p->height, p->bit_depth, p->color_type, p->interlace);
    if (p->ancillary) {
        cbuf_chunk(&b, "tEXt", "Comment\0corpus", 14);
        cbuf_chunk(&b, "prVt", "\xff\x00\x01", 3);
    }
    if (p->palette) cbuf_chunk(&b, "PLTE", p->palette, (size_t)p->palette_size * 3);
    if (p->trns) cbuf_chunk(&b, "tRNS", p->trns, (size_t)p->trns_len);
    size_t step = p->idat_split ? p->idat_split : zlen;
    for (size_t off = 0; off < zlen; off += step) cbuf_chunk(&b, "IDAT", z + off, zlen - off < step ? zlen - off : step);
    if (p->ancillary) cbuf_chunk(&b, "tIME", "\x07\xea\x0b\x1a\x0f\x00\x00", 7);
    cbuf_chunk(&b, "IEND", NULL, 0);
    free(raw), free(z);
    *len = b.len;
    return b.data;
}

#endif
