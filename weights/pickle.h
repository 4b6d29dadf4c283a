/* A restricted pickle reader for PyTorch checkpoints. It builds plain values (ints, strings,
 * tuples, dicts) and understands only the few globals a state dict needs: the OrderedDict
 * constructor, torch's tensor rebuild functions and the torch.*Storage dtype tags. Any other
 * global (a training checkpoint's config may pickle objects of arbitrary classes) becomes an
 * inert PK_OBJECT that records its name, and calling, instantiating or setting the state of
 * one (REDUCE, NEWOBJ, BUILD, SETITEMS, APPENDS) gives another inert value: nothing named in
 * the file is ever executed or imported. The readers refuse an inert value wherever they need
 * data (a state dict entry, a tensor argument). Unknown opcodes are refused.
 * All values live in a pk_heap and are freed together. */
#ifndef SAMC_WEIGHTS_PICKLE_H
#define SAMC_WEIGHTS_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "weights/ckpt.h"

typedef enum {
    PK_NONE, PK_BOOL, PK_INT, PK_BIGINT, PK_FLOAT, PK_STR, PK_TUPLE, PK_LIST, PK_DICT,
    PK_GLOBAL,  /* one of the allowed globals (pk_global) */
    PK_STORAGE, /* result of persistent_load(('storage', type, key, location, numel[, view])) */
    PK_TENSOR,  /* result of _rebuild_tensor_v2 */
    PK_OBJECT,  /* an unknown global, or what was made of one: u.str = "module.name", nothing else kept */
} pk_type;

typedef enum { PKG_ORDERED_DICT, PKG_REBUILD_TENSOR_V2, PKG_REBUILD_PARAMETER, PKG_STORAGE_TYPE } pk_global;

typedef struct pk_value pk_value;
struct pk_value {
    pk_type type;
    pk_value *next; /* heap list */
    union {
        int64_t i;                                                   /* BOOL, INT */
        double f;                                                    /* FLOAT */
        struct { char *s; size_t len; } str;                         /* STR (NUL-terminated); BIGINT raw LE bytes; OBJECT */
        struct { pk_value **items; size_t n, cap; } seq;             /* TUPLE, LIST */
        struct { pk_value **keys, **vals; size_t n, cap; } dict;     /* DICT (insertion order) */
        struct { pk_global g; ck_dtype dtype; } global;              /* GLOBAL */
        struct { ck_dtype dtype; const char *key; int64_t numel; pk_value *view; } storage; /* STORAGE */
        struct { pk_value *storage; int64_t offset; int ndim; int64_t shape[CK_MAX_DIMS], stride[CK_MAX_DIMS]; } tensor;
    } u;
};

/* distinct unknown globals a heap remembers by name (more are only counted) */
#define PK_MAX_UNKNOWN 16

typedef struct {
    pk_value *all;
    size_t count;
    char *unknown[PK_MAX_UNKNOWN]; /* "module.name" of each distinct unknown global, in order seen */
    int n_unknown, n_unknown_more;
} pk_heap;

/* Runs one pickle from buf[0..len) up to its STOP. *used = bytes consumed. The result is
 * owned by h. 0, or -1 with an error message (naming the opcode and its offset). */
int weights_pickle_load(pk_heap *h, const uint8_t *buf, size_t len, size_t *used, pk_value **out);
void weights_pk_heap_free(pk_heap *h);

/* The value stored under a string key of a dict, or NULL. */
pk_value *weights_pk_dict_get(const pk_value *d, const char *key);

#endif
