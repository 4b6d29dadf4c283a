/* HuggingFace safetensors (sam-reference.md §6.6): u64 LE header length N, an N-byte JSON
 * object {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
 * then the row-major little-endian data. transformers' SAM names are mapped back to the
 * official ones (weights/hf_names.c); the fused [4,D] point_embed is split into its four
 * rows and the duplicated positional embedding is kept once (both copies must agree). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"
#include "weights/ckpt.h"
#include "weights/hf_names.h"

#define ST_MAX_HEADER (100u << 20)
#define ST_NAME_MAX 128
#define PE_NAME "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"

/* ---- a strict little JSON reader for the header ---- */

typedef struct {
    const char *p, *end;
    const char *label;
} js;

static int js_err(const js *j, const char *what) { return util_err("%s: safetensors header: %s", j->label, what); }
static void ws(js *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}
static int expect(js *j, char ch) {
    ws(j);
    if (j->p >= j->end || *j->p != ch) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", ch);
        return js_err(j, what);
    }
    j->p++;
    return 0;
}
/* 1 and consumes ch if it is next. */
static int accept(js *j, char ch) {
    ws(j);
    if (j->p < j->end && *j->p == ch) {
        j->p++;
        return 1;
    }
    return 0;
}

/* A string into out (ASCII; escapes decoded); longer strings are an error. */
static int string(js *j, char *out, size_t n) {
    if (expect(j, '"')) return -1;
    size_t k = 0;
    for (;;) {
        if (j->p >= j->end) return js_err(j, "unterminated string");
        char ch = *j->p++;
        if (ch == '"') break;
        if (ch == '\\') {
            if (j->p >= j->end) return js_err(j, "unterminated string");
            char e = *j->p++;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t", *f = strchr(from, e);
            if (e == 'u') {
                unsigned v = 0;
                if (j->end - j->p < 4 || sscanf(j->p, "%4x", &v) != 1 || v == 0 || v > 0x7f)
                    return js_err(j, "unsupported \\u escape");
                j->p += 4;
                ch = (char)v;
            } else if (f && e) {
                ch = to[f - from];
            } else {
                return js_err(j, "bad escape");
            }
        } else if ((unsigned char)ch < 0x20 || ch == 0) {
            return js_err(j, "control character in string");
        }
        if (k + 1 >= n) return js_err(j, "string too long");
        out[k++] = ch;
    }
    out[k] = 0;
    return 0;
}

static int integer(js *j, uint64_t *v) {
    ws(j);
    if (j->p >= j->end || *j->p < '0' || *j->p > '9') return js_err(j, "expected a non-negative integer");
    uint64_t x = 0;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
        if (x > (UINT64_MAX - 9) / 10) return js_err(j, "integer too large");
        x = x * 10 + (uint64_t)(*j->p++ - '0');
    }
    *v = x;
    return 0;
}

/* Skips any value (for __metadata__), depth-limited. */
static int skip(js *j, int depth) {
    if (depth > 32) return js_err(j, "nested too deeply");
    ws(j);
    if (j->p >= j->end) return js_err(j, "truncated");
    char buf[4096];
    if (*j->p == '"') return string(j, buf, sizeof buf);
    if (*j->p == '{' || *j->p == '[') {
        char close = *j->p == '{' ? '}' : ']';
        int obj = *j->p++ == '{';
        if (accept(j, close)) return 0;
        do {
            if (obj && (string(j, buf, sizeof buf) || expect(j, ':'))) return -1;
            if (skip(j, depth + 1)) return -1;
        } while (accept(j, ','));
        return expect(j, close);
    }
    while (j->p < j->end && (strchr("-+.eE", *j->p) || (*j->p >= '0' && *j->p <= '9') || (*j->p >= 'a' && *j->p <= 'z')))
        j->p++;
    return 0;
}

/* ---- tensors ---- */

typedef struct {
    char name[ST_NAME_MAX];
    ck_dtype dtype;
    int ndim;
    int64_t shape[CK_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

static int parse_dtype(js *j, ck_dtype *dt) {
    char s[16];
    if (string(j, s, sizeof s)) return -1;
    static const struct { const char *n; ck_dtype t; } k[] = {
        {"F32", CK_F32}, {"F16", CK_F16}, {"BF16", CK_BF16}, {"F64", CK_F64}, {"I64", CK_I64},
        {"I32", CK_I32}, {"I16", CK_I16}, {"I8", CK_I8},     {"U8", CK_U8},   {"BOOL", CK_BOOL},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
        if (!strcmp(s, k[i].n)) {
            *dt = k[i].t;
            return 0;
        }
    return js_err(j, "unknown dtype");
}

/* {"dtype": ..., "shape": [...], "data_offsets": [b, e]} */
static int parse_entry(js *j, st_entry *e) {
    int have = 0;
    if (expect(j, '{')) return -1;
    do {
        char key[32];
        uint64_t v = 0;
        if (string(j, key, sizeof key) || expect(j, ':')) return -1;
        if (!strcmp(key, "dtype")) {
            if (parse_dtype(j, &e->dtype)) return -1;
            have |= 1;
        } else if (!strcmp(key, "shape")) {
            if (expect(j, '[')) return -1;
            e->ndim = 0;
            if (!accept(j, ']')) {
                do {
                    if (e->ndim == CK_MAX_DIMS) return js_err(j, "too many dims");
                    if (integer(j, &v)) return -1;
                    if (v > (1u << 30)) return js_err(j, "dimension too large");
                    e->shape[e->ndim++] = (int64_t)v;
                } while (accept(j, ','));
                if (expect(j, ']')) return -1;
            }
            have |= 2;
        } else if (!strcmp(key, "data_offsets")) {
            if (expect(j, '[') || integer(j, &e->begin) || expect(j, ',') || integer(j, &e->end) || expect(j, ']'))
                return -1;
            have |= 4;
        } else if (skip(j, 1)) {
            return -1;
        }
    } while (accept(j, ','));
    if (expect(j, '}')) return -1;
    if (have != 7) return util_err("%s: safetensors tensor '%s' lacks dtype, shape or data_offsets", j->label, e->name);
    return 0;
}

typedef struct {
    st_entry *e;
    int n;
} st_list;

static int has_name(const st_list *l, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->e[i].name, name)) return 1;
    return 0;
}

/* How many "<prefix>layers.N.weight" (N = 0, 1, ...) the file has, for HF MLP renaming; -1 if
 * the MLP has no HF-style "<prefix>proj_in.weight". One pass over the names, so hostile files
 * with thousands of layers stay cheap. */
static int hidden_layers(void *ctx, const char *prefix) {
    const st_list *l = ctx;
    char want[ST_NAME_MAX + 32];
    snprintf(want, sizeof want, "%sproj_in.weight", prefix);
    if (!has_name(l, want)) return -1;
    unsigned char seen[1024] = {0};
    size_t plen = strlen(prefix);
    for (int i = 0; i < l->n; i++) {
        int k = -1, end = 0;
        if (!strncmp(l->e[i].name, prefix, plen) &&
            sscanf(l->e[i].name + plen, "layers.%4d.weight%n", &k, &end) == 1 && end &&
            !l->e[i].name[plen + (size_t)end] && k >= 0 && k < 1024)
            seen[k] = 1;
    }
    int count = 0;
    while (count < 1024 && seen[count]) count++;
    return count;
}

/* Entry e's bytes [begin, end) must lie in the data and be exactly its dtype and shape's size. */
static int check_range(const ckpt *c, const st_entry *e, uint64_t data_len, size_t *numel) {
    size_t bytes = 0;
    if (util_size_prod(e->shape, e->ndim, numel) || util_size_mul(*numel, weights_ck_itemsize(e->dtype), &bytes))
        return util_err_context("%s: tensor '%s'", c->label, e->name);
    if (e->begin > e->end || e->end > data_len || e->end - e->begin != bytes)
        return util_err("%s: tensor '%s': data_offsets [%llu, %llu] do not hold its %zu bytes inside the %llu-byte data",
                        c->label, e->name, (unsigned long long)e->begin, (unsigned long long)e->end, bytes,
                        (unsigned long long)data_len);
    return 0;
}

/* A storage for entry e's bytes. */
static int add_storage(ckpt *c, const st_entry *e, const uint8_t *data, uint64_t data_len) {
    size_t numel = 0;
    if (check_range(c, e, data_len, &numel)) return -1;
    int si = weights_ckpt_add_storage(c, e->dtype, numel, e->name);
    if (si >= 0) c->storages[si].bytes = data + e->begin;
    return si;
}

static int add_tensor(ckpt *c, const st_entry *e, const char *name, const uint8_t *data, uint64_t data_len) {
    int si = add_storage(c, e, data, data_len);
    if (si < 0) return -1;
    int64_t stride[CK_MAX_DIMS];
    int64_t s = 1;
    for (int d = e->ndim - 1; d >= 0; d--) {
        stride[d] = s;
        s *= e->shape[d];
    }
    return weights_ckpt_add_tensor(c, name, si, 0, e->ndim, e->shape, stride) < 0 ? -1 : 0;
}

/* The fused [4,D] prompt_encoder.point_embed.weight becomes point_embeddings.{0..3}.weight [1,D]. */
static int add_fused_point_embed(ckpt *c, const st_entry *e, const uint8_t *data, uint64_t data_len) {
    if (e->ndim != 2 || e->shape[0] != 4)
        return util_err("%s: tensor 'prompt_encoder.point_embed.weight' should be [4, D]", c->label);
    int si = add_storage(c, e, data, data_len);
    if (si < 0) return -1;
    int64_t shape[2] = {1, e->shape[1]}, stride[2] = {e->shape[1], 1};
    for (int r = 0; r < 4; r++) {
        char name[64];
        snprintf(name, sizeof name, "prompt_encoder.point_embeddings.%d.weight", r);
        if (weights_ckpt_add_tensor(c, name, si, r * e->shape[1], 2, shape, stride) < 0) return -1;
    }
    return 0;
}

/* transformers keeps two tied copies of the random-Fourier matrix; either may be missing. */
static int same_as_existing(ckpt *c, const ck_tensor *have, const st_entry *e, const uint8_t *data, uint64_t data_len) {
    const ck_storage *s = &c->storages[have->storage];
    size_t numel = 0;
    if (check_range(c, e, data_len, &numel)) return -1;
    size_t bytes = (size_t)(e->end - e->begin);
    int same = have->ndim == e->ndim && s->dtype == e->dtype && s->numel * weights_ck_itemsize(s->dtype) == bytes;
    for (int d = 0; same && d < e->ndim; d++) same = have->shape[d] == e->shape[d];
    if (!same || memcmp(s->bytes, data + e->begin, bytes))
        return util_err("%s: the two copies of the positional embedding ('%s' and '%s') differ", c->label, s->key,
                        e->name);
    return 0;
}

static int parse_header(js *j, st_list *l) {
    if (expect(j, '{')) return -1;
    if (accept(j, '}')) return 0;
    do {
        char key[ST_NAME_MAX];
        if (string(j, key, sizeof key) || expect(j, ':')) return -1;
        if (!strcmp(key, "__metadata__")) {
            if (skip(j, 0)) return -1;
            continue;
        }
        if (l->n >= CK_MAX_TENSORS) return js_err(j, "too many tensors");
        if (!(l->n & (l->n - 1)) || l->n == 0) { /* grow at powers of two */
            st_entry *e = realloc(l->e, (size_t)(l->n ? 2 * l->n : 1) * sizeof *e);
            if (!e) return util_err("out of memory");
            l->e = e;
        }
        st_entry *e = &l->e[l->n++];
        memset(e, 0, sizeof *e);
        memcpy(e->name, key, sizeof key);
        if (parse_entry(j, e)) return -1;
    } while (accept(j, ','));
    if (expect(j, '}')) return -1;
    ws(j);
    return j->p == j->end ? 0 : js_err(j, "trailing bytes after the JSON object");
}

int weights_safetensors_read(ckpt *c) {
    uint64_t n = 0;
    for (int b = 7; b >= 0; b--) n = n << 8 | c->buf[b];
    if (n > ST_MAX_HEADER || n > c->len - 8)
        return util_err("%s: safetensors header length %llu does not fit the %zu-byte file", c->label,
                        (unsigned long long)n, c->len);
    js j = {(const char *)c->buf + 8, (const char *)c->buf + 8 + n, c->label};
    const uint8_t *data = c->buf + 8 + n;
    uint64_t data_len = c->len - 8 - n;
    st_list l = {0};
    int rc = parse_header(&j, &l);
    for (int i = 0; i < l.n && !rc; i++) {
        const st_entry *e = &l.e[i];
        char name[192];
        if (!strcmp(e->name, "prompt_encoder.point_embed.weight")) {
            rc = add_fused_point_embed(c, e, data, data_len);
            continue;
        }
        if (weights_hf_to_official(e->name, name, sizeof name, hidden_layers, &l)) {
            rc = util_err_context("%s", c->label);
            break;
        }
        const ck_tensor *have = !strcmp(name, PE_NAME) ? weights_ckpt_find(c, name) : NULL;
        rc = have ? same_as_existing(c, have, e, data, data_len) : add_tensor(c, e, name, data, data_len);
    }
    free(l.e);
    return rc;
}
