#include "io/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/file.h"
#include "util/mem.h"

static const struct {
    npy_dtype t;
    const char *descr;
    size_t size;
} k_types[] = {
    {NPY_BOOL, "|b1", 1}, {NPY_U8, "|u1", 1}, {NPY_I16, "<i2", 2}, {NPY_U16, "<u2", 2},
    {NPY_I32, "<i4", 4},  {NPY_I64, "<i8", 8}, {NPY_F32, "<f4", 4}, {NPY_F64, "<f8", 8},
};
#define N_TYPES (sizeof k_types / sizeof k_types[0])

size_t io_npy_itemsize(npy_dtype t) {
    for (size_t i = 0; i < N_TYPES; i++)
        if (k_types[i].t == t) return k_types[i].size;
    return 0;
}

/* Finds the value text after 'key': in the header dict; NULL if absent. */
static const char *dict_value(const char *hdr, const char *key) {
    const char *p = strstr(hdr, key);
    if (!p) return NULL;
    p = strchr(p + strlen(key), ':');
    if (!p) return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

/* Fortran order stores the first index fastest: walk the C-order output with a running
 * multi-index and find each element's Fortran offset from it. */
static void fortran_to_c(unsigned char *dst, const unsigned char *src, const int64_t *shape, int ndim, size_t item,
                         size_t count) {
    int64_t idx[NPY_MAX_DIMS] = {0};
    size_t fstride[NPY_MAX_DIMS];
    size_t st = 1;
    for (int k = 0; k < ndim; k++) {
        fstride[k] = st;
        st *= (size_t)shape[k];
    }
    for (size_t i = 0; i < count; i++) {
        size_t off = 0;
        for (int k = 0; k < ndim; k++) off += (size_t)idx[k] * fstride[k];
        memcpy(dst + i * item, src + off * item, item);
        for (int k = ndim - 1; k >= 0; k--) { /* next C-order multi-index */
            if (++idx[k] < shape[k]) break;
            idx[k] = 0;
        }
    }
}

/* The bytes after the data: none, or one note line (npy.h); anything else is refused, so
 * that a file cut or padded by damage is not taken for an intact one. */
static int read_note(const unsigned char *p, size_t n, npy_note *note) {
    size_t m = strlen(NPY_NOTE_MAGIC);
    if (n == 0) return 0;
    if (n < m + 1 || n > NPY_NOTE_MAX + 1 || memcmp(p, NPY_NOTE_MAGIC, m) || p[n - 1] != '\n' ||
        memchr(p, '\n', n - 1) || memchr(p, 0, n))
        return util_err("%zu unexpected bytes after the .npy data (not a samc note)", n);
    memcpy(note->text, p, n - 1);
    note->text[n - 1] = 0;
    note->present = 1;
    return 0;
}

int io_npy_parse(const unsigned char *buf, size_t len, npy_array *a) { return io_npy_parse_noted(buf, len, a, NULL); }

int io_npy_parse_noted(const unsigned char *buf, size_t len, npy_array *a, npy_note *note) {
    memset(a, 0, sizeof *a);
    if (note) memset(note, 0, sizeof *note);
    if (len < 10 || memcmp(buf, "\x93NUMPY", 6) != 0) return util_err("not a .npy file (bad magic)");
    int major = buf[6];
    size_t hlen, hoff;
    if (major == 1) {
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        hoff = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12) return util_err("truncated .npy header");
        hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        hoff = 12;
    } else {
        return util_err("unsupported .npy version %d", major);
    }
    if (hlen > len - hoff || hlen > 65536) return util_err("truncated .npy header");
    char *hdr = malloc(hlen + 1);
    if (!hdr) return util_err("out of memory");
    memcpy(hdr, buf + hoff, hlen);
    hdr[hlen] = 0;

    int rc = -1;
    const char *d = dict_value(hdr, "'descr'");
    const char *f = dict_value(hdr, "'fortran_order'");
    const char *s = dict_value(hdr, "'shape'");
    if (!d || !f || !s || *d != '\'' || *s != '(') {
        util_err("malformed .npy header");
        goto out;
    }
    int found = 0;
    for (size_t i = 0; i < N_TYPES; i++) {
        const char *want = k_types[i].descr;
        size_t n = strlen(want);
        /* '|u1' may also be written '<u1'/'=u1'; compare the type letters only for 1-byte types.
         * The header may end anywhere: test d[1] before reading d + 2, and d[1 + n] only after
         * n bytes matched (then it is at worst the terminating NUL). */
        int byte_order = d[1] == '<' || d[1] == '=' || d[1] == '|';
        if ((strncmp(d + 1, want, n) == 0 || (k_types[i].size == 1 && byte_order &&
                                              strncmp(d + 2, want + 1, n - 1) == 0)) &&
            d[1 + n] == '\'') {
            a->dtype = k_types[i].t;
            found = 1;
            break;
        }
    }
    if (!found) {
        util_err("unsupported .npy dtype (need little-endian bool/u1/i2/u2/i4/i8/f4/f8)");
        goto out;
    }
    int fortran = strncmp(f, "True", 4) == 0;
    if (!fortran && strncmp(f, "False", 5) != 0) {
        util_err("malformed .npy fortran_order");
        goto out;
    }
    const char *p = s + 1;
    a->ndim = 0;
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == ')') break;
        if (*p < '0' || *p > '9') {
            util_err("malformed .npy shape");
            goto out;
        }
        if (a->ndim == NPY_MAX_DIMS) {
            util_err(".npy has more than %d dimensions", NPY_MAX_DIMS);
            goto out;
        }
        char *end;
        long long v = strtoll(p, &end, 10);
        if (v < 0 || end == p || v > (1LL << 40)) {
            util_err("bad .npy dimension");
            goto out;
        }
        a->shape[a->ndim++] = v;
        p = end;
    }
    size_t count = 0, bytes = 0;
    if (util_size_prod(a->shape, a->ndim, &count) || util_size_mul(count, io_npy_itemsize(a->dtype), &bytes)) goto out;
    if (bytes > len - hoff - hlen) {
        util_err("truncated .npy data (need %zu bytes, have %zu)", bytes, len - hoff - hlen);
        goto out;
    }
    a->count = count;
    a->data = util_xmalloc_array(bytes ? bytes : 1, 1);
    if (!a->data) goto out;
    if (fortran)
        fortran_to_c(a->data, buf + hoff + hlen, a->shape, a->ndim, io_npy_itemsize(a->dtype), count);
    else
        memcpy(a->data, buf + hoff + hlen, bytes);
    rc = note ? read_note(buf + hoff + hlen + bytes, len - hoff - hlen - bytes, note) : 0;
    if (rc) io_npy_free(a);
out:
    free(hdr);
    return rc;
}

int io_npy_read(const char *path, npy_array *a) { return io_npy_read_noted(path, a, NULL); }

int io_npy_read_noted(const char *path, npy_array *a, npy_note *note) {
    unsigned char *buf;
    size_t len;
    memset(a, 0, sizeof *a);
    if (note) memset(note, 0, sizeof *note);
    if (util_read_whole_file(path, (size_t)1 << 36, &buf, &len)) return -1;
    int rc = io_npy_parse_noted(buf, len, a, note);
    free(buf);
    if (rc) util_err_context("%s", path);
    return rc;
}

int io_npy_read_f32(const char *path, npy_array *a) {
    if (io_npy_read(path, a)) return -1;
    if (io_npy_to_f32(a)) {
        io_npy_free(a);
        return -1;
    }
    return 0;
}

int io_npy_to_f32(npy_array *a) {
    if (a->dtype == NPY_F32) return 0;
    float *out = util_xmalloc_array(a->count ? a->count : 1, sizeof(float));
    if (!out) return -1;
    for (size_t i = 0; i < a->count; i++) {
        switch (a->dtype) {
        case NPY_BOOL:
        case NPY_U8: out[i] = ((const uint8_t *)a->data)[i]; break;
        case NPY_I16: out[i] = ((const int16_t *)a->data)[i]; break;
        case NPY_U16: out[i] = ((const uint16_t *)a->data)[i]; break;
        case NPY_I32: out[i] = (float)((const int32_t *)a->data)[i]; break;
        case NPY_I64: out[i] = (float)((const int64_t *)a->data)[i]; break;
        case NPY_F64: out[i] = (float)((const double *)a->data)[i]; break;
        case NPY_F32: break;
        }
    }
    free(a->data);
    a->dtype = NPY_F32;
    a->data = out;
    return 0;
}

void io_npy_free(npy_array *a) {
    free(a->data);
    a->data = NULL;
}

int io_npy_write(const char *path, npy_dtype dtype, int ndim, const int64_t *shape, const void *data) {
    return io_npy_write_noted(path, dtype, ndim, shape, data, NULL);
}

int io_npy_write_noted(const char *path, npy_dtype dtype, int ndim, const int64_t *shape, const void *data,
                    const char *note) {
    if (note && (strlen(note) > NPY_NOTE_MAX || strncmp(note, NPY_NOTE_MAGIC, strlen(NPY_NOTE_MAGIC)) ||
                 strchr(note, '\n')))
        return util_err("npy_write: a note is one line starting " NPY_NOTE_MAGIC " of at most %d bytes", NPY_NOTE_MAX);
    const char *descr = NULL;
    for (size_t i = 0; i < N_TYPES; i++)
        if (k_types[i].t == dtype) descr = k_types[i].descr;
    if (!descr || ndim < 0 || ndim > NPY_MAX_DIMS) return util_err("npy_write: bad dtype or rank");
    char dims[256] = "";
    size_t off = 0;
    for (int i = 0; i < ndim; i++)
        off += (size_t)snprintf(dims + off, sizeof dims - off, "%lld,%s", (long long)shape[i],
                                (ndim > 1 && i == ndim - 1) ? "" : (i < ndim - 1 ? " " : ""));
    if (ndim > 1) dims[off - 1] = 0; /* (a, b) not (a, b,) */
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, dims);
    /* pad with spaces so that magic+len+header+'\n' is a multiple of 64 */
    size_t total = 10 + (size_t)n + 1;
    size_t pad = (64 - total % 64) % 64;
    memset(hdr + n, ' ', pad);
    hdr[n + pad] = '\n';
    size_t hlen = (size_t)n + pad + 1;
    size_t count = 0, bytes = 0;
    if (util_size_prod(shape, ndim, &count) || util_size_mul(count, io_npy_itemsize(dtype), &bytes)) return -1;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    atomic_file af;
    if (util_atomic_file_open(&af, path)) return -1;
    util_atomic_file_write(&af, pre, sizeof pre);
    util_atomic_file_write(&af, hdr, hlen);
    util_atomic_file_write(&af, data, bytes);
    if (note) {
        util_atomic_file_write(&af, note, strlen(note));
        util_atomic_file_write(&af, "\n", 1);
    }
    return util_atomic_file_commit(&af);
}
