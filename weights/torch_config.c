/* A baseline checkpoint's config, flattened to text (weights/FORMAT.md, "The config text").
 *
 * The official save_checkpoint stores {'class': 'isegm.model.<module>.<Class>', 'params':
 * {name: {'type': 'builtin' | 'class', 'value': v, 'specified': bool}}}. Each parameter becomes
 * one or more "key=value" lines: nested dicts are joined with dots, tuples and lists become
 * comma lists (a nested one in parentheses), bools true/false, None none, floats %.17g, a
 * 'class'-typed value its class path, an inert object of an unknown class "<object
 * module.Name>". The value graph comes from an untrusted pickle and may share or even contain
 * itself (memo references), so nesting is cut at CONFIG_MAX_DEPTH and the text at
 * CONFIG_MAX_BYTES. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "weights/torch_state.h"

#define CONFIG_MAX_BYTES (1u << 20)
#define CONFIG_MAX_DEPTH 16

typedef struct {
    char *p;
    size_t n, cap;
    int full; /* more than CONFIG_MAX_BYTES: everything after is dropped and the flattening fails */
    int oom;
} tbuf;

static void put(tbuf *b, const char *s, size_t n) {
    if (!n || b->full || b->oom) return;
    if (n > CONFIG_MAX_BYTES - b->n) {
        b->full = 1;
        return;
    }
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void put_str(tbuf *b, const char *s) { put(b, s, strlen(s)); }

static void put_fmt(tbuf *b, const char *fmt, ...) {
    char s[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s, sizeof s, fmt, ap);
    va_end(ap);
    if (n > 0) put(b, s, (size_t)n < sizeof s ? (size_t)n : sizeof s - 1);
}

/* A string as the line format can hold it: control characters become spaces, and in a key
 * '=' becomes '_' (the first '=' of a line ends its key). */
static void put_clean(tbuf *b, const char *s, size_t n, int in_key) {
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if ((unsigned char)ch < 0x20 || ch == 0x7f) ch = ' ';
        else if (in_key && ch == '=') ch = '_';
        put(b, &ch, 1);
    }
}

static const char *global_name(const pk_value *v) {
    switch (v->u.global.g) {
    case PKG_ORDERED_DICT: return "collections.OrderedDict";
    case PKG_REBUILD_TENSOR_V2: return "torch._utils._rebuild_tensor_v2";
    case PKG_REBUILD_PARAMETER: return "torch._utils._rebuild_parameter";
    case PKG_STORAGE_TYPE: break;
    }
    return "torch.Storage";
}

/* One value on a line (dicts here are those nested in sequences: "{key:value,...}"). */
static void put_value(tbuf *b, const pk_value *v, int depth, int in_key) {
    if (depth > CONFIG_MAX_DEPTH) {
        put_str(b, "...");
        return;
    }
    switch (v->type) {
    case PK_NONE: put_str(b, "none"); break;
    case PK_BOOL: put_str(b, v->u.i ? "true" : "false"); break;
    case PK_INT: put_fmt(b, "%" PRId64, v->u.i); break;
    case PK_BIGINT: put_fmt(b, "<int of %zu bytes>", v->u.str.len); break;
    case PK_FLOAT: put_fmt(b, "%.17g", v->u.f); break;
    case PK_STR: put_clean(b, v->u.str.s, v->u.str.len, in_key); break;
    case PK_TUPLE:
    case PK_LIST:
        for (size_t i = 0; i < v->u.seq.n && !b->full; i++) {
            const pk_value *x = v->u.seq.items[i];
            int nested = x->type == PK_TUPLE || x->type == PK_LIST;
            if (i) put_str(b, ",");
            if (nested) put_str(b, "(");
            put_value(b, x, depth + 1, in_key);
            if (nested) put_str(b, ")");
        }
        break;
    case PK_DICT:
        put_str(b, "{");
        for (size_t i = 0; i < v->u.dict.n && !b->full; i++) {
            if (i) put_str(b, ",");
            put_value(b, v->u.dict.keys[i], depth + 1, in_key);
            put_str(b, ":");
            put_value(b, v->u.dict.vals[i], depth + 1, in_key);
        }
        put_str(b, "}");
        break;
    case PK_GLOBAL: put_fmt(b, "<object %s>", global_name(v)); break;
    case PK_OBJECT:
        put_str(b, "<object ");
        put_clean(b, v->u.str.s, v->u.str.len, in_key);
        put_str(b, ">");
        break;
    case PK_STORAGE:
    case PK_TENSOR: put_str(b, "<tensor>"); break;
    }
}

/* key=value lines for v under key (a prefix in k, restored on return); a non-empty dict
 * contributes one line per entry, under "key.name". */
static void flatten(tbuf *b, tbuf *k, const pk_value *v, int depth) {
    if (v->type != PK_DICT || !v->u.dict.n || depth > CONFIG_MAX_DEPTH) {
        put(b, k->p, k->n);
        put_str(b, "=");
        put_value(b, v, depth, 0);
        put_str(b, "\n");
        return;
    }
    size_t keep = k->n;
    for (size_t i = 0; i < v->u.dict.n && !b->full && !k->full; i++) {
        put_str(k, ".");
        put_value(k, v->u.dict.keys[i], depth + 1, 1);
        flatten(b, k, v->u.dict.vals[i], depth + 1);
        k->n = keep;
        if (k->p) k->p[keep] = 0;
    }
}

int weights_torch_config_flatten(const pk_value *config, char **text) {
    *text = NULL;
    const pk_value *cls = weights_pk_dict_get(config, "class"), *params = weights_pk_dict_get(config, "params");
    if (!cls || cls->type != PK_STR || !params || params->type != PK_DICT) return 0;
    tbuf b = {0}, k = {0};
    put_str(&b, "class=");
    put_clean(&b, cls->u.str.s, cls->u.str.len, 0);
    put_str(&b, "\n");
    for (size_t i = 0; i < params->u.dict.n && !b.full; i++) {
        const pk_value *name = params->u.dict.keys[i], *entry = params->u.dict.vals[i];
        const pk_value *type = weights_pk_dict_get(entry, "type"), *value = weights_pk_dict_get(entry, "value");
        k.n = 0;
        put_value(&k, name, 1, 1);
        if (!value) value = entry; /* not the official {'type', 'value', 'specified'}: the value itself */
        if (type && type->type == PK_STR && !strcmp(type->u.str.s, "class") && value->type == PK_OBJECT) {
            /* a class stored as the class itself rather than its path: the path */
            put(&b, k.p, k.n);
            put_str(&b, "=");
            put_clean(&b, value->u.str.s, value->u.str.len, 0);
            put_str(&b, "\n");
        } else {
            flatten(&b, &k, value, 1);
        }
    }
    int rc = 0;
    if (b.oom || k.oom) rc = util_err("out of memory");
    else if (b.full || k.full) rc = util_err("more than %u bytes of config text (a hostile file?)", CONFIG_MAX_BYTES);
    free(k.p);
    if (rc) free(b.p);
    else *text = b.p;
    return rc;
}
