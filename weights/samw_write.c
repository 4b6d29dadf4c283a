#include "weights/samw_write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/crc32.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "weights/samw_layout.h"

static uint64_t align_up(uint64_t x) { return (x + SAMW_ALIGN - 1) & ~(uint64_t)(SAMW_ALIGN - 1); }

/* Bytes of tensor t's data, or -1 if its size overflows. */
static int data_bytes(const samw_tensor *t, size_t *bytes) {
    size_t numel = 0;
    if (util_size_prod(t->shape, t->ndim, &numel)) return -1;
    return util_size_mul(numel, t->is_int64 ? 8 : 4, bytes);
}

/* Table entry: u16 name_len, u8 dtype, u8 ndim, name, u64 shape[ndim], u64 offset, u64 nbytes. */
static size_t entry_bytes(const samw_tensor *t) { return 4 + strlen(t->name) + 8 * (size_t)t->ndim + 16; }

/* The bytes between the header and the data: the config text (version 2), then the table
 * with each tensor's data offset, in a new buffer. */
static uint8_t *build_meta(const char *config, size_t cb, const samw_tensor *t, int n, size_t *meta_bytes,
                           uint64_t *data_offset, uint64_t *data_region) {
    size_t mb = cb;
    for (int i = 0; i < n; i++) mb += entry_bytes(&t[i]);
    uint8_t *m = util_xcalloc_array(mb ? mb : 1, 1);
    if (!m) return NULL;
    memcpy(m, config, cb);
    uint64_t start = align_up(SAMW_HEADER_BYTES + mb), off = start;
    uint8_t *p = m + cb;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(t[i].name), bytes = 0;
        if (len == 0 || len > 255 || t[i].ndim < 0 || t[i].ndim > SAMW_MAX_DIMS || data_bytes(&t[i], &bytes)) {
            util_err("tensor '%s': bad name, rank or size for a .samw", t[i].name);
            free(m);
            return NULL;
        }
        p[0] = (uint8_t)len;
        p[1] = (uint8_t)(len >> 8);
        p[2] = t[i].is_int64 ? SAMW_DTYPE_I64 : SAMW_DTYPE_F32;
        p[3] = (uint8_t)t[i].ndim;
        memcpy(p + 4, t[i].name, len);
        p += 4 + len;
        for (int d = 0; d < t[i].ndim; d++, p += 8) samw_put64(p, (uint64_t)t[i].shape[d]);
        samw_put64(p, off);
        samw_put64(p + 8, bytes);
        p += 16;
        off = align_up(off + bytes);
    }
    *meta_bytes = mb;
    *data_offset = start;
    *data_region = off - start;
    return m;
}

static const uint8_t k_zeros[SAMW_ALIGN];

/* Writes the data region: each tensor from fill(), padded to 64 bytes; returns its CRC. */
static int write_data(atomic_file *af, const samw_tensor *t, int n, samw_fill_any_fn fill, void *ctx, uint32_t *crc) {
    uint32_t c = 0;
    for (int i = 0; i < n; i++) {
        size_t bytes = 0;
        if (data_bytes(&t[i], &bytes)) return -1;
        void *buf = util_xaligned_array(bytes ? bytes : 1, 1);
        if (!buf) return -1;
        if (fill(ctx, i, buf)) {
            free(buf);
            return -1;
        }
        size_t pad = (size_t)(align_up(bytes) - bytes);
        c = util_crc32_update(c, buf, bytes);
        c = util_crc32_update(c, k_zeros, pad);
        int rc = util_atomic_file_write(af, buf, bytes) || util_atomic_file_write(af, k_zeros, pad);
        free(buf);
        if (rc) return -1;
    }
    *crc = c;
    return 0;
}

/* Writes the whole file to af. header arrives with its version-specific fields (version,
 * 56..160) set; the rest is filled in here. */
static int write_file(atomic_file *af, uint8_t header[SAMW_HEADER_BYTES], const char *config, size_t cb,
                      const samw_tensor *t, int n, samw_fill_any_fn fill, void *ctx) {
    size_t mb = 0;
    uint64_t data_offset = 0, region = 0;
    uint8_t *meta = build_meta(config, cb, t, n, &mb, &data_offset, &region);
    if (!meta) return -1;
    /* the header goes first but carries the data CRC: write a blank one, fill it in at the end */
    static const uint8_t blank[SAMW_HEADER_BYTES];
    size_t gap = (size_t)(data_offset - SAMW_HEADER_BYTES - mb);
    uint32_t data_crc = 0;
    int rc = util_atomic_file_write(af, blank, sizeof blank) || util_atomic_file_write(af, meta, mb) ||
             util_atomic_file_write(af, k_zeros, gap) || write_data(af, t, n, fill, ctx, &data_crc);
    if (!rc) {
        memcpy(header + SAMW_OFF_MAGIC, SAMW_MAGIC, 4);
        samw_put32(header + SAMW_OFF_HEADER_BYTES, SAMW_HEADER_BYTES);
        samw_put32(header + SAMW_OFF_N_TENSORS, (uint32_t)n);
        samw_put64(header + SAMW_OFF_TABLE_OFFSET, SAMW_HEADER_BYTES + cb);
        samw_put64(header + SAMW_OFF_TABLE_BYTES, mb - cb);
        samw_put64(header + SAMW_OFF_DATA_OFFSET, data_offset);
        samw_put64(header + SAMW_OFF_DATA_BYTES, region);
        samw_put32(header + SAMW_OFF_DATA_CRC, data_crc);
        samw_put32(header + SAMW_OFF_META_CRC, samw_meta_crc(header, meta, mb));
        if (fflush(af->fp) || fseeko(af->fp, 0, SEEK_SET)) rc = util_err("%s: cannot rewind to write the header",
            af->path);
        else if (util_atomic_file_write(af, header, SAMW_HEADER_BYTES)) rc = -1;
        else if (fflush(af->fp)) rc = util_err("%s: cannot write: %s", af->path, strerror(errno));
    }
    free(meta);
    return rc;
}

typedef struct {
    samw_fill_fn fill;
    void *ctx;
} fill_f32;

static int fill_f32_any(void *vctx, int i, void *out) {
    const fill_f32 *f = vctx;
    return f->fill(f->ctx, i, out);
}

int samw_write(const char *path, const sam_config *cfg, const sam_key *keys, int n, samw_fill_fn fill, void *ctx) {
    if (weights_sam_config_check(cfg)) return -1;
    samw_tensor *t = util_xcalloc_array(n ? (size_t)n : 1, sizeof *t);
    if (!t) return -1;
    for (int i = 0; i < n; i++) {
        t[i].name = keys[i].name;
        t[i].ndim = keys[i].ndim;
        memcpy(t[i].shape, keys[i].shape, sizeof t[i].shape);
    }
    uint8_t header[SAMW_HEADER_BYTES] = {0};
    samw_put32(header + SAMW_OFF_VERSION, SAMW_VERSION_SAM);
    samw_put64(header + SAMW_OFF_GLOBAL_ATTN, cfg->global_attn);
    int32_t v[SAMW_N_CONFIG_INTS];
    samw_config_ints(cfg, v);
    for (int i = 0; i < SAMW_N_CONFIG_INTS; i++) samw_put32(header + SAMW_OFF_CONFIG + 4 * i, (uint32_t)v[i]);
    fill_f32 f = {fill, ctx};
    atomic_file af;
    int rc = util_atomic_file_open(&af, path);
    if (!rc && write_file(&af, header, "", 0, t, n, fill_f32_any, &f)) {
        util_atomic_file_abort(&af);
        rc = -1;
    } else if (!rc) {
        rc = util_atomic_file_commit(&af);
    }
    free(t);
    return rc;
}

/* Copies the file at from onto af. */
static int copy_into(atomic_file *af, const char *from) {
    FILE *fp = fopen(from, "rb");
    if (!fp) return util_err("%s: %s", from, strerror(errno));
    char buf[1 << 16];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(buf, 1, sizeof buf, fp)) > 0) rc = util_atomic_file_write(af, buf, got);
    if (!rc && ferror(fp)) rc = util_err("%s: read error", from);
    fclose(fp);
    return rc;
}

/* The device, pipe or standard output case of samw_write_v2: nothing written there can be read
 * back, so the file is made and checked in a scratch file, then copied. */
static int write_v2_through_scratch(atomic_file *af, const char *family, const char *config, const samw_tensor *t,
                                    int n, samw_fill_any_fn fill, samw_check_fn check, void *ctx) {
    const char *dir = getenv("TMPDIR");
    char scratch[4096];
    snprintf(scratch, sizeof scratch, "%s/samc-convert-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(scratch);
    if (fd < 0) return util_err("%s: cannot create a scratch file: %s", scratch, strerror(errno));
    close(fd);
    int rc = samw_write_v2(scratch, family, config, t, n, fill, check, ctx) || copy_into(af, scratch) ? -1 : 0;
    unlink(scratch);
    return rc;
}

int samw_write_v2(const char *path, const char *family, const char *config, const samw_tensor *t, int n,
                  samw_fill_any_fn fill, samw_check_fn check, void *ctx) {
    size_t cb = strlen(config), fl = strlen(family);
    if (fl == 0 || fl >= SAMW_FAMILY_BYTES) return util_err("bad model family '%s'", family);
    if (cb > SAMW_MAX_CONFIG_BYTES) return util_err("%zu bytes of config text (at most %u)", cb, SAMW_MAX_CONFIG_BYTES);
    uint8_t header[SAMW_HEADER_BYTES] = {0};
    samw_put32(header + SAMW_OFF_VERSION, SAMW_VERSION_BASELINE);
    samw_put64(header + SAMW_OFF_CONFIG_BYTES, cb);
    memcpy(header + SAMW_OFF_FAMILY, family, fl);
    atomic_file af;
    if (util_atomic_file_open(&af, path)) return -1;
    int rc = 0;
    if (check && !af.tmp_path) rc = write_v2_through_scratch(&af, family, config, t, n, fill, check, ctx);
    else rc = write_file(&af, header, config, cb, t, n, fill, ctx) || (check && check(ctx, af.tmp_path)) ? -1 : 0;
    if (rc) {
        util_atomic_file_abort(&af);
        return -1;
    }
    return util_atomic_file_commit(&af);
}
