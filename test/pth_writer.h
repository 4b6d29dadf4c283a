/* Writing official-layout checkpoints of the study's baselines for tests (baselines.md §7).
 *
 * pw_write() writes what the authors' save_checkpoint + torch.save write: a torch zip
 * (stored records, each record's data 64-byte aligned, ZIP64 fields only where a size or
 * offset needs them) with
 *   archive/data.pkl    pickle protocol 2 of {'state_dict': OrderedDict(name -> tensor),
 *                       'config': {'class': ..., 'params': {name: {'type', 'value', 'specified'}}}}
 *   archive/byteorder   "little"
 *   archive/data/<k>    tensor k's storage: a FloatStorage, or a LongStorage for int64 scalars
 *                       (BatchNorm's num_batches_tracked)
 *   archive/version     "3\n"
 * Tensor values are seeded random numbers (each tensor seeded from the seed and its name, so
 * its values do not depend on the others), shaped for a forward pass that neither explodes
 * nor vanishes: matrices and kernels U(-a, a) with a = sqrt(3 / fan_in), 1-D `weight`s
 * 1 + U(-0.1, 0.1), `running_var` U(0.5, 1.5), other 1-D tensors U(-0.1, 0.1), int64 0.
 * pw_options.fill replaces that rule. The file is streamed (one 256 KB chunk in memory), so
 * real-size checkpoints (ViT-H: 662 M values, 2.6 GB) are cheap to make.
 *
 *   static const pw_tensor keys[] = {
 *       {"maps_transform.0.weight", 4, {16, 3, 1, 1}},
 *       {"feature_extractor.bn1.num_batches_tracked", 0, {0}, PW_I64},
 *       ...};
 *   pw_options o = {.class_name = "isegm.model.is_hrnet_model.HRNetModel",
 *                   .params = "{'width': 32, 'ocr_width': 128, 'small': False,"
 *                             " 'norm_layer': <class torch.nn.modules.batchnorm.BatchNorm2d>,"
 *                             " 'norm_mean_std': ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])}",
 *                   .seed = 2468};
 *   if (pw_write("model.pth", keys, n, &o)) ...   // 0, or -1 with a message on stderr
 *
 * params is a Python literal dict (dicts, lists, tuples, 'strings', ints, floats, True,
 * False, None) of the model's constructor parameters; each becomes {'type': 'builtin',
 * 'value': v, 'specified': True}, except a top-level <class a.b.C>, which becomes
 * {'type': 'class', 'value': 'a.b.C', ...}. <object a.b.C> anywhere is an instance of an
 * unknown class as torch pickles it (GLOBAL a.b C, EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD),
 * like CFR-ICL's loss_decode. For hostile tests, pw_options.config_pickle replaces the whole
 * config value with given pickle opcodes, and pw_tensor.raw replaces one state-dict value
 * (the tensor is then not written). The byte-level helpers come from weights_builder.h. */
#ifndef SAMC_TEST_PTH_WRITER_H
#define SAMC_TEST_PTH_WRITER_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "test/weights_builder.h"

enum { PW_F32 = 0, PW_I64 = 1 };

typedef struct {
    const char *name;
    int ndim;               /* 0..4; 0 is a scalar */
    int64_t shape[4];
    int dtype;              /* PW_F32 (default) or PW_I64 */
    const uint8_t *raw;     /* if set: these pickle opcodes are the state-dict value instead */
    size_t raw_len;
} pw_tensor;

typedef struct {
    const char *class_name;        /* config['class'] */
    const char *params;            /* config['params'] as a Python literal dict (see above) */
    const uint8_t *config_pickle;  /* if set: the config value as these pickle opcodes instead */
    size_t config_pickle_len;
    uint64_t seed;
    const char *archive;           /* the zip's folder name (torch uses the file's stem); "archive" */
    /* if set: fills out[0..n) of float tensor t instead of the random rule */
    void (*fill)(const pw_tensor *t, float *out, size_t n, void *ctx);
    void *fill_ctx;
} pw_options;

/* ---- pickle opcodes ---- */

static inline void pw_int(bbuf *b, int64_t v) {
    if (v >= INT32_MIN && v <= INT32_MAX) {
        bb_u8(b, 'J');
        bb_le(b, (uint64_t)(uint32_t)(int32_t)v, 4);
    } else {
        bb_u8(b, 0x8a); /* LONG1, 8 bytes two's complement */
        bb_u8(b, 8);
        bb_le(b, (uint64_t)v, 8);
    }
}
static inline void pw_float(bbuf *b, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    bb_u8(b, 'G');
    for (int i = 7; i >= 0; i--) bb_u8(b, (unsigned)(u >> 8 * i) & 255); /* big-endian */
}
static inline void pw_str_n(bbuf *b, const char *s, size_t n) {
    bb_u8(b, 'X');
    bb_le(b, n, 4);
    bb_put(b, s, n);
}
/* GLOBAL for the dotted path "a.b.C": module "a.b", name "C". */
static inline void pw_global_path(bbuf *b, const char *path, size_t n) {
    size_t dot = n;
    while (dot > 0 && path[dot - 1] != '.') dot--;
    bb_u8(b, 'c');
    bb_put(b, path, dot ? dot - 1 : 0);
    bb_u8(b, '\n');
    bb_put(b, path + dot, n - dot);
    bb_u8(b, '\n');
}

/* ---- the Python literal of pw_options.params, parsed straight into pickle opcodes ---- */

typedef struct {
    const char *p;
    const char *err;
} pw_lit;

static inline void pw_skip(pw_lit *l) {
    while (*l->p == ' ' || *l->p == '\n' || *l->p == '\t') l->p++;
}
static inline int pw_eat(pw_lit *l, char c) {
    pw_skip(l);
    if (*l->p != c) return 0;
    l->p++;
    return 1;
}

/* <class a.b.C> / <object a.b.C>: *kind 'c' or 'o', the path in [*s, *s + *n). */
static inline int pw_angle(pw_lit *l, char *kind, const char **s, size_t *n) {
    const char *p = l->p + 1;
    if (!strncmp(p, "class ", 6)) *kind = 'c', p += 6;
    else if (!strncmp(p, "object ", 7)) *kind = 'o', p += 7;
    else return 0;
    const char *end = strchr(p, '>');
    if (!end) return 0;
    *s = p;
    *n = (size_t)(end - p);
    l->p = end + 1;
    return 1;
}

static inline int pw_value(pw_lit *l, bbuf *b);

/* items up to `close`, each through pw_value (dict: key ':' value) */
static inline int pw_items(pw_lit *l, bbuf *b, char close, int dict, int *count) {
    *count = 0;
    while (!pw_eat(l, close)) {
        if (*count && !pw_eat(l, ',')) return 0;
        if (pw_eat(l, close)) break; /* trailing comma */
        if (!pw_value(l, b)) return 0;
        if (dict && (!pw_eat(l, ':') || !pw_value(l, b))) return 0;
        (*count)++;
    }
    return 1;
}

static inline int pw_value(pw_lit *l, bbuf *b) {
    pw_skip(l);
    const char *p = l->p;
    int n = 0;
    if (*p == '{' || *p == '[') {
        int dict = *p == '{';
        l->p++;
        bb_u8(b, dict ? '}' : ']');
        bb_u8(b, '(');
        if (!pw_items(l, b, dict ? '}' : ']', dict, &n)) return 0;
        bb_u8(b, dict ? 'u' : 'e');
        return 1;
    }
    if (*p == '(') {
        l->p++;
        bb_u8(b, '(');
        if (!pw_items(l, b, ')', 0, &n)) return 0;
        bb_u8(b, 't');
        return 1;
    }
    if (*p == '\'' || *p == '"') {
        const char *end = strchr(p + 1, *p);
        if (!end) return 0;
        pw_str_n(b, p + 1, (size_t)(end - p - 1));
        l->p = end + 1;
        return 1;
    }
    if (*p == '<') {
        char kind;
        const char *s;
        size_t len;
        if (!pw_angle(l, &kind, &s, &len)) return 0;
        if (kind == 'c') {
            pw_str_n(b, s, len);
        } else { /* an instance as copyreg.__reduce_ex__(2) pickles it, with an empty __dict__ */
            pw_global_path(b, s, len);
            bb_u8(b, ')');
            bb_u8(b, 0x81);
            bb_u8(b, '}');
            bb_u8(b, 'b');
        }
        return 1;
    }
    if (!strncmp(p, "True", 4) || !strncmp(p, "False", 5) || !strncmp(p, "None", 4)) {
        bb_u8(b, *p == 'T' ? 0x88 : *p == 'F' ? 0x89 : 'N');
        l->p += *p == 'F' ? 5 : 4;
        return 1;
    }
    char *end = NULL;
    size_t span = strspn(p, "+-0123456789.eE");
    if (!span) return 0;
    if (strcspn(p, ".eE") < span) {
        double v = strtod(p, &end);
        pw_float(b, v);
    } else {
        long long v = strtoll(p, &end, 10);
        pw_int(b, v);
    }
    if (end != p + span) return 0;
    l->p = end;
    return 1;
}

/* config['params'] from the literal: each top-level entry wrapped as the official
 * {'type', 'value', 'specified'}. */
static inline int pw_params(bbuf *b, const char *text) {
    pw_lit l = {text ? text : "{}", NULL};
    if (!pw_eat(&l, '{')) return -1;
    bb_u8(b, '}');
    bb_u8(b, '(');
    int count = 0;
    while (!pw_eat(&l, '}')) {
        if (count && !pw_eat(&l, ',')) return -1;
        if (pw_eat(&l, '}')) break;
        if (!pw_value(&l, b) || !pw_eat(&l, ':')) return -1; /* the name */
        pw_skip(&l);
        char kind = 0;
        const char *s = NULL;
        size_t len = 0;
        const char *save = l.p;
        int is_class = *l.p == '<' && pw_angle(&l, &kind, &s, &len) && kind == 'c';
        if (!is_class) l.p = save;
        bb_u8(b, '}');
        bb_u8(b, '(');
        pb_unicode(b, "type");
        pb_unicode(b, is_class ? "class" : "builtin");
        pb_unicode(b, "value");
        if (is_class) pw_str_n(b, s, len);
        else if (!pw_value(&l, b)) return -1;
        pb_unicode(b, "specified");
        bb_u8(b, 0x88);
        bb_u8(b, 'u');
        count++;
    }
    pw_skip(&l);
    if (*l.p) return -1;
    bb_u8(b, 'u');
    return 0;
}

/* ---- the state dict ---- */

static inline size_t pw_numel(const pw_tensor *t) {
    size_t n = 1;
    for (int d = 0; d < t->ndim; d++) n *= (size_t)t->shape[d];
    return n;
}

/* key, _rebuild_tensor_v2(persid(('storage', torch.<T>Storage, 'k', 'cpu', numel)), 0, size, stride, False, OrderedDict()) */
static inline void pw_tensor_item(bbuf *b, const pw_tensor *t, int k) {
    pb_unicode(b, t->name);
    if (t->raw) {
        bb_put(b, t->raw, t->raw_len);
        return;
    }
    char key[24];
    snprintf(key, sizeof key, "%d", k);
    pb_global(b, "torch._utils", "_rebuild_tensor_v2");
    bb_u8(b, '(');
    bb_u8(b, '(');
    pb_unicode(b, "storage");
    pb_global(b, "torch", t->dtype == PW_I64 ? "LongStorage" : "FloatStorage");
    pb_unicode(b, key);
    pb_unicode(b, "cpu");
    pw_int(b, (int64_t)pw_numel(t));
    bb_u8(b, 't');
    bb_u8(b, 'Q');
    pw_int(b, 0);
    bb_u8(b, '(');
    for (int d = 0; d < t->ndim; d++) pw_int(b, t->shape[d]);
    bb_u8(b, 't');
    bb_u8(b, '(');
    int64_t stride = 1, strides[4] = {0};
    for (int d = t->ndim - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= t->shape[d];
    }
    for (int d = 0; d < t->ndim; d++) pw_int(b, strides[d]);
    bb_u8(b, 't');
    bb_u8(b, 0x89);
    pb_global(b, "collections", "OrderedDict");
    bb_u8(b, ')');
    bb_u8(b, 'R');
    bb_u8(b, 't');
    bb_u8(b, 'R');
}

static inline int pw_pickle(bbuf *b, const pw_tensor *t, int n, const pw_options *o) {
    bb_u8(b, 0x80);
    bb_u8(b, 2);
    bb_u8(b, '}');
    bb_u8(b, '(');
    pb_unicode(b, "state_dict");
    pb_global(b, "collections", "OrderedDict");
    bb_u8(b, ')');
    bb_u8(b, 'R');
    for (int i = 0; i < n; i += 1000) { /* SETITEMS in batches of 1000, as pickle does */
        bb_u8(b, '(');
        for (int k = i; k < n && k < i + 1000; k++) pw_tensor_item(b, &t[k], k);
        bb_u8(b, 'u');
    }
    pb_unicode(b, "config");
    if (o->config_pickle) {
        bb_put(b, o->config_pickle, o->config_pickle_len);
    } else {
        bb_u8(b, '}');
        bb_u8(b, '(');
        pb_unicode(b, "class");
        pb_unicode(b, o->class_name ? o->class_name : "");
        pb_unicode(b, "params");
        if (pw_params(b, o->params)) return -1;
        bb_u8(b, 'u');
    }
    bb_u8(b, 'u');
    bb_u8(b, '.');
    return 0;
}

/* ---- values ---- */

static inline uint64_t pw_next(uint64_t *s) { /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}
static inline float pw_uniform(uint64_t *s) { return (float)(pw_next(s) >> 40) / (float)(1 << 24) * 2.0f - 1.0f; }

static inline uint64_t pw_seed(uint64_t seed, const char *name) {
    uint64_t h = 1469598103934665603ULL ^ seed; /* FNV-1a of the name */
    for (const char *p = name; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h ? h : 1;
}

static inline int pw_ends_with(const char *s, const char *tail) {
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

/* count values of t starting at element `first` (the random stream is consumed in order) */
static inline void pw_random(const pw_tensor *t, uint64_t *s, float *out, size_t count) {
    float lo = 0, hi = 0, base = 0;
    if (t->ndim >= 2) {
        double fan_in = 1;
        for (int d = 1; d < t->ndim; d++) fan_in *= (double)t->shape[d];
        hi = (float)sqrt(3.0 / fan_in);
        lo = -hi;
    } else if (pw_ends_with(t->name, "running_var")) {
        lo = 0.5f, hi = 1.5f;
    } else {
        lo = -0.1f, hi = 0.1f;
        if (pw_ends_with(t->name, "weight")) base = 1.0f;
    }
    for (size_t i = 0; i < count; i++) out[i] = base + lo + (hi - lo) * 0.5f * (pw_uniform(s) + 1.0f);
}

/* ---- the zip, streamed ---- */

typedef struct {
    char name[300];
    uint64_t offset, size;
    uint32_t crc;
} pw_entry;

/* local header, name, extra fields (ZIP64 sizes if needed, then "FB" padding so the data
 * starts at a multiple of 64); the CRC is patched in after the data */
static inline void pw_local_header(FILE *f, pw_entry *e) {
    int z64 = e->size >= 0xFFFFFFFFu;
    size_t nlen = strlen(e->name), fixed = 30 + nlen + (z64 ? 20 : 0) + 4;
    size_t pad = (64 - (size_t)((e->offset + fixed) % 64)) % 64;
    bbuf b = {0};
    bb_le(&b, 0x04034b50, 4);
    bb_le(&b, z64 ? 45 : 20, 2);
    bb_le(&b, 0, 2);
    bb_le(&b, 0, 2); /* stored */
    bb_le(&b, 0, 4); /* time, date */
    bb_le(&b, 0, 4); /* crc, patched */
    bb_le(&b, z64 ? 0xFFFFFFFFu : e->size, 4);
    bb_le(&b, z64 ? 0xFFFFFFFFu : e->size, 4);
    bb_le(&b, nlen, 2);
    bb_le(&b, (z64 ? 20 : 0) + 4 + pad, 2);
    bb_str(&b, e->name);
    if (z64) {
        bb_le(&b, 1, 2);
        bb_le(&b, 16, 2);
        bb_le(&b, e->size, 8);
        bb_le(&b, e->size, 8);
    }
    bb_le(&b, 0x4246, 2);
    bb_le(&b, pad, 2);
    for (size_t k = 0; k < pad; k++) bb_u8(&b, 'Z');
    fwrite(b.p, 1, b.n, f);
    free(b.p);
}

static inline int pw_patch_crc(FILE *f, const pw_entry *e) {
    uint8_t c[4];
    wr_le_n(c, e->crc, 4);
    if (fseeko(f, (off_t)e->offset + 14, SEEK_SET) || fwrite(c, 1, 4, f) != 4) return -1;
    return fseeko(f, 0, SEEK_END);
}

static inline void pw_begin(FILE *f, pw_entry *e, const char *archive, const char *name, uint64_t size) {
    snprintf(e->name, sizeof e->name, "%s/%s", archive, name);
    e->offset = (uint64_t)ftello(f);
    e->size = size;
    e->crc = 0;
    pw_local_header(f, e);
}

static inline int pw_small_record(FILE *f, pw_entry *e, const char *archive, const char *name, const void *p,
                                  size_t n) {
    pw_begin(f, e, archive, name, n);
    fwrite(p, 1, n, f);
    e->crc = (uint32_t)crc32(0, (const Bytef *)p, (uInt)n);
    return pw_patch_crc(f, e);
}

static inline int pw_tensor_record(FILE *f, pw_entry *e, const pw_options *o, const pw_tensor *t, int k) {
    char name[32];
    snprintf(name, sizeof name, "data/%d", k);
    size_t numel = pw_numel(t), isz = t->dtype == PW_I64 ? 8 : 4;
    pw_begin(f, e, o->archive ? o->archive : "archive", name, (uint64_t)numel * isz);
    uLong crc = crc32(0, NULL, 0);
    if (t->dtype == PW_I64) {
        int64_t *z = calloc(numel ? numel : 1, 8);
        if (!z) return -1;
        fwrite(z, 8, numel, f);
        crc = crc32(crc, (const Bytef *)z, (uInt)(numel * 8));
        free(z);
    } else {
        enum { CHUNK = 1 << 16 };
        float *buf = malloc((o->fill ? (numel ? numel : 1) : CHUNK) * sizeof *buf);
        if (!buf) return -1;
        uint64_t s = pw_seed(o->seed, t->name);
        if (o->fill) {
            o->fill(t, buf, numel, o->fill_ctx);
            fwrite(buf, 4, numel, f);
            crc = crc32(crc, (const Bytef *)buf, (uInt)(numel * 4));
        }
        for (size_t i = 0; !o->fill && i < numel; i += CHUNK) {
            size_t m = numel - i < CHUNK ? numel - i : CHUNK;
            pw_random(t, &s, buf, m);
            fwrite(buf, 4, m, f);
            crc = crc32(crc, (const Bytef *)buf, (uInt)(m * 4));
        }
        free(buf);
    }
    e->crc = (uint32_t)crc;
    return pw_patch_crc(f, e);
}

static inline void pw_central(FILE *f, const pw_entry *e, int n) {
    bbuf b = {0};
    uint64_t cd = (uint64_t)ftello(f);
    for (int i = 0; i < n; i++) {
        int zs = e[i].size >= 0xFFFFFFFFu, zo = e[i].offset >= 0xFFFFFFFFu;
        bb_le(&b, 0x02014b50, 4);
        bb_le(&b, 45, 2);
        bb_le(&b, zs || zo ? 45 : 20, 2);
        bb_le(&b, 0, 2);
        bb_le(&b, 0, 2);
        bb_le(&b, 0, 4);
        bb_le(&b, e[i].crc, 4);
        bb_le(&b, zs ? 0xFFFFFFFFu : e[i].size, 4);
        bb_le(&b, zs ? 0xFFFFFFFFu : e[i].size, 4);
        bb_le(&b, strlen(e[i].name), 2);
        bb_le(&b, zs || zo ? 4 + 16 * zs + 8 * zo : 0, 2);
        bb_le(&b, 0, 2); /* comment */
        bb_le(&b, 0, 2); /* disk */
        bb_le(&b, 0, 2);
        bb_le(&b, 0, 4);
        bb_le(&b, zo ? 0xFFFFFFFFu : e[i].offset, 4);
        bb_str(&b, e[i].name);
        if (zs || zo) {
            bb_le(&b, 1, 2);
            bb_le(&b, 16 * zs + 8 * zo, 2);
            if (zs) {
                bb_le(&b, e[i].size, 8);
                bb_le(&b, e[i].size, 8);
            }
            if (zo) bb_le(&b, e[i].offset, 8);
        }
    }
    uint64_t cd_size = b.n;
    int z64 = cd + cd_size >= 0xFFFFFFFFu || n >= 0xFFFF;
    if (z64) {
        uint64_t rec = cd + cd_size;
        bb_le(&b, 0x06064b50, 4);
        bb_le(&b, 44, 8);
        bb_le(&b, 45, 2);
        bb_le(&b, 45, 2);
        bb_le(&b, 0, 4);
        bb_le(&b, 0, 4);
        bb_le(&b, (uint64_t)n, 8);
        bb_le(&b, (uint64_t)n, 8);
        bb_le(&b, cd_size, 8);
        bb_le(&b, cd, 8);
        bb_le(&b, 0x07064b50, 4);
        bb_le(&b, 0, 4);
        bb_le(&b, rec, 8);
        bb_le(&b, 1, 4);
    }
    bb_le(&b, 0x06054b50, 4);
    bb_le(&b, 0, 2);
    bb_le(&b, 0, 2);
    bb_le(&b, z64 ? 0xFFFF : (unsigned)n, 2);
    bb_le(&b, z64 ? 0xFFFF : (unsigned)n, 2);
    bb_le(&b, z64 ? 0xFFFFFFFFu : cd_size, 4);
    bb_le(&b, z64 ? 0xFFFFFFFFu : cd, 4);
    bb_le(&b, 0, 2);
    fwrite(b.p, 1, b.n, f);
    free(b.p);
}

/* Writes the checkpoint of tensors t[0..n) and o's config to path. 0, or -1 with a message
 * on stderr (a params literal it cannot parse, a write error). */
static inline int pw_write(const char *path, const pw_tensor *t, int n, const pw_options *o) {
    bbuf pkl = {0};
    if (pw_pickle(&pkl, t, n, o)) {
        fprintf(stderr, "pw_write: cannot parse params literal: %s\n", o->params);
        free(pkl.p);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    pw_entry *e = calloc((size_t)n + 3, sizeof *e);
    int rc = f && e ? 0 : -1, ne = 0;
    const char *archive = o->archive ? o->archive : "archive";
    if (!rc) rc = pw_small_record(f, &e[ne++], archive, "data.pkl", pkl.p, pkl.n);
    if (!rc) rc = pw_small_record(f, &e[ne++], archive, "byteorder", "little", 6);
    for (int i = 0; i < n && !rc; i++)
        if (!t[i].raw) rc = pw_tensor_record(f, &e[ne++], o, &t[i], i);
    if (!rc) rc = pw_small_record(f, &e[ne++], archive, "version", "3\n", 2);
    if (!rc) pw_central(f, e, ne);
    if (f && (ferror(f) | fclose(f))) rc = -1;
    if (rc) fprintf(stderr, "pw_write: cannot write %s\n", path);
    free(e);
    free(pkl.p);
    return rc;
}

#endif
