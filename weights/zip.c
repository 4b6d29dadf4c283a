#include "weights/zip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/crc32.h"
#include "util/err.h"
#include "util/mem.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* 1 if [off, off+n) lies inside a buffer of len bytes. */
static int in_bounds(uint64_t off, uint64_t n, size_t len) { return off <= len && n <= len - off; }

/* The end-of-central-directory record: the last one whose comment reaches exactly to the end
 * of the file (searching back at most 64 KiB of comment). */
static int find_eocd(const uint8_t *buf, size_t len, size_t *pos) {
    if (len < 22) return util_err("not a zip archive (only %zu bytes)", len);
    size_t lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
    for (size_t p = len - 22 + 1; p-- > lo;)
        if (rd32(buf + p) == SIG_EOCD && p + 22 + rd16(buf + p + 20) == len) {
            *pos = p;
            return 0;
        }
    return util_err("zip end-of-central-directory record not found (truncated or not a zip)");
}

/* Reads the ZIP64 end record if the classic one has saturated fields. */
static int read_zip64_eocd(const uint8_t *buf, size_t len, size_t eocd, uint64_t *count, uint64_t *cd_off,
                           uint64_t *cd_size) {
    if (eocd < 20 || rd32(buf + eocd - 20) != SIG_EOCD64_LOC)
        return util_err("zip: ZIP64 fields saturated but no ZIP64 locator");
    uint64_t rec = rd64(buf + eocd - 20 + 8);
    if (!in_bounds(rec, 56, len) || rd32(buf + rec) != SIG_EOCD64)
        return util_err("zip: bad ZIP64 end-of-central-directory offset %llu", (unsigned long long)rec);
    *count = rd64(buf + rec + 32);
    *cd_size = rd64(buf + rec + 40);
    *cd_off = rd64(buf + rec + 48);
    return 0;
}

/* Fills the fields that the central entry saturated (0xFFFFFFFF) from its ZIP64 extra field. */
static int apply_zip64_extra(const uint8_t *ex, size_t ex_len, zip_entry *e, uint64_t *local_off, const char *name) {
    int need_size = e->size == 0xFFFFFFFFu, need_comp = e->comp_size == 0xFFFFFFFFu, need_off = *local_off == 0xFFFFFFFFu;
    if (!need_size && !need_comp && !need_off) return 0;
    for (size_t p = 0; p + 4 <= ex_len;) {
        uint16_t id = rd16(ex + p), n = rd16(ex + p + 2);
        if (p + 4 + n > ex_len) break;
        if (id == 0x0001) {
            const uint8_t *f = ex + p + 4;
            size_t left = n;
            if (need_size) { if (left < 8) break; e->size = rd64(f); f += 8; left -= 8; }
            if (need_comp) { if (left < 8) break; e->comp_size = rd64(f); f += 8; left -= 8; }
            if (need_off) { if (left < 8) break; *local_off = rd64(f); }
            return 0;
        }
        p += 4 + (size_t)n;
    }
    return util_err("zip entry '%s': missing or short ZIP64 extra field", name);
}

int weights_zip_open_mem(zip_archive *z, const uint8_t *buf, size_t len) {
    memset(z, 0, sizeof *z);
    z->buf = buf;
    z->len = len;
    size_t eocd = 0;
    if (find_eocd(buf, len, &eocd)) return -1;
    uint64_t count = rd16(buf + eocd + 10), cd_size = rd32(buf + eocd + 12), cd_off = rd32(buf + eocd + 16);
    if (count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu)
        if (read_zip64_eocd(buf, len, eocd, &count, &cd_off, &cd_size)) return -1;
    if (!in_bounds(cd_off, cd_size, len))
        return util_err("zip central directory (offset %llu, %llu bytes) lies outside the %zu-byte file",
                        (unsigned long long)cd_off, (unsigned long long)cd_size, len);
    if (count > cd_size / 46) return util_err("zip claims %llu entries in a %llu-byte directory",
                                              (unsigned long long)count, (unsigned long long)cd_size);
    z->entries = util_xcalloc_array(count ? count : 1, sizeof *z->entries);
    if (!z->entries) return -1;
    const uint8_t *p = buf + cd_off, *end = p + cd_size;
    for (uint64_t i = 0; i < count; i++) {
        if (end - p < 46 || rd32(p) != SIG_CENTRAL) {
            weights_zip_close(z);
            return util_err("zip central directory entry %llu is corrupt", (unsigned long long)i);
        }
        size_t nlen = rd16(p + 28), xlen = rd16(p + 30), clen = rd16(p + 32);
        if ((size_t)(end - p) < 46 + nlen + xlen + clen) {
            weights_zip_close(z);
            return util_err("zip central directory entry %llu runs past the directory", (unsigned long long)i);
        }
        zip_entry *e = &z->entries[z->n];
        e->name = util_xmalloc_array(nlen + 1, 1);
        if (!e->name) { weights_zip_close(z); return -1; }
        memcpy(e->name, p + 46, nlen);
        e->name[nlen] = 0;
        z->n++;
        e->method = rd16(p + 10);
        e->crc = rd32(p + 16);
        e->comp_size = rd32(p + 20);
        e->size = rd32(p + 24);
        uint64_t local = rd32(p + 42);
        if (apply_zip64_extra(p + 46 + nlen, xlen, e, &local, e->name)) { weights_zip_close(z); return -1; }
        if (e->method != 0 && e->method != 8) {
            util_err("zip entry '%s': unsupported compression method %d", e->name, e->method);
            weights_zip_close(z);
            return -1;
        }
        if (e->method == 0 && e->comp_size != e->size) {
            util_err("zip entry '%s': stored entry with compressed size %llu != size %llu", e->name,
                     (unsigned long long)e->comp_size, (unsigned long long)e->size);
            weights_zip_close(z);
            return -1;
        }
        /* the data follows the local header, whose name/extra lengths may differ from the central ones */
        if (!in_bounds(local, 30, len) || rd32(buf + local) != SIG_LOCAL) {
            util_err("zip entry '%s': bad local header offset %llu", e->name, (unsigned long long)local);
            weights_zip_close(z);
            return -1;
        }
        e->data_offset = local + 30 + rd16(buf + local + 26) + rd16(buf + local + 28);
        if (!in_bounds(e->data_offset, e->comp_size, len)) {
            util_err("zip entry '%s': data (%llu bytes at offset %llu) runs past the end of the %zu-byte file", e->name,
                     (unsigned long long)e->comp_size, (unsigned long long)e->data_offset, len);
            weights_zip_close(z);
            return -1;
        }
        p += 46 + nlen + xlen + clen;
    }
    return 0;
}

void weights_zip_close(zip_archive *z) {
    for (size_t i = 0; i < z->n; i++) free(z->entries[i].name);
    free(z->entries);
    z->entries = NULL;
    z->n = 0;
}

const zip_entry *weights_zip_find(const zip_archive *z, const char *name) {
    for (size_t i = 0; i < z->n; i++)
        if (!strcmp(z->entries[i].name, name)) return &z->entries[i];
    return NULL;
}

static int inflate_entry(const zip_archive *z, const zip_entry *e, uint8_t **out) {
    /* deflate cannot expand data by more than about 1032:1; a larger claim is a lie */
    if (e->size / 1032 > e->comp_size + 1)
        return util_err("zip entry '%s': declared size %llu is impossible for %llu compressed bytes", e->name,
                        (unsigned long long)e->size, (unsigned long long)e->comp_size);
    if (e->size > SIZE_MAX - 1) return util_err("zip entry '%s' too large", e->name);
    uint8_t *dst = util_xmalloc_array((size_t)e->size + 1, 1);
    if (!dst) return util_err_context("zip entry '%s'", e->name);
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
        free(dst);
        return util_err("zip entry '%s': zlib init failed", e->name);
    }
    const uint8_t *src = z->buf + e->data_offset;
    uint64_t in_left = e->comp_size, out_done = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
        uInt in_chunk = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
        uint64_t out_room = e->size + 1 - out_done; /* one spare byte detects overlong data */
        uInt out_chunk = out_room > (1u << 30) ? (1u << 30) : (uInt)out_room;
        s.next_in = (Bytef *)(uintptr_t)src;
        s.avail_in = in_chunk;
        s.next_out = dst + out_done;
        s.avail_out = out_chunk;
        rc = inflate(&s, Z_NO_FLUSH);
        src += in_chunk - s.avail_in;
        in_left -= in_chunk - s.avail_in;
        out_done += out_chunk - s.avail_out;
        if (rc == Z_OK && s.avail_in == in_chunk && s.avail_out == out_chunk) rc = Z_BUF_ERROR; /* no progress */
    }
    inflateEnd(&s);
    if (rc != Z_STREAM_END || out_done != e->size) {
        free(dst);
        return util_err("zip entry '%s': corrupt deflate data (%s)", e->name,
                        rc == Z_STREAM_END ? "wrong uncompressed size" : rc == Z_DATA_ERROR ? "invalid stream" : "truncated");
    }
    *out = dst;
    return 0;
}

int weights_zip_entry_data(const zip_archive *z, const zip_entry *e, const uint8_t **data, uint8_t **owned) {
    *data = NULL;
    *owned = NULL;
    if (e->method == 8) {
        if (inflate_entry(z, e, owned)) return -1;
        *data = *owned;
    } else {
        *data = z->buf + e->data_offset;
    }
    if (util_crc32_update(0, *data, e->size) != e->crc) {
        free(*owned);
        *owned = NULL;
        *data = NULL;
        return util_err("zip entry '%s': CRC-32 mismatch (file corrupt)", e->name);
    }
    return 0;
}
