#include "weights/samw_write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/crc32.h"
#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"
#include "weights/samw_layout.h"

static uint64_t align_up(uint64_t x) { return (x + SAMW_ALIGN - 1) & ~(uint64_t)(SAMW_ALIGN - 1); }

/* Bytes of tensor i's table entry: u16 name_len, u8 dtype, u8 ndim, name, i64 shape[ndim], u64 offset, u64 nbytes. */
static size_t entry_bytes(const sam_key *k) { return 4 + strlen(k->name) + 8 * (size_t)k->ndim + 16; }

/* Lays out the table (with each tensor's data offset) into a new buffer. */
static uint8_t *build_table(const sam_key *keys, int n, size_t *table_bytes, uint64_t *data_offset,
                            uint64_t *data_bytes) {
    size_t tb = 0;
    for (int i = 0; i < n; i++) tb += entry_bytes(&keys[i]);
    uint8_t *t = xcalloc_array(tb ? tb : 1, 1);
    if (!t) return NULL;
    uint64_t start = align_up(SAMW_HEADER_BYTES + tb), off = start;
    uint8_t *p = t;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(keys[i].name), numel = 0;
        if (size_prod(keys[i].shape, keys[i].ndim, &numel)) {
            free(t);
            return NULL;
        }
        p[0] = (uint8_t)len;
        p[1] = (uint8_t)(len >> 8);
        p[2] = SAMW_DTYPE_F32;
        p[3] = (uint8_t)keys[i].ndim;
        memcpy(p + 4, keys[i].name, len);
        p += 4 + len;
        for (int d = 0; d < keys[i].ndim; d++, p += 8) samw_put64(p, (uint64_t)keys[i].shape[d]);
        samw_put64(p, off);
        samw_put64(p + 8, (uint64_t)numel * 4);
        p += 16;
        off = align_up(off + (uint64_t)numel * 4);
    }
    *table_bytes = tb;
    *data_offset = start;
    *data_bytes = off - start;
    return t;
}

static const uint8_t k_zeros[SAMW_ALIGN];

/* Writes the data region: each tensor from fill(), padded to 64 bytes; returns its CRC. */
static int write_data(atomic_file *af, const sam_key *keys, int n, samw_fill_fn fill, void *ctx, uint32_t *crc) {
    uint32_t c = 0;
    for (int i = 0; i < n; i++) {
        size_t numel = 0;
        if (size_prod(keys[i].shape, keys[i].ndim, &numel)) return -1;
        float *buf = xaligned_array(numel ? numel : 1, sizeof(float));
        if (!buf) return -1;
        if (fill(ctx, i, buf)) {
            free(buf);
            return -1;
        }
        size_t bytes = numel * 4, pad = (size_t)(align_up(bytes) - bytes);
        c = crc32_update(c, (const uint8_t *)buf, bytes);
        c = crc32_update(c, k_zeros, pad);
        int rc = atomic_file_write(af, buf, bytes) || atomic_file_write(af, k_zeros, pad);
        free(buf);
        if (rc) return -1;
    }
    *crc = c;
    return 0;
}

int samw_write(const char *path, const sam_config *cfg, const sam_key *keys, int n, samw_fill_fn fill, void *ctx) {
    if (sam_config_check(cfg)) return -1;
    size_t tb = 0;
    uint64_t data_offset = 0, data_bytes = 0;
    uint8_t *table = build_table(keys, n, &tb, &data_offset, &data_bytes);
    if (!table) return -1;
    uint8_t header[SAMW_HEADER_BYTES] = {0};
    atomic_file af;
    if (atomic_file_open(&af, path)) {
        free(table);
        return -1;
    }
    /* the header goes first but carries the data CRC: write a blank one, fill it in at the end */
    size_t gap = (size_t)(data_offset - SAMW_HEADER_BYTES - tb);
    uint32_t data_crc = 0;
    int rc = atomic_file_write(&af, header, sizeof header) || atomic_file_write(&af, table, tb) ||
             atomic_file_write(&af, k_zeros, gap) || write_data(&af, keys, n, fill, ctx, &data_crc);
    if (!rc) {
        memcpy(header + SAMW_OFF_MAGIC, SAMW_MAGIC, 4);
        samw_put32(header + SAMW_OFF_VERSION, SAMW_VERSION);
        samw_put32(header + SAMW_OFF_HEADER_BYTES, SAMW_HEADER_BYTES);
        samw_put32(header + SAMW_OFF_N_TENSORS, (uint32_t)n);
        samw_put64(header + SAMW_OFF_TABLE_OFFSET, SAMW_HEADER_BYTES);
        samw_put64(header + SAMW_OFF_TABLE_BYTES, tb);
        samw_put64(header + SAMW_OFF_DATA_OFFSET, data_offset);
        samw_put64(header + SAMW_OFF_DATA_BYTES, data_bytes);
        samw_put32(header + SAMW_OFF_DATA_CRC, data_crc);
        samw_put64(header + SAMW_OFF_GLOBAL_ATTN, cfg->global_attn);
        int32_t v[SAMW_N_CONFIG_INTS];
        samw_config_ints(cfg, v);
        for (int i = 0; i < SAMW_N_CONFIG_INTS; i++) samw_put32(header + SAMW_OFF_CONFIG + 4 * i, (uint32_t)v[i]);
        samw_put32(header + SAMW_OFF_META_CRC, samw_meta_crc(header, table, tb));
        if (fflush(af.fp) || fseek(af.fp, 0, SEEK_SET)) rc = samc_err("%s: cannot rewind to write the header", path);
        else rc = atomic_file_write(&af, header, sizeof header);
    }
    free(table);
    if (rc) {
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af);
}
