#include "weights/samw.h"

#include <errno.h>
#include <stdarg.h>
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
    int dtype; /* SAMW_DTYPE_F32, or SAMW_DTYPE_I64 (version 2) */
    int ndim;  /* 1..4; 0 (a scalar) in version 2 */
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
    int version;
    char family[SAMW_FAMILY_BYTES]; /* "sam" for version 1 */
    sam_config cfg;                 /* version 1; zero in version 2 */
    char *config;                   /* version 2: the config text, each line's '=' and '\n' made NULs */
    const char **config_key, **config_val;
    int n_config;
    samw_entry *e;
    int n;
    /* which tensors samw_get handed out (samw_check_unused); loaders are single-threaded, and
     * this bookkeeping is the one thing a const samw changes */
    unsigned char *used;
    uint64_t data_offset, data_bytes;
    uint32_t data_crc;
    uint8_t digest[32]; /* samw_digest */
};

void samw_close(samw *w) {
    if (!w) return;
    for (int i = 0; i < w->n; i++) free(w->e[i].name);
    free(w->e);
    free(w->used);
    free(w->config);
    free(w->config_key);
    free(w->config_val);
    if (w->map) munmap((void *)w->map, w->size);
    free(w->path);
    free(w);
}

/* Parses table entry i at *p (bounded by end); checks its data range. */
static int parse_entry(samw *w, const uint8_t **pp, const uint8_t *end, uint64_t *prev_end) {
    const uint8_t *p = *pp;
    samw_entry *e = &w->e[w->n];
    if (end - p < 4) return util_err("%s: tensor table truncated at entry %d", w->path, w->n);
    size_t len = (size_t)(p[0] | p[1] << 8);
    int dtype = p[2], ndim = p[3];
    if (len == 0 || len > 255 || (size_t)(end - p) < 4 + len) return util_err("%s: bad name in tensor table entry %d",
        w->path, w->n);
    if (memchr(p + 4, 0, len)) return util_err("%s: NUL in tensor name (entry %d)", w->path, w->n);
    e->name = util_xmalloc_array(len + 1, 1);
    if (!e->name) return -1;
    memcpy(e->name, p + 4, len);
    e->name[len] = 0;
    w->n++;
    p += 4 + len;
    if (dtype != SAMW_DTYPE_F32 && !(dtype == SAMW_DTYPE_I64 && w->version == SAMW_VERSION_BASELINE))
        return util_err("%s: tensor '%s' has unknown dtype %d", w->path, e->name, dtype);
    if (ndim < (w->version == SAMW_VERSION_BASELINE ? 0 : 1) || ndim > SAMW_MAX_DIMS)
        return util_err("%s: tensor '%s' has %d dims", w->path, e->name, ndim);
    e->dtype = dtype;
    if ((size_t)(end - p) < 8 * (size_t)ndim + 16) return util_err("%s: tensor table truncated at '%s'", w->path,
        e->name);
    e->ndim = ndim;
    for (int d = 0; d < ndim; d++, p += 8) {
        uint64_t v = samw_get64(p);
        if (v == 0 || v > (1u << 30)) return util_err("%s: tensor '%s' has a bad dimension", w->path, e->name);
        e->shape[d] = (int64_t)v;
    }
    e->offset = samw_get64(p);
    e->nbytes = samw_get64(p + 8);
    p += 16;
    size_t numel = 0, isz = dtype == SAMW_DTYPE_I64 ? 8 : 4;
    if (util_size_prod(e->shape, ndim, &numel) || numel > UINT64_MAX / isz || e->nbytes != (uint64_t)numel * isz)
        return util_err("%s: tensor '%s': byte size does not match its shape", w->path, e->name);
    uint64_t data_end = w->data_offset + w->data_bytes;
    if (e->offset % SAMW_ALIGN || e->offset < *prev_end || e->offset > data_end || e->nbytes > data_end - e->offset)
        return util_err("%s: tensor '%s': data offset %" PRIu64 " is misaligned or outside the data region", w->path,
                        e->name, e->offset);
    *prev_end = e->offset + e->nbytes;
    *pp = p;
    return 0;
}

/* The tensors must be exactly those the config implies, in that order, with those shapes. */
static int check_against_config(const samw *w) {
    sam_key *keys = NULL;
    int nk = 0;
    if (weights_sam_config_keys(&w->cfg, &keys, &nk)) return -1;
    int rc = 0;
    if (nk != w->n) rc = util_err("%s: %d tensors, but its config implies %d", w->path, w->n, nk);
    for (int i = 0; i < nk && !rc; i++) {
        const samw_entry *e = &w->e[i];
        int same = !strcmp(e->name, keys[i].name) && e->ndim == keys[i].ndim;
        for (int d = 0; same && d < e->ndim; d++) same = e->shape[d] == keys[i].shape[d];
        if (!same) rc = util_err("%s: tensor %d is '%s', but its config implies '%s' with another shape or name",
                                 w->path, i, e->name, keys[i].name);
    }
    free(keys);
    return rc;
}

/* The baselines a version-2 file may hold (iseg/iseg.h builds them). */
static const char *const k_families[] = {"ritm", "focalclick", "simpleclick"};

/* Version 2's family field: a known name, NUL-padded. */
static int parse_family(samw *w) {
    const uint8_t *f = w->map + SAMW_OFF_FAMILY;
    if (!memchr(f, 0, SAMW_FAMILY_BYTES)) return util_err("%s: bad model family field", w->path);
    memcpy(w->family, f, SAMW_FAMILY_BYTES);
    for (size_t i = 0; i < sizeof k_families / sizeof k_families[0]; i++)
        if (!strcmp(w->family, k_families[i])) return 0;
    return util_err("%s: unknown model family '%.15s'", w->path, w->family);
}

/* Version 2's config text: "key=value\n" lines (a non-empty key without '='; no NULs). */
static int parse_config(samw *w, uint64_t bytes) {
    const char *text = (const char *)w->map + SAMW_HEADER_BYTES;
    if (bytes && text[bytes - 1] != '\n') return util_err("%s: config text does not end with a newline", w->path);
    if (memchr(text, 0, (size_t)bytes)) return util_err("%s: NUL in the config text", w->path);
    int lines = 0;
    for (uint64_t i = 0; i < bytes; i++) lines += text[i] == '\n';
    if (!(w->config = util_xmalloc_array((size_t)bytes + 1, 1)) ||
        !(w->config_key = util_xcalloc_array(lines ? (size_t)lines : 1, sizeof *w->config_key)) ||
        !(w->config_val = util_xcalloc_array(lines ? (size_t)lines : 1, sizeof *w->config_val)))
        return -1;
    memcpy(w->config, text, (size_t)bytes);
    for (char *line = w->config, *end = w->config + bytes; line < end; w->n_config++) {
        char *nl = memchr(line, '\n', (size_t)(end - line)), *eq = memchr(line, '=', (size_t)(nl - line));
        if (!eq || eq == line) return util_err("%s: config line %d is not 'key=value'", w->path, w->n_config + 1);
        *eq = *nl = 0;
        w->config_key[w->n_config] = line;
        w->config_val[w->n_config] = eq + 1;
        line = nl + 1;
    }
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp((*(const samw_entry *const *)a)->name, (*(const samw_entry *const *)b)->name);
}

/* Version 2 has no config implying the table: at least no name may appear twice (sorted, so
 * a hostile table of many entries costs n log n). */
static int check_unique_names(const samw *w) {
    const samw_entry **s = util_xmalloc_array(w->n ? (size_t)w->n : 1, sizeof *s);
    if (!s) return -1;
    for (int i = 0; i < w->n; i++) s[i] = &w->e[i];
    qsort(s, (size_t)w->n, sizeof *s, cmp_names);
    int rc = 0;
    for (int i = 1; i < w->n && !rc; i++)
        if (!strcmp(s[i]->name, s[i - 1]->name)) rc = util_err("%s: tensor '%s' appears twice", w->path, s[i]->name);
    free(s);
    return rc;
}

static int parse(samw *w) {
    const uint8_t *h = w->map;
    if (w->size < SAMW_HEADER_BYTES || memcmp(h, SAMW_MAGIC, 4))
        return util_err("%s: not a samc weight file (bad magic; convert checkpoints with 'samc convert')", w->path);
    w->version = (int)samw_get32(h + SAMW_OFF_VERSION);
    if (w->version != SAMW_VERSION_SAM && w->version != SAMW_VERSION_BASELINE)
        return util_err("%s: .samw version %u is not supported (expected %d or %d)", w->path,
                        samw_get32(h + SAMW_OFF_VERSION), SAMW_VERSION_SAM, SAMW_VERSION_BASELINE);
    uint64_t table_off = samw_get64(h + SAMW_OFF_TABLE_OFFSET), table_bytes = samw_get64(h + SAMW_OFF_TABLE_BYTES);
    uint64_t config_bytes = w->version == SAMW_VERSION_BASELINE ? samw_get64(h + SAMW_OFF_CONFIG_BYTES) : 0;
    w->data_offset = samw_get64(h + SAMW_OFF_DATA_OFFSET);
    w->data_bytes = samw_get64(h + SAMW_OFF_DATA_BYTES);
    uint32_t n = samw_get32(h + SAMW_OFF_N_TENSORS);
    if (samw_get32(h + SAMW_OFF_HEADER_BYTES) != SAMW_HEADER_BYTES || config_bytes > SAMW_MAX_CONFIG_BYTES ||
        table_off != SAMW_HEADER_BYTES + config_bytes || table_off > w->size || table_bytes > w->size - table_off ||
        w->data_offset % SAMW_ALIGN || w->data_offset < table_off + table_bytes || w->data_offset > w->size ||
        w->data_bytes > w->size - w->data_offset)
        return util_err("%s: header sizes do not fit the %zu-byte file (truncated?)", w->path, w->size);
    if (samw_meta_crc(h, h + SAMW_HEADER_BYTES, (size_t)(table_off + table_bytes - SAMW_HEADER_BYTES)) !=
        samw_get32(h + SAMW_OFF_META_CRC))
        return util_err("%s: header checksum mismatch (file corrupt)", w->path);
    w->data_crc = samw_get32(h + SAMW_OFF_DATA_CRC);
    util_sha256(h, (size_t)(table_off + table_bytes), w->digest);
    if (w->version == SAMW_VERSION_SAM) {
        strcpy(w->family, "sam");
        int32_t v[SAMW_N_CONFIG_INTS];
        for (int i = 0; i < SAMW_N_CONFIG_INTS; i++) v[i] = (int32_t)samw_get32(h + SAMW_OFF_CONFIG + 4 * i);
        samw_config_from_ints(&w->cfg, v);
        w->cfg.global_attn = samw_get64(h + SAMW_OFF_GLOBAL_ATTN);
        if (weights_sam_config_check(&w->cfg)) return util_err_context("%s", w->path);
    } else if (parse_family(w) || parse_config(w, config_bytes)) {
        return -1;
    }
    /* the smallest entry: 4 bytes, a 1-byte name, no dims (a version-2 scalar), offset and size */
    if (n > table_bytes / 21)
        return util_err("%s: %u tensors cannot fit a %" PRIu64 "-byte table", w->path, n, table_bytes);
    w->e = util_xcalloc_array(n ? n : 1, sizeof *w->e);
    w->used = util_xcalloc_array(n ? n : 1, 1);
    if (!w->e || !w->used) return -1;
    const uint8_t *p = h + table_off, *end = p + table_bytes;
    uint64_t prev_end = w->data_offset;
    for (uint32_t i = 0; i < n; i++)
        if (parse_entry(w, &p, end, &prev_end)) return -1;
    return w->version == SAMW_VERSION_SAM ? check_against_config(w) : check_unique_names(w);
}

samw *samw_open(const char *path) {
    samw *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        util_err("out of memory");
        return NULL;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        util_err("%s: %s", path, strerror(errno));
        samw_close(w);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < SAMW_HEADER_BYTES) {
        close(fd);
        util_err("%s: not a samc weight file (too short or not a regular file)", path);
        samw_close(w);
        return NULL;
    }
    /* MAP_POPULATE: every forward pass reads all the weights, so map their pages up front
     * (one pass over the page cache) instead of taking a page fault per 4 KiB during the
     * first forward, which cost seconds of system time on ViT-H. Against faulting the pages
     * in under the threads (bench_map, ViT-H's 2.56 GB warm, mapping + a read of every page,
     * 2-core AMD EPYC VM, best of 3): populated 0.78 s against 0.94 s faulted at 1 thread,
     * 0.59 against 0.62 s at 2 (quiet machine); under other load 0.98 / 0.99 s and 1.08 /
     * 1.25 s; one run 0.10 / 0.14 and 0.090 / 0.086 s. Faster or even, so it stays; either is
     * ~2 % of a ViT-H encode (30 s at 2 threads). */
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        util_err("%s: cannot map: %s", path, strerror(errno));
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
const char *samw_family(const samw *w) { return w->family; }

const char *samw_config_value(const samw *w, const char *key) {
    for (int i = 0; i < w->n_config; i++)
        if (!strcmp(w->config_key[i], key)) return w->config_val[i];
    return NULL;
}

const char *samw_config_key(const samw *w, int i) { return i >= 0 && i < w->n_config ? w->config_key[i] : NULL; }

int samw_config_int(const samw *w, const char *key, int lo, int hi, int *out) {
    const char *v = samw_config_value(w, key);
    if (!v) return util_err("%s: the %s config has no '%s'", w->path, w->family, key);
    char *end = NULL;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno) return util_err("%s: config '%s' is '%s', not an integer", w->path, key, v);
    if (x < lo || x > hi) return util_err("%s: config '%s' = %ld is outside [%d, %d]", w->path, key, x, lo, hi);
    *out = (int)x;
    return 0;
}

int samw_config_bool(const samw *w, const char *key, int def, int *out) {
    const char *v = samw_config_value(w, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (strcmp(v, "true") && strcmp(v, "false"))
        return util_err("%s: config '%s' is '%s', not a bool (true or false)", w->path, key, v);
    *out = !strcmp(v, "true");
    return 0;
}

const float *samw_getf(const samw *w, int64_t d0, int64_t d1, int64_t d2, int64_t d3, const char *fmt, ...) {
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof name) {
        util_err("%s: tensor name too long", w->path);
        return NULL;
    }
    return samw_get4(w, name, d0, d1, d2, d3);
}

int samw_check_unused(const samw *w, const char *const *ignored) {
    for (int i = 0; i < w->n; i++) {
        const samw_entry *e = &w->e[i];
        if (w->used[i]) continue;
        /* a BatchNorm's batch counter: stored by every BN, read by none in eval mode */
        size_t len = strlen(e->name), tail = sizeof ".num_batches_tracked" - 1;
        if (e->dtype == SAMW_DTYPE_I64 && e->ndim == 0 && len > tail && !strcmp(e->name + len - tail, ".num_batches_tracked"))
            continue;
        int skip = 0;
        for (const char *const *p = ignored; p && *p && !skip; p++) skip = !strncmp(e->name, *p, strlen(*p));
        if (!skip)
            return util_err("%s: tensor '%s' is not part of the %s model (an unexpected key)", w->path, e->name,
                            w->family);
    }
    return 0;
}

int samw_shape(const samw *w, int i, int64_t shape[SAMW_MAX_DIMS], int *is_int64) {
    if (i < 0 || i >= w->n) return -1;
    memcpy(shape, w->e[i].shape, sizeof w->e[i].shape);
    *is_int64 = w->e[i].dtype == SAMW_DTYPE_I64;
    return w->e[i].ndim;
}
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
            util_err("%s: tensor '%s' has shape %s, expected %s", w->path, name, have, want);
            return NULL;
        }
        if (e->dtype != SAMW_DTYPE_F32) {
            util_err("%s: tensor '%s' is int64, expected float32", w->path, name);
            return NULL;
        }
        w->used[i] = 1;
        return (const float *)(w->map + e->offset);
    }
    util_err("%s: tensor '%s' is missing", w->path, name);
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
    if (util_crc32_update(0, w->map + w->data_offset, w->data_bytes) != w->data_crc)
        return util_err("%s: tensor data checksum mismatch (file corrupt)", w->path);
    return 0;
}
