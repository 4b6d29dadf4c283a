/* Test helpers that build checkpoint files byte by byte (zip archives, torch pickles,
 * safetensors), so the weights tests can feed the readers handmade and hostile inputs.
 * Written from the format descriptions (APPNOTE.TXT, pickletools, sam-reference.md §6), not
 * with the reader's code. */
#ifndef SAMC_TEST_WEIGHTS_BUILDER_H
#define SAMC_TEST_WEIGHTS_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- a growable byte buffer ---- */
typedef struct {
    uint8_t *p;
    size_t n, cap;
} bbuf;

static inline void bb_put(bbuf *b, const void *src, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    if (n) memcpy(b->p + b->n, src, n);
    b->n += n;
}
static inline void bb_u8(bbuf *b, unsigned v) { uint8_t x = (uint8_t)v; bb_put(b, &x, 1); }
static inline void bb_le(bbuf *b, uint64_t v, int n) { for (int i = 0; i < n; i++) bb_u8(b, (unsigned)(v >> 8 * i) & 255); }
static inline void bb_str(bbuf *b, const char *s) { bb_put(b, s, strlen(s)); }

static inline uint64_t rd_le_n(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static inline void wr_le_n(uint8_t *p, uint64_t v, int n) { for (int i = 0; i < n; i++) p[i] = (uint8_t)(v >> 8 * i); }

/* ---- zip (APPNOTE 4.3): stored or raw-deflated entries, data 64-byte aligned like torch,
 * optionally every size/offset through ZIP64 extra fields and the ZIP64 end records ---- */
typedef struct {
    const char *name;
    const uint8_t *data;
    size_t len;
    int deflate;
} zb_entry;

static inline size_t zb_deflate(const uint8_t *src, size_t n, uint8_t **out) {
    z_stream s;
    memset(&s, 0, sizeof s);
    deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    size_t cap = deflateBound(&s, n);
    *out = malloc(cap);
    s.next_in = (Bytef *)(uintptr_t)src;
    s.avail_in = (uInt)n;
    s.next_out = *out;
    s.avail_out = (uInt)cap;
    deflate(&s, Z_FINISH);
    size_t m = s.total_out;
    deflateEnd(&s);
    return m;
}

/* The fields a local header and its central directory record share, from "version needed"
 * to the name length. */
static inline void zb_common_fields(bbuf *b, const zb_entry *e, int zip64, uint32_t crc, size_t clen, size_t nlen) {
    bb_le(b, zip64 ? 45 : 20, 2); /* version needed */
    bb_le(b, 0, 2);               /* flags */
    bb_le(b, e->deflate ? 8 : 0, 2);
    bb_le(b, 0, 4); /* time, date */
    bb_le(b, crc, 4);
    bb_le(b, zip64 ? 0xFFFFFFFFu : clen, 4);
    bb_le(b, zip64 ? 0xFFFFFFFFu : e->len, 4);
    bb_le(b, nlen, 2);
}

static inline uint8_t *zb_build(const zb_entry *e, int n, int zip64, size_t *out_len) {
    bbuf b = {0}, cd = {0};
    for (int i = 0; i < n; i++) {
        uint8_t *comp = NULL;
        size_t clen = e[i].len;
        const uint8_t *data = e[i].data;
        if (e[i].deflate) {
            clen = zb_deflate(e[i].data, e[i].len, &comp);
            data = comp;
        }
        uint32_t crc = (uint32_t)crc32(0, e[i].data, (uInt)e[i].len);
        size_t off = b.n, nlen = strlen(e[i].name);
        size_t pad = (64 - (off + 30 + nlen + 4) % 64) % 64; /* "FB" extra field aligns the data */
        bb_le(&b, 0x04034b50, 4);
        zb_common_fields(&b, &e[i], zip64, crc, clen, nlen);
        bb_le(&b, 4 + pad, 2);
        bb_str(&b, e[i].name);
        bb_le(&b, 0x4246, 2);
        bb_le(&b, pad, 2);
        for (size_t k = 0; k < pad; k++) bb_u8(&b, 'Z');
        bb_put(&b, data, clen);
        /* central directory record */
        bb_le(&cd, 0x02014b50, 4);
        bb_le(&cd, zip64 ? 45 : 20, 2); /* version made by */
        zb_common_fields(&cd, &e[i], zip64, crc, clen, nlen);
        bb_le(&cd, zip64 ? 28 : 0, 2);
        bb_le(&cd, 0, 2);
        bb_le(&cd, 0, 2);
        bb_le(&cd, 0, 2);
        bb_le(&cd, 0, 4);
        bb_le(&cd, zip64 ? 0xFFFFFFFFu : off, 4);
        bb_str(&cd, e[i].name);
        if (zip64) { /* uncompressed size, compressed size, local header offset */
            bb_le(&cd, 0x0001, 2);
            bb_le(&cd, 24, 2);
            bb_le(&cd, e[i].len, 8);
            bb_le(&cd, clen, 8);
            bb_le(&cd, off, 8);
        }
        free(comp);
    }
    size_t cd_off = b.n;
    bb_put(&b, cd.p, cd.n);
    if (zip64) {
        size_t rec = b.n;
        bb_le(&b, 0x06064b50, 4);
        bb_le(&b, 44, 8);
        bb_le(&b, 45, 2);
        bb_le(&b, 45, 2);
        bb_le(&b, 0, 4);
        bb_le(&b, 0, 4);
        bb_le(&b, (uint64_t)n, 8);
        bb_le(&b, (uint64_t)n, 8);
        bb_le(&b, cd.n, 8);
        bb_le(&b, cd_off, 8);
        bb_le(&b, 0x07064b50, 4);
        bb_le(&b, 0, 4);
        bb_le(&b, rec, 8);
        bb_le(&b, 1, 4);
    }
    bb_le(&b, 0x06054b50, 4);
    bb_le(&b, 0, 2);
    bb_le(&b, 0, 2);
    bb_le(&b, zip64 ? 0xFFFF : (unsigned)n, 2);
    bb_le(&b, zip64 ? 0xFFFF : (unsigned)n, 2);
    bb_le(&b, zip64 ? 0xFFFFFFFFu : cd.n, 4);
    bb_le(&b, zip64 ? 0xFFFFFFFFu : cd_off, 4);
    bb_le(&b, 0, 2);
    free(cd.p);
    *out_len = b.n;
    return b.p;
}

/* ---- pickle protocol 2 for a torch state dict (pickletools opcodes) ---- */
static inline void pb_unicode(bbuf *b, const char *s) {
    bb_u8(b, 'X');
    bb_le(b, strlen(s), 4);
    bb_str(b, s);
}
static inline void pb_int(bbuf *b, uint32_t v) {
    bb_u8(b, 'J');
    bb_le(b, v, 4);
}
static inline void pb_global(bbuf *b, const char *module, const char *name) {
    bb_u8(b, 'c');
    bb_str(b, module);
    bb_u8(b, '\n');
    bb_str(b, name);
    bb_u8(b, '\n');
}

typedef struct {
    const char *name;
    const char *storage_type; /* "FloatStorage", "HalfStorage", ... */
    const char *key;
    uint32_t numel;           /* of the storage */
    uint32_t offset;
    int ndim;
    uint32_t shape[4], stride[4];
} pb_tensor;

/* OrderedDict() followed by MARK: the items of a state dict come next. */
static inline void pb_ordered_dict_mark(bbuf *b) {
    pb_global(b, "collections", "OrderedDict");
    bb_u8(b, ')');
    bb_u8(b, 'R');
    bb_u8(b, '(');
}

/* key, _rebuild_tensor_v2(persid(('storage', torch.<T>, key, 'cpu', numel)), offset, size, stride, False, OrderedDict()) */
static inline void pb_tensor_items(bbuf *b, const pb_tensor *t, int n) {
    for (int i = 0; i < n; i++) {
        pb_unicode(b, t[i].name);
        pb_global(b, "torch._utils", "_rebuild_tensor_v2");
        bb_u8(b, '(');
        bb_u8(b, '(');
        pb_unicode(b, "storage");
        pb_global(b, "torch", t[i].storage_type);
        pb_unicode(b, t[i].key);
        pb_unicode(b, "cpu");
        pb_int(b, t[i].numel);
        bb_u8(b, 't');
        bb_u8(b, 'Q');
        pb_int(b, t[i].offset);
        bb_u8(b, '(');
        for (int d = 0; d < t[i].ndim; d++) pb_int(b, t[i].shape[d]);
        bb_u8(b, 't');
        bb_u8(b, '(');
        for (int d = 0; d < t[i].ndim; d++) pb_int(b, t[i].stride[d]);
        bb_u8(b, 't');
        bb_u8(b, 0x89);
        pb_global(b, "collections", "OrderedDict");
        bb_u8(b, ')');
        bb_u8(b, 'R');
        bb_u8(b, 't');
        bb_u8(b, 'R');
    }
}

/* A whole pickle: PROTO 2, the OrderedDict of the tensors, SETITEMS, STOP. */
static inline void pb_state_dict(bbuf *b, const pb_tensor *t, int n) {
    bb_u8(b, 0x80);
    bb_u8(b, 2);
    pb_ordered_dict_mark(b);
    pb_tensor_items(b, t, n);
    bb_u8(b, 'u');
    bb_u8(b, '.');
}

#endif
