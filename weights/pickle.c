#include "weights/pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

/* A state dict needs a stack of a few thousand items (SETITEMS batches of 1000 pairs). */
#define PK_MAX_STACK (1u << 20)
#define PK_MAX_MARKS (1u << 16)
#define PK_MAX_NAME 256

typedef struct {
    pk_heap *h;
    const uint8_t *buf;
    size_t len, pos, op_pos;
    pk_value **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    pk_value **memo;
    size_t mmcap, memo_count;
} pk_vm;

static int vm_err(const pk_vm *vm, const char *what) {
    return util_err("pickle: %s (opcode 0x%02x at byte %zu)", what, vm->buf[vm->op_pos], vm->op_pos);
}

static pk_value *pk_new(pk_vm *vm, pk_type t) {
    pk_value *v = calloc(1, sizeof *v);
    if (!v) {
        util_err("out of memory in pickle");
        return NULL;
    }
    v->type = t;
    v->next = vm->h->all;
    vm->h->all = v;
    vm->h->count++;
    return v;
}

void weights_pk_heap_free(pk_heap *h) {
    for (pk_value *v = h->all, *next; v; v = next) {
        next = v->next;
        if (v->type == PK_STR || v->type == PK_BIGINT || v->type == PK_OBJECT) free(v->u.str.s);
        if (v->type == PK_TUPLE || v->type == PK_LIST) free(v->u.seq.items);
        if (v->type == PK_DICT) {
            free(v->u.dict.keys);
            free(v->u.dict.vals);
        }
        free(v);
    }
    for (int i = 0; i < h->n_unknown; i++) free(h->unknown[i]);
    memset(h, 0, sizeof *h);
}

/* ---- byte reading ---- */

static int need(pk_vm *vm, size_t n) {
    if (n > vm->len - vm->pos) return vm_err(vm, "truncated pickle");
    return 0;
}
static uint64_t rd_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static int arg_le(pk_vm *vm, int n, uint64_t *v) {
    if (need(vm, (size_t)n)) return -1;
    *v = rd_le(vm->buf + vm->pos, n);
    vm->pos += (size_t)n;
    return 0;
}

/* ---- stack, marks and memo ---- */

static int push(pk_vm *vm, pk_value *v) {
    if (!v) return -1;
    if (vm->sp == vm->scap) {
        if (vm->scap >= PK_MAX_STACK) return vm_err(vm, "stack too deep");
        size_t cap = vm->scap ? vm->scap * 2 : 64;
        pk_value **s = realloc(vm->stack, cap * sizeof *s);
        if (!s) return util_err("out of memory in pickle");
        vm->stack = s;
        vm->scap = cap;
    }
    vm->stack[vm->sp++] = v;
    return 0;
}
static pk_value *pop(pk_vm *vm) {
    if (vm->sp == 0 || (vm->nmarks && vm->sp == vm->marks[vm->nmarks - 1])) {
        vm_err(vm, "stack underflow");
        return NULL;
    }
    return vm->stack[--vm->sp];
}
static pk_value *top(pk_vm *vm) {
    if (vm->sp == 0 || (vm->nmarks && vm->sp == vm->marks[vm->nmarks - 1])) {
        vm_err(vm, "stack underflow");
        return NULL;
    }
    return vm->stack[vm->sp - 1];
}
static int mark(pk_vm *vm) {
    if (vm->nmarks == vm->mcap) {
        if (vm->mcap >= PK_MAX_MARKS) return vm_err(vm, "too many nested marks");
        size_t cap = vm->mcap ? vm->mcap * 2 : 16;
        size_t *m = realloc(vm->marks, cap * sizeof *m);
        if (!m) return util_err("out of memory in pickle");
        vm->marks = m;
        vm->mcap = cap;
    }
    vm->marks[vm->nmarks++] = vm->sp;
    return 0;
}
/* Pops back to the last MARK; the items above it are stack[*first .. sp_before). */
static int pop_mark(pk_vm *vm, size_t *first, size_t *n) {
    if (!vm->nmarks) return vm_err(vm, "no MARK on the stack");
    *first = vm->marks[--vm->nmarks];
    *n = vm->sp - *first;
    vm->sp = *first;
    return 0;
}

static int memo_put(pk_vm *vm, uint64_t idx) {
    pk_value *v = top(vm);
    if (!v) return -1;
    /* a real pickle numbers its memo entries 0,1,2,... and each PUT costs at least 2 bytes */
    if (idx >= vm->len) return vm_err(vm, "memo index out of range");
    if (idx >= vm->mmcap) {
        size_t cap = vm->mmcap ? vm->mmcap : 64;
        while (cap <= idx) cap *= 2;
        pk_value **m = realloc(vm->memo, cap * sizeof *m);
        if (!m) return util_err("out of memory in pickle");
        memset(m + vm->mmcap, 0, (cap - vm->mmcap) * sizeof *m);
        vm->memo = m;
        vm->mmcap = cap;
    }
    if (!vm->memo[idx]) vm->memo_count++;
    vm->memo[idx] = v;
    return 0;
}
static int memo_get(pk_vm *vm, uint64_t idx) {
    if (idx >= vm->mmcap || !vm->memo[idx]) return vm_err(vm, "memo index not set");
    return push(vm, vm->memo[idx]);
}

/* ---- value constructors ---- */

static pk_value *new_int(pk_vm *vm, int64_t i) {
    pk_value *v = pk_new(vm, PK_INT);
    if (v) v->u.i = i;
    return v;
}
static pk_value *new_bytes(pk_vm *vm, pk_type t, const uint8_t *p, size_t n) {
    pk_value *v = pk_new(vm, t);
    if (!v) return NULL;
    v->u.str.s = util_xmalloc_array(n + 1, 1);
    if (!v->u.str.s) return NULL;
    memcpy(v->u.str.s, p, n);
    v->u.str.s[n] = 0;
    v->u.str.len = n;
    return v;
}
static pk_value *new_seq(pk_vm *vm, pk_type t, pk_value **items, size_t n) {
    pk_value *v = pk_new(vm, t);
    if (!v) return NULL;
    v->u.seq.items = util_xmalloc_array(n ? n : 1, sizeof *items);
    if (!v->u.seq.items) return NULL;
    if (n) memcpy(v->u.seq.items, items, n * sizeof *items);
    v->u.seq.n = v->u.seq.cap = n;
    return v;
}
static int seq_append(pk_value *l, pk_value *x) {
    if (l->u.seq.n == l->u.seq.cap) {
        size_t cap = l->u.seq.cap ? l->u.seq.cap * 2 : 8;
        pk_value **it = realloc(l->u.seq.items, cap * sizeof *it);
        if (!it) return util_err("out of memory in pickle");
        l->u.seq.items = it;
        l->u.seq.cap = cap;
    }
    l->u.seq.items[l->u.seq.n++] = x;
    return 0;
}
/* Appends without looking for an existing key (that would be quadratic on hostile input); a
 * state dict never repeats a key, and weights_ckpt_add_tensor refuses repeats. */
static int dict_set(pk_value *d, pk_value *k, pk_value *v) {
    if (d->u.dict.n == d->u.dict.cap) {
        size_t cap = d->u.dict.cap ? d->u.dict.cap * 2 : 8;
        pk_value **ks = realloc(d->u.dict.keys, cap * sizeof *ks);
        if (!ks) return util_err("out of memory in pickle");
        d->u.dict.keys = ks;
        pk_value **vs = realloc(d->u.dict.vals, cap * sizeof *vs);
        if (!vs) return util_err("out of memory in pickle");
        d->u.dict.vals = vs;
        d->u.dict.cap = cap;
    }
    d->u.dict.keys[d->u.dict.n] = k;
    d->u.dict.vals[d->u.dict.n++] = v;
    return 0;
}

pk_value *weights_pk_dict_get(const pk_value *d, const char *key) {
    if (!d || d->type != PK_DICT) return NULL;
    for (size_t i = 0; i < d->u.dict.n; i++)
        if (d->u.dict.keys[i]->type == PK_STR && !strcmp(d->u.dict.keys[i]->u.str.s, key)) return d->u.dict.vals[i];
    return NULL;
}

/* ---- the allowed globals: the security boundary ---- */

/* An inert value standing for an unknown global "module.name" or anything made from one. */
static pk_value *new_object(pk_vm *vm, const char *path) {
    pk_value *v = new_bytes(vm, PK_STR, (const uint8_t *)path, strlen(path));
    if (v) v->type = PK_OBJECT;
    return v;
}

/* Remembers an unknown global's name for the readers to report (linear in at most
 * PK_MAX_UNKNOWN names, so a hostile file naming thousands costs nothing). */
static int note_unknown(pk_heap *h, const char *path) {
    for (int i = 0; i < h->n_unknown; i++)
        if (!strcmp(h->unknown[i], path)) return 0;
    if (h->n_unknown == PK_MAX_UNKNOWN) {
        h->n_unknown_more++;
        return 0;
    }
    if (!(h->unknown[h->n_unknown] = strdup(path))) return util_err("out of memory in pickle");
    h->n_unknown++;
    return 0;
}

static const struct {
    const char *name;
    ck_dtype dtype;
} k_storage_types[] = {
    {"FloatStorage", CK_F32}, {"HalfStorage", CK_F16}, {"BFloat16Storage", CK_BF16}, {"DoubleStorage", CK_F64},
    {"LongStorage", CK_I64},  {"IntStorage", CK_I32},  {"ShortStorage", CK_I16},     {"CharStorage", CK_I8},
    {"ByteStorage", CK_U8},   {"BoolStorage", CK_BOOL},
};

static int resolve_global(pk_vm *vm, const char *module, const char *name) {
    if (strlen(module) > PK_MAX_NAME || strlen(name) > PK_MAX_NAME) return vm_err(vm, "global name too long");
    pk_value *v = pk_new(vm, PK_GLOBAL);
    if (!v) return -1;
    if (!strcmp(module, "collections") && !strcmp(name, "OrderedDict")) {
        v->u.global.g = PKG_ORDERED_DICT;
    } else if (!strcmp(module, "torch._utils") && !strcmp(name, "_rebuild_tensor_v2")) {
        v->u.global.g = PKG_REBUILD_TENSOR_V2;
    } else if (!strcmp(module, "torch._utils") && !strcmp(name, "_rebuild_parameter")) {
        v->u.global.g = PKG_REBUILD_PARAMETER;
    } else {
        int found = 0;
        if (!strcmp(module, "torch"))
            for (size_t i = 0; i < sizeof k_storage_types / sizeof k_storage_types[0]; i++)
                if (!strcmp(name, k_storage_types[i].name)) {
                    v->u.global.g = PKG_STORAGE_TYPE;
                    v->u.global.dtype = k_storage_types[i].dtype;
                    found = 1;
                }
        if (!found) { /* not imported: an inert stand-in that only remembers the name */
            char path[2 * PK_MAX_NAME + 2];
            snprintf(path, sizeof path, "%s.%s", module, name);
            if (note_unknown(vm->h, path)) return -1;
            v = new_object(vm, path);
        }
    }
    return push(vm, v);
}

/* GLOBAL: "module\nname\n" inline. */
static int op_global(pk_vm *vm) {
    char parts[2][PK_MAX_NAME + 1];
    for (int k = 0; k < 2; k++) {
        size_t n = 0;
        for (;;) {
            if (need(vm, 1)) return -1;
            uint8_t ch = vm->buf[vm->pos++];
            if (ch == '\n') break;
            if (n == PK_MAX_NAME || ch == 0) return vm_err(vm, "bad GLOBAL name");
            parts[k][n++] = (char)ch;
        }
        parts[k][n] = 0;
    }
    return resolve_global(vm, parts[0], parts[1]);
}

static int op_stack_global(pk_vm *vm) {
    pk_value *name = pop(vm), *module = name ? pop(vm) : NULL;
    if (!module) return -1;
    if (name->type != PK_STR || module->type != PK_STR) return vm_err(vm, "STACK_GLOBAL needs two strings");
    return resolve_global(vm, module->u.str.s, name->u.str.s);
}

/* An int tuple (size or stride) into dims; ndim checked. */
static int int_tuple(pk_vm *vm, const pk_value *t, int64_t *dims, int *ndim, const char *what) {
    if (t->type != PK_TUPLE) return util_err("pickle: tensor %s is not a tuple (byte %zu)", what, vm->op_pos);
    if (t->u.seq.n > CK_MAX_DIMS)
        return util_err("pickle: tensor has %zu dims (max %d) (byte %zu)", t->u.seq.n, CK_MAX_DIMS, vm->op_pos);
    for (size_t i = 0; i < t->u.seq.n; i++) {
        const pk_value *x = t->u.seq.items[i];
        if (x->type != PK_INT || x->u.i < 0)
            return util_err("pickle: tensor %s entry %zu is not a non-negative int (byte %zu)", what, i, vm->op_pos);
        dims[i] = x->u.i;
    }
    *ndim = (int)t->u.seq.n;
    return 0;
}

/* _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]) */
static pk_value *rebuild_tensor(pk_vm *vm, const pk_value *args) {
    if (args->u.seq.n != 6 && args->u.seq.n != 7) {
        vm_err(vm, "_rebuild_tensor_v2 takes 6 or 7 arguments");
        return NULL;
    }
    pk_value *const *a = args->u.seq.items;
    if (a[0]->type != PK_STORAGE || a[1]->type != PK_INT || a[1]->u.i < 0) {
        vm_err(vm, "_rebuild_tensor_v2: bad storage or offset");
        return NULL;
    }
    pk_value *t = pk_new(vm, PK_TENSOR);
    if (!t) return NULL;
    t->u.tensor.storage = a[0];
    t->u.tensor.offset = a[1]->u.i;
    int nstride = 0;
    if (int_tuple(vm, a[2], t->u.tensor.shape, &t->u.tensor.ndim, "size") ||
        int_tuple(vm, a[3], t->u.tensor.stride, &nstride, "stride"))
        return NULL;
    if (nstride != t->u.tensor.ndim) {
        vm_err(vm, "_rebuild_tensor_v2: size and stride differ in length");
        return NULL;
    }
    return t;
}

static int op_reduce(pk_vm *vm) {
    pk_value *args = pop(vm), *fn = args ? pop(vm) : NULL;
    if (!fn) return -1;
    if (fn->type == PK_OBJECT && args->type == PK_TUPLE) return push(vm, new_object(vm, fn->u.str.s)); /* not called */
    if (fn->type != PK_GLOBAL || args->type != PK_TUPLE) return vm_err(vm, "REDUCE needs an allowed global and a tuple");
    switch (fn->u.global.g) {
    case PKG_ORDERED_DICT:
        if (args->u.seq.n != 0) return vm_err(vm, "OrderedDict() with arguments");
        return push(vm, pk_new(vm, PK_DICT));
    case PKG_REBUILD_TENSOR_V2:
        return push(vm, rebuild_tensor(vm, args));
    case PKG_REBUILD_PARAMETER: /* (data, requires_grad, backward_hooks) -> data */
        if (args->u.seq.n != 3 || args->u.seq.items[0]->type != PK_TENSOR)
            return vm_err(vm, "_rebuild_parameter needs (tensor, requires_grad, hooks)");
        return push(vm, args->u.seq.items[0]);
    case PKG_STORAGE_TYPE:
        break;
    }
    return vm_err(vm, "a storage type cannot be called");
}

/* persistent_load(('storage', storage_type, key, location, numel[, view_metadata])) */
static int op_binpersid(pk_vm *vm) {
    pk_value *pid = pop(vm);
    if (!pid) return -1;
    if (pid->type != PK_TUPLE || (pid->u.seq.n != 5 && pid->u.seq.n != 6))
        return vm_err(vm, "persistent id is not a 5- or 6-tuple");
    pk_value *const *a = pid->u.seq.items;
    if (a[0]->type != PK_STR || strcmp(a[0]->u.str.s, "storage")) return vm_err(vm, "persistent id is not a storage");
    if (a[1]->type != PK_GLOBAL || a[1]->u.global.g != PKG_STORAGE_TYPE) return vm_err(vm, "storage without a storage type");
    if (a[2]->type != PK_STR || a[3]->type != PK_STR || a[4]->type != PK_INT || a[4]->u.i < 0)
        return vm_err(vm, "bad storage key, location or size");
    pk_value *s = pk_new(vm, PK_STORAGE);
    if (!s) return -1;
    s->u.storage.dtype = a[1]->u.global.dtype;
    s->u.storage.key = a[2]->u.str.s;
    s->u.storage.numel = a[4]->u.i;
    s->u.storage.view = pid->u.seq.n == 6 && a[5]->type != PK_NONE ? a[5] : NULL;
    return push(vm, s);
}

static int op_string(pk_vm *vm, int len_bytes) {
    uint64_t n = 0;
    if (arg_le(vm, len_bytes, &n) || need(vm, n)) return -1;
    const uint8_t *p = vm->buf + vm->pos;
    if (memchr(p, 0, n)) return vm_err(vm, "string with a NUL byte");
    vm->pos += n;
    return push(vm, new_bytes(vm, PK_STR, p, n));
}

static int op_long1(pk_vm *vm) {
    uint64_t n = 0;
    if (arg_le(vm, 1, &n) || need(vm, n)) return -1;
    const uint8_t *p = vm->buf + vm->pos;
    vm->pos += n;
    if (n > 8) return push(vm, new_bytes(vm, PK_BIGINT, p, n));
    uint64_t u = rd_le(p, (int)n);
    if (n && n < 8 && (p[n - 1] & 0x80)) u |= ~(uint64_t)0 << (8 * n); /* sign-extend */
    return push(vm, new_int(vm, (int64_t)u));
}

static int op_binfloat(pk_vm *vm) {
    if (need(vm, 8)) return -1;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u = u << 8 | vm->buf[vm->pos + i]; /* big-endian */
    vm->pos += 8;
    pk_value *v = pk_new(vm, PK_FLOAT);
    if (!v) return -1;
    memcpy(&v->u.f, &u, sizeof u);
    return push(vm, v);
}

static int op_tuple_n(pk_vm *vm, size_t n) {
    if (vm->sp < n || (vm->nmarks && vm->sp - n < vm->marks[vm->nmarks - 1])) return vm_err(vm, "stack underflow");
    vm->sp -= n;
    return push(vm, new_seq(vm, PK_TUPLE, n ? vm->stack + vm->sp : NULL, n));
}

static int op_tuple_mark(pk_vm *vm) {
    size_t first = 0, n = 0;
    if (pop_mark(vm, &first, &n)) return -1;
    return push(vm, new_seq(vm, PK_TUPLE, n ? vm->stack + first : NULL, n));
}

static int op_setitems(pk_vm *vm, int from_mark) {
    size_t first = 0, n = 2;
    if (from_mark) {
        if (pop_mark(vm, &first, &n)) return -1;
    } else {
        if (vm->sp < 2 || (vm->nmarks && vm->sp - 2 < vm->marks[vm->nmarks - 1])) return vm_err(vm, "stack underflow");
        first = vm->sp -= 2;
    }
    if (n % 2) return vm_err(vm, "SETITEMS with an odd number of items");
    pk_value *d = top(vm);
    if (!d) return -1;
    if (d->type == PK_OBJECT) return 0; /* an unknown dict subclass: its items are dropped */
    if (d->type != PK_DICT) return vm_err(vm, "SETITEM on something that is not a dict");
    for (size_t i = 0; i < n; i += 2)
        if (dict_set(d, vm->stack[first + i], vm->stack[first + i + 1])) return -1;
    return 0;
}

static int op_appends(pk_vm *vm, int from_mark) {
    size_t first = 0, n = 1;
    if (from_mark) {
        if (pop_mark(vm, &first, &n)) return -1;
    } else {
        if (vm->sp < 1 || (vm->nmarks && vm->sp - 1 < vm->marks[vm->nmarks - 1])) return vm_err(vm, "stack underflow");
        first = --vm->sp;
    }
    pk_value *l = top(vm);
    if (!l) return -1;
    if (l->type == PK_OBJECT) return 0; /* an unknown list subclass: its items are dropped */
    if (l->type != PK_LIST) return vm_err(vm, "APPEND on something that is not a list");
    for (size_t i = 0; i < n; i++)
        if (seq_append(l, vm->stack[first + i])) return -1;
    return 0;
}

/* NEWOBJ: cls.__new__(cls, *args), only ever of an unknown class: an inert instance. */
static int op_newobj(pk_vm *vm) {
    pk_value *args = pop(vm), *cls = args ? pop(vm) : NULL;
    if (!cls) return -1;
    if (cls->type != PK_OBJECT || args->type != PK_TUPLE) return vm_err(vm, "NEWOBJ needs an unknown class and a tuple");
    return push(vm, new_object(vm, cls->u.str.s));
}

static int op_build(pk_vm *vm) {
    pk_value *state = pop(vm), *obj = state ? top(vm) : NULL;
    if (!obj) return -1;
    /* OrderedDict._metadata, a tensor's Python attributes and an unknown object's __dict__
     * mean nothing to samc: the state is dropped */
    if (obj->type != PK_DICT && obj->type != PK_TENSOR && obj->type != PK_OBJECT)
        return vm_err(vm, "BUILD on an unexpected object");
    return 0;
}

/* One opcode; 1 at STOP, 0 to continue, -1 on error. */
static int step(pk_vm *vm) {
    uint64_t a = 0;
    vm->op_pos = vm->pos;
    uint8_t op = vm->buf[vm->pos++];
    switch (op) {
    case 0x80: /* PROTO */
        if (arg_le(vm, 1, &a)) return -1;
        return a > 5 ? vm_err(vm, "unsupported pickle protocol") : 0;
    case 0x95: /* FRAME: a length hint only */
        return arg_le(vm, 8, &a);
    case 'c': return op_global(vm);
    case 0x93: return op_stack_global(vm);
    case 'q': return arg_le(vm, 1, &a) ? -1 : memo_put(vm, a);
    case 'r': return arg_le(vm, 4, &a) ? -1 : memo_put(vm, a);
    case 0x94: return memo_put(vm, vm->memo_count); /* MEMOIZE */
    case 'h': return arg_le(vm, 1, &a) ? -1 : memo_get(vm, a);
    case 'j': return arg_le(vm, 4, &a) ? -1 : memo_get(vm, a);
    case '(': return mark(vm);
    case 't': return op_tuple_mark(vm);
    case ')': return op_tuple_n(vm, 0);
    case 0x85: return op_tuple_n(vm, 1);
    case 0x86: return op_tuple_n(vm, 2);
    case 0x87: return op_tuple_n(vm, 3);
    case '}': return push(vm, pk_new(vm, PK_DICT));
    case ']': return push(vm, new_seq(vm, PK_LIST, NULL, 0));
    case 's': return op_setitems(vm, 0);
    case 'u': return op_setitems(vm, 1);
    case 'a': return op_appends(vm, 0);
    case 'e': return op_appends(vm, 1);
    case 'J': return arg_le(vm, 4, &a) ? -1 : push(vm, new_int(vm, (int32_t)(uint32_t)a));
    case 'K': return arg_le(vm, 1, &a) ? -1 : push(vm, new_int(vm, (int64_t)a));
    case 'M': return arg_le(vm, 2, &a) ? -1 : push(vm, new_int(vm, (int64_t)a));
    case 0x8a: return op_long1(vm);
    case 'X': return op_string(vm, 4);
    case 0x8c: return op_string(vm, 1);
    case 0x8d: return op_string(vm, 8); /* BINUNICODE8 */
    case 'G': return op_binfloat(vm);
    case 0x88:
    case 0x89: {
        pk_value *v = pk_new(vm, PK_BOOL);
        if (v) v->u.i = op == 0x88;
        return push(vm, v);
    }
    case 'N': return push(vm, pk_new(vm, PK_NONE));
    case 'R': return op_reduce(vm);
    case 0x81: return op_newobj(vm);
    case 'Q': return op_binpersid(vm);
    case 'b': return op_build(vm);
    case '.': return 1;
    default: {
        char what[64];
        snprintf(what, sizeof what, "unsupported opcode '%c'", op >= 32 && op < 127 ? op : '?');
        return vm_err(vm, what);
    }
    }
}

int weights_pickle_load(pk_heap *h, const uint8_t *buf, size_t len, size_t *used, pk_value **out) {
    pk_vm vm;
    memset(&vm, 0, sizeof vm);
    vm.h = h;
    vm.buf = buf;
    vm.len = len;
    *out = NULL;
    int rc = 0;
    while (rc == 0) {
        if (vm.pos >= len) {
            rc = util_err("pickle: truncated (no STOP within %zu bytes)", len);
            break;
        }
        rc = step(&vm);
    }
    if (rc == 1) {
        *out = pop(&vm);
        rc = *out ? 0 : -1;
        if (used) *used = vm.pos;
    }
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    return rc;
}
