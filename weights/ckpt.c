#include "weights/ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/mem.h"

size_t weights_ck_itemsize(ck_dtype t) {
    switch (t) {
    case CK_F64: case CK_I64: return 8;
    case CK_F32: case CK_I32: return 4;
    case CK_F16: case CK_BF16: case CK_I16: return 2;
    case CK_I8: case CK_U8: case CK_BOOL: return 1;
    }
    return 1;
}

const char *weights_ck_dtype_name(ck_dtype t) {
    static const char *names[] = {"float32", "float16", "bfloat16", "float64", "int64",
                                  "int32",   "int16",   "int8",     "uint8",   "bool"};
    return names[t];
}

int weights_ckpt_add_storage(ckpt *c, ck_dtype dtype, uint64_t numel, const char *key) {
    if (c->n_storages == c->cap_storages) {
        int cap = c->cap_storages ? c->cap_storages * 2 : 64;
        ck_storage *s = realloc(c->storages, (size_t)cap * sizeof *s);
        if (!s) return util_err("out of memory");
        c->storages = s;
        c->cap_storages = cap;
    }
    ck_storage *s = &c->storages[c->n_storages];
    memset(s, 0, sizeof *s);
    s->dtype = dtype;
    s->numel = numel;
    s->key = strdup(key ? key : "");
    if (!s->key) return util_err("out of memory");
    return c->n_storages++;
}

int weights_ckpt_add_tensor(ckpt *c, const char *name, int storage, int64_t offset, int ndim, const int64_t *shape,
                    const int64_t *stride) {
    if (ndim < 0 || ndim > CK_MAX_DIMS) return util_err("%s: tensor '%s' has %d dims", c->label, name, ndim);
    if (c->n_tensors >= CK_MAX_TENSORS)
        return util_err("%s: more than %d tensors (not a checkpoint samc knows)", c->label, CK_MAX_TENSORS);
    if (weights_ckpt_find(c, name)) return util_err("%s: tensor '%s' appears twice", c->label, name);
    if (c->n_tensors == c->cap_tensors) {
        int cap = c->cap_tensors ? c->cap_tensors * 2 : 256;
        ck_tensor *t = realloc(c->tensors, (size_t)cap * sizeof *t);
        if (!t) return util_err("out of memory");
        c->tensors = t;
        c->cap_tensors = cap;
    }
    ck_tensor *t = &c->tensors[c->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name) return util_err("out of memory");
    t->storage = storage;
    t->offset = offset;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = shape[i];
        t->stride[i] = stride[i];
    }
    return c->n_tensors++;
}

const ck_tensor *weights_ckpt_find(const ckpt *c, const char *name) {
    for (int i = 0; i < c->n_tensors; i++)
        if (!strcmp(c->tensors[i].name, name)) return &c->tensors[i];
    return NULL;
}

/* Each tensor's last element must lie inside its storage, each storage inside its bytes. */
int weights_ckpt_validate(const ckpt *c) {
    for (int i = 0; i < c->n_storages; i++) {
        const ck_storage *s = &c->storages[i];
        size_t bytes = 0;
        if (util_size_mul(s->numel, weights_ck_itemsize(s->dtype), &bytes))
            return util_err_context("%s: storage '%s'", c->label, s->key);
        uint64_t have = s->zent ? s->zent->size : bytes;
        if (have != bytes)
            return util_err("%s: storage '%s' declares %llu %s elements (%zu bytes) but its record holds %llu bytes",
                            c->label, s->key, (unsigned long long)s->numel, weights_ck_dtype_name(s->dtype), bytes,
                            (unsigned long long)have);
    }
    for (int i = 0; i < c->n_tensors; i++) {
        const ck_tensor *t = &c->tensors[i];
        if (t->storage < 0 || t->storage >= c->n_storages) return util_err("%s: tensor '%s' has no storage", c->label,
            t->name);
        size_t numel = 0;
        if (util_size_prod(t->shape, t->ndim, &numel)) return util_err_context("%s: tensor '%s'", c->label, t->name);
        if (numel == 0) continue;
        /* last element = offset + sum (shape-1)*stride, every step overflow-checked */
        uint64_t last = (uint64_t)t->offset;
        for (int k = 0; k < t->ndim; k++) {
            size_t step = 0;
            if (t->stride[k] < 0 || util_size_mul((size_t)(t->shape[k] - 1), (size_t)t->stride[k], &step) ||
                step > UINT64_MAX - last)
                return util_err("%s: tensor '%s' has an impossible stride", c->label, t->name);
            last += step;
        }
        const ck_storage *s = &c->storages[t->storage];
        if (last >= s->numel)
            return util_err("%s: tensor '%s' runs past its storage '%s' (needs element %llu, storage holds %llu)",
                            c->label, t->name, s->key, (unsigned long long)last, (unsigned long long)s->numel);
        /* torch.save writes whole storages, so a state-dict tensor never has more elements than
         * its storage; refusing broadcast (stride 0) views keeps output sizes bounded by the input */
        if (numel > s->numel)
            return util_err("%s: tensor '%s' has %zu elements but its storage '%s' only %llu", c->label, t->name, numel,
                            s->key, (unsigned long long)s->numel);
    }
    return 0;
}

static float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31, man = h & 1023, bits;
    if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13; /* inf / nan */
    } else if (exp) {
        bits = sign | (exp + 112) << 23 | man << 13;
    } else if (man) { /* subnormal: renormalise */
        int e = -1;
        do { man <<= 1; e++; } while (!(man & 1024));
        bits = sign | (uint32_t)(112 - e) << 23 | (man & 1023) << 13;
    } else {
        bits = sign;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Element idx of a storage as float32 (little-endian unless swap). */
static float load_elem(const uint8_t *base, ck_dtype dt, uint64_t idx, int swap) {
    size_t n = weights_ck_itemsize(dt);
    uint8_t b[8];
    memcpy(b, base + idx * n, n);
    if (swap)
        for (size_t i = 0; i < n / 2; i++) {
            uint8_t x = b[i];
            b[i] = b[n - 1 - i];
            b[n - 1 - i] = x;
        }
    switch (dt) {
    case CK_F32: { float f; memcpy(&f, b, 4); return f; }
    case CK_F64: { double d; memcpy(&d, b, 8); return (float)d; }
    case CK_F16: return half_to_float((uint16_t)(b[0] | b[1] << 8));
    case CK_BF16: { uint32_t u = (uint32_t)(b[0] | b[1] << 8) << 16; float f; memcpy(&f, &u, 4); return f; }
    default: return 0.0f;
    }
}

/* A converter reads each storage once: let the kernel drop its mapped pages again, so that
 * converting a 2.5 GB checkpoint does not keep 2.5 GB resident. Pages are re-read on demand,
 * so a storage shared by several tensors stays correct. */
static void release_pages(const ckpt *c, const ck_storage *s, const uint8_t *base) {
    if (!c->map || base < c->buf || base >= c->buf + c->len) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = (size_t)s->numel * weights_ck_itemsize(s->dtype);
    uintptr_t lo = (uintptr_t)base & ~(uintptr_t)(page - 1), hi = (uintptr_t)base + bytes;
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Element idx of an int64 storage (little-endian unless swap). */
static int64_t load_i64(const uint8_t *base, uint64_t idx, int swap) {
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)base[idx * 8 + (size_t)i] << 8 * (swap ? 7 - i : i);
    return (int64_t)u;
}

/* Copies tensor t into out as float32 (out_i64 == 0) or int64. */
static int read_tensor(const ckpt *c, const ck_tensor *t, void *out, int out_i64) {
    const ck_storage *s = &c->storages[t->storage];
    const uint8_t *base = s->bytes;
    uint8_t *owned = NULL;
    if (s->zent && weights_zip_entry_data(&c->zip, s->zent, &base, &owned))
        return util_err_context("%s: tensor '%s'", c->label, t->name);
    size_t numel = 0;
    if (util_size_prod(t->shape, t->ndim, &numel)) {
        free(owned);
        return -1;
    }
    /* the common case, a contiguous little-endian view of the output's type: one copy */
    int contiguous = 1;
    int64_t expect = 1;
    for (int k = t->ndim - 1; k >= 0; k--) {
        if (t->shape[k] != 1 && t->stride[k] != expect) contiguous = 0;
        expect *= t->shape[k];
    }
    if (contiguous && (s->dtype == CK_F32 || s->dtype == CK_I64) && !c->big_endian) {
        size_t isz = weights_ck_itemsize(s->dtype);
        memcpy(out, base + (size_t)t->offset * isz, numel * isz);
        release_pages(c, s, base);
        free(owned);
        return 0;
    }
    /* otherwise walk the elements in row-major order with an odometer over the dims */
    int64_t idx[CK_MAX_DIMS] = {0};
    uint64_t pos = (uint64_t)t->offset;
    for (size_t e = 0; e < numel; e++) {
        if (out_i64) ((int64_t *)out)[e] = load_i64(base, pos, c->big_endian);
        else ((float *)out)[e] = load_elem(base, s->dtype, pos, c->big_endian);
        for (int k = t->ndim - 1; k >= 0; k--) {
            pos += (uint64_t)t->stride[k];
            if (++idx[k] < t->shape[k]) break;
            pos -= (uint64_t)t->stride[k] * (uint64_t)t->shape[k];
            idx[k] = 0;
        }
    }
    release_pages(c, s, base);
    free(owned);
    return 0;
}

int weights_ckpt_read_f32(const ckpt *c, const ck_tensor *t, float *out) {
    ck_dtype dt = c->storages[t->storage].dtype;
    if (dt != CK_F32 && dt != CK_F16 && dt != CK_BF16 && dt != CK_F64)
        return util_err("%s: tensor '%s' has dtype %s; weights must be floating point", c->label, t->name,
                        weights_ck_dtype_name(dt));
    return read_tensor(c, t, out, 0);
}

int weights_ckpt_read_i64(const ckpt *c, const ck_tensor *t, int64_t *out) {
    ck_dtype dt = c->storages[t->storage].dtype;
    if (dt != CK_I64) return util_err("%s: tensor '%s' has dtype %s, expected int64", c->label, t->name,
        weights_ck_dtype_name(dt));
    return read_tensor(c, t, out, 1);
}

static int detect_and_read(ckpt *c) {
    const uint8_t *b = c->buf;
    if (c->len >= 4 && !memcmp(b, "PK\x03\x04", 4)) return weights_torch_pth_read(c);
    if (c->len >= 4 && b[0] == 0x80 && b[1] == 0x02 && b[2] == 0x8a && b[3] == 0x0a) return weights_torch_legacy_read(c);
    if (c->len >= 9 && b[8] == '{') return weights_safetensors_read(c); /* u64 header length, then JSON */
    return util_err("%s: not a PyTorch .pth (zip or legacy) or safetensors file", c->label);
}

int weights_ckpt_open_mem(ckpt *c, const uint8_t *buf, size_t len, const char *label) {
    memset(c, 0, sizeof *c);
    c->label = label;
    c->buf = buf;
    c->len = len;
    if (detect_and_read(c) || weights_ckpt_validate(c)) {
        weights_ckpt_close(c);
        return -1;
    }
    return 0;
}

int weights_ckpt_open(ckpt *c, const char *path) {
    memset(c, 0, sizeof *c);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return util_err("%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return util_err("%s: not a regular file", path);
    }
    if (st.st_size == 0) {
        close(fd);
        return util_err("%s: empty file", path);
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return util_err("%s: cannot map: %s", path, strerror(errno));
    if (weights_ckpt_open_mem(c, map, (size_t)st.st_size, path)) {
        munmap(map, (size_t)st.st_size);
        return -1;
    }
    c->map = map;
    return 0;
}

void weights_ckpt_close(ckpt *c) {
    for (int i = 0; i < c->n_storages; i++) free(c->storages[i].key);
    for (int i = 0; i < c->n_tensors; i++) free(c->tensors[i].name);
    free(c->storages);
    free(c->tensors);
    free(c->config);
    free(c->unknown);
    if (c->has_zip) weights_zip_close(&c->zip);
    if (c->map) munmap(c->map, c->len);
    memset(c, 0, sizeof *c);
}
