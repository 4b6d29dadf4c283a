#include "weights/samw.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/crc32.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/sha256.h"
#include "weights/sam_config.h"
#include "weights/samw_layout.h"

typedef struct {
    char *name;
    int ndim;
    int64_t shape[SAMW_MAX_DIMS];
    uint64_t offset, nbytes;
} samw_entry;

/* samw_get hands out pointers to the file's little-endian floats without conversion */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "samc's .samw reader needs a little-endian host"
#endif

struct samw {
    char *path;
    const uint8_t *map;
    size_t size;
    sam_config cfg;
    samw_entry *e;
    int n;
    uint64_t data_offset, data_bytes;
    uint32_t data_crc;
    uint8_t digest[32]; /* samw_digest */
};

void samw_close(samw *w) {
    if (!w) return;
    for (int i = 0; i < w->n; i++) free(w->e[i].name);
    free(w->e);
    if (w->map) munmap((void *)w->map, w->size);
    free(w->path);
    free(w);
}

/* Parses table entry i at *p (bounded by end); checks its data range. */
static int parse_entry(samw *w, const uint8_t **pp, const uint8_t *end, uint64_t *prev_end) {
    const uint8_t *p = *pp;
    samw_entry *e = &w->e[w->n];
    if (end - p < 4) return samc_err("%s: tensor table truncated at entry %d", w->path, w->n);
    size_t len = (size_t)(p[0] | p[1] << 8);
    int dtype = p[2], ndim = p[3];
    if (len == 0 || len > 255 || (size_t)(end - p) < 4 + len) return samc_err("%s: bad name in tensor table entry %d", w->path, w->n);
    if (memchr(p + 4, 0, len)) return samc_err("%s: NUL in tensor name (entry %d)", w->path, w->n);
    e->name = xmalloc_array(len + 1, 1);
    if (!e->name) return -1;
    memcpy(e->name, p + 4, len);
    e->name[len] = 0;
    w->n++;
    p += 4 + len;
    if (dtype != SAMW_DTYPE_F32) return samc_err("%s: tensor '%s' has unknown dtype %d", w->path, e->name, dtype);
    if (ndim < 1 || ndim > SAMW_MAX_DIMS) return samc_err("%s: tensor '%s' has %d dims", w->path, e->name, ndim);
    if ((size_t)(end - p) < 8 * (size_t)ndim + 16) return samc_err("%s: tensor table truncated at '%s'", w->path, e->name);
    e->ndim = ndim;
    for (int d = 0; d < ndim; d++, p += 8) {
        uint64_t v = samw_get64(p);
        if (v == 0 || v > (1u << 30)) return samc_err("%s: tensor '%s' has a bad dimension", w->path, e->name);
        e->shape[d] = (int64_t)v;
    }
    e->offset = samw_get64(p);
    e->nbytes = samw_get64(p + 8);
    p += 16;
    size_t numel = 0;
    if (size_prod(e->shape, ndim, &numel) || numel > UINT64_MAX / 4 || e->nbytes != (uint64_t)numel * 4)
        return samc_err("%s: tensor '%s': byte size does not match its shape", w->path, e->name);
    uint64_t data_end = w->data_offset + w->data_bytes;
    if (e->offset % SAMW_ALIGN || e->offset < *prev_end || e->offset > data_end || e->nbytes > data_end - e->offset)
        return samc_err("%s: tensor '%s': data offset %" PRIu64 " is misaligned or outside the data region", w->path,
                        e->name, e->offset);
    *prev_end = e->offset + e->nbytes;
    *pp = p;
    return 0;
}

/* The tensors must be exactly those the config implies, in that order, with those shapes. */
static int check_against_config(const samw *w) {
    sam_key *keys = NULL;
    int nk = 0;
    if (sam_config_keys(&w->cfg, &keys, &nk)) return -1;
    int rc = 0;
    if (nk != w->n) rc = samc_err("%s: %d tensors, but its config implies %d", w->path, w->n, nk);
    for (int i = 0; i < nk && !rc; i++) {
        const samw_entry *e = &w->e[i];
        int same = !strcmp(e->name, keys[i].name) && e->ndim == keys[i].ndim;
        for (int d = 0; same && d < e->ndim; d++) same = e->shape[d] == keys[i].shape[d];
        if (!same) rc = samc_err("%s: tensor %d is '%s', but its config implies '%s' with another shape or name",
                                 w->path, i, e->name, keys[i].name);
    }
    free(keys);
    return rc;
}

static int parse(samw *w) {
    const uint8_t *h = w->map;
    if (w->size < SAMW_HEADER_BYTES || memcmp(h, SAMW_MAGIC, 4))
        return samc_err("%s: not a samc weight file (bad magic; convert checkpoints with 'samc convert')", w->path);
    if (samw_get32(h + SAMW_OFF_VERSION) != SAMW_VERSION)
        return samc_err("%s: .samw version %u is not supported (expected %d)", w->path,
                        samw_get32(h + SAMW_OFF_VERSION), SAMW_VERSION);
    uint64_t table_off = samw_get64(h + SAMW_OFF_TABLE_OFFSET), table_bytes = samw_get64(h + SAMW_OFF_TABLE_BYTES);
    w->data_offset = samw_get64(h + SAMW_OFF_DATA_OFFSET);
    w->data_bytes = samw_get64(h + SAMW_OFF_DATA_BYTES);
    uint32_t n = samw_get32(h + SAMW_OFF_N_TENSORS);
    if (samw_get32(h + SAMW_OFF_HEADER_BYTES) != SAMW_HEADER_BYTES || table_off != SAMW_HEADER_BYTES ||
        table_bytes > w->size - table_off || w->data_offset % SAMW_ALIGN || w->data_offset < table_off + table_bytes ||
        w->data_offset > w->size || w->data_bytes > w->size - w->data_offset)
        return samc_err("%s: header sizes do not fit the %zu-byte file (truncated?)", w->path, w->size);
    if (samw_meta_crc(h, h + table_off, (size_t)table_bytes) != samw_get32(h + SAMW_OFF_META_CRC))
        return samc_err("%s: header checksum mismatch (file corrupt)", w->path);
    w->data_crc = samw_get32(h + SAMW_OFF_DATA_CRC);
    sha256(h, (size_t)(table_off + table_bytes), w->digest);
    int32_t v[SAMW_N_CONFIG_INTS];
    for (int i = 0; i < SAMW_N_CONFIG_INTS; i++) v[i] = (int32_t)samw_get32(h + SAMW_OFF_CONFIG + 4 * i);
    samw_config_from_ints(&w->cfg, v);
    w->cfg.global_attn = samw_get64(h + SAMW_OFF_GLOBAL_ATTN);
    if (sam_config_check(&w->cfg)) return samc_err_context("%s", w->path);
    if (n > table_bytes / 21) return samc_err("%s: %u tensors cannot fit a %" PRIu64 "-byte table", w->path, n, table_bytes);
    w->e = xcalloc_array(n ? n : 1, sizeof *w->e);
    if (!w->e) return -1;
    const uint8_t *p = h + table_off, *end = p + table_bytes;
    uint64_t prev_end = w->data_offset;
    for (uint32_t i = 0; i < n; i++)
        if (parse_entry(w, &p, end, &prev_end)) return -1;
    return check_against_config(w);
}

samw *samw_open(const char *path) {
    samw *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        samc_err("out of memory");
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        samc_err("%s: %s", path, strerror(errno));
        samw_close(w);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < SAMW_HEADER_BYTES) {
        close(fd);
        samc_err("%s: not a samc weight file (too short or not a regular file)", path);
        samw_close(w);
        return NULL;
    }
    /* MAP_POPULATE: every forward pass reads all the weights, so map their pages up front
     * (one pass over the page cache) instead of taking a page fault per 4 KiB during the
     * first forward, which cost seconds of system time on ViT-H. */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        samc_err("%s: cannot map: %s", path, strerror(errno));
        samw_close(w);
        return NULL;
    }
    w->map = map;
    w->size = (size_t)st.st_size;
    if (parse(w)) {
        samw_close(w);
        return NULL;
    }
    return w;
}

const sam_config *samw_config(const samw *w) { return &w->cfg; }
int samw_count(const samw *w) { return w->n; }
const char *samw_name(const samw *w, int i) { return i >= 0 && i < w->n ? w->e[i].name : NULL; }

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? "," : "", (long long)shape[d]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

const float *samw_get(const samw *w, const char *name, int ndim, const int64_t *shape) {
    for (int i = 0; i < w->n; i++) {
        const samw_entry *e = &w->e[i];
        if (strcmp(e->name, name)) continue;
        int same = e->ndim == ndim;
        for (int d = 0; same && d < ndim; d++) same = e->shape[d] == shape[d];
        if (!same) {
            char have[128], want[128];
            shape_str(have, sizeof have, e->ndim, e->shape);
            shape_str(want, sizeof want, ndim, shape);
            samc_err("%s: tensor '%s' has shape %s, expected %s", w->path, name, have, want);
            return NULL;
        }
        return (const float *)(w->map + e->offset);
    }
    samc_err("%s: tensor '%s' is missing", w->path, name);
    return NULL;
}

const float *samw_get4(const samw *w, const char *name, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
    int64_t shape[4] = {d0, d1, d2, d3};
    int ndim = 0;
    while (ndim < 4 && shape[ndim] >= 0) ndim++;
    return samw_get(w, name, ndim, shape);
}

void samw_digest(const samw *w, uint8_t digest[32]) { memcpy(digest, w->digest, 32); }
uint64_t samw_data_bytes(const samw *w) { return w->data_bytes; }

int samw_is_samw(const unsigned char *head, size_t len) { return len >= 4 && memcmp(head, SAMW_MAGIC, 4) == 0; }

int samw_verify(const samw *w) {
    if (crc32_update(0, w->map + w->data_offset, w->data_bytes) != w->data_crc)
        return samc_err("%s: tensor data checksum mismatch (file corrupt)", w->path);
    return 0;
}
