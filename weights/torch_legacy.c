/* PyTorch's legacy (non-zip) checkpoint, torch < 1.6 or _use_new_zipfile_serialization=False
 * (sam-reference.md §6.5): five pickles back to back (magic number, protocol version,
 * sys_info, the state dict, the sorted list of storage keys), then for each key in that list
 * an int64 element count followed by the storage's raw bytes. */
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "weights/ckpt.h"
#include "weights/pickle.h"
#include "weights/torch_state.h"

/* 0x1950a86a20f9469cfc6c as 10 little-endian bytes (a LONG1 in the first pickle) */
static const uint8_t k_magic[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};

static int legacy_add_storage(void *ctx, ckpt *c, const pk_value *s) {
    (void)ctx;
    return weights_ckpt_add_storage(c, s->u.storage.dtype, (uint64_t)s->u.storage.numel, s->u.storage.key);
}

/* The next pickle from *pos; advances it. */
static int next_pickle(ckpt *c, pk_heap *h, size_t *pos, pk_value **out, const char *what) {
    size_t used = 0;
    if (weights_pickle_load(h, c->buf + *pos, c->len - *pos, &used, out)) return util_err_context("%s: %s", c->label,
        what);
    *pos += used;
    return 0;
}

/* Walks the storage records that follow the key list, pointing each storage at its bytes. */
static int read_records(ckpt *c, const pk_value *keys, size_t pos) {
    if (keys->type != PK_LIST) return util_err("%s: storage key list is not a list", c->label);
    /* each listed key names a distinct storage, so a longer list is wrong (and would be slow) */
    if (keys->u.seq.n != (size_t)c->n_storages)
        return util_err("%s: %zu storage records listed for %d storages", c->label, keys->u.seq.n, c->n_storages);
    for (size_t i = 0; i < keys->u.seq.n; i++) {
        const pk_value *k = keys->u.seq.items[i];
        if (k->type != PK_STR) return util_err("%s: storage key %zu is not a string", c->label, i);
        ck_storage *s = NULL;
        for (int j = 0; j < c->n_storages && !s; j++)
            if (!strcmp(c->storages[j].key, k->u.str.s)) s = &c->storages[j];
        if (!s) return util_err("%s: storage '%s' is listed but used by no tensor", c->label, k->u.str.s);
        if (s->bytes) return util_err("%s: storage '%s' is listed twice", c->label, s->key);
        if (c->len - pos < 8) return util_err("%s: truncated before storage '%s'", c->label, s->key);
        uint64_t count = 0;
        for (int b = 7; b >= 0; b--) count = count << 8 | c->buf[pos + (size_t)b];
        pos += 8;
        if (count != s->numel)
            return util_err("%s: storage '%s' record holds %llu elements, the pickle says %llu", c->label, s->key,
                            (unsigned long long)count, (unsigned long long)s->numel);
        size_t isz = weights_ck_itemsize(s->dtype);
        if (count > (c->len - pos) / isz)
            return util_err("%s: storage '%s' (%llu elements) runs past the end of the file (truncated)", c->label,
                            s->key, (unsigned long long)count);
        s->bytes = c->buf + pos;
        pos += (size_t)count * isz;
    }
    for (int j = 0; j < c->n_storages; j++)
        if (!c->storages[j].bytes) return util_err("%s: storage '%s' has no data record", c->label, c->storages[j].key);
    return 0;
}

int weights_torch_legacy_read(ckpt *c) {
    pk_heap h = {0};
    pk_value *magic = NULL, *proto = NULL, *sys = NULL, *dict = NULL, *keys = NULL;
    size_t pos = 0;
    int rc = next_pickle(c, &h, &pos, &magic, "magic number");
    if (!rc && (magic->type != PK_BIGINT || magic->u.str.len != 10 || memcmp(magic->u.str.s, k_magic, 10)))
        rc = util_err("%s: bad legacy torch magic number", c->label);
    if (!rc) rc = next_pickle(c, &h, &pos, &proto, "protocol version");
    if (!rc && (proto->type != PK_INT || proto->u.i != 1001))
        rc = util_err("%s: unsupported legacy torch protocol version", c->label);
    if (!rc) rc = next_pickle(c, &h, &pos, &sys, "sys_info");
    if (!rc) {
        const pk_value *le = weights_pk_dict_get(sys, "little_endian");
        if (!le || le->type != PK_BOOL) rc = util_err("%s: sys_info lacks little_endian", c->label);
        else c->big_endian = !le->u.i;
    }
    if (!rc) rc = next_pickle(c, &h, &pos, &dict, "state dict");
    if (!rc) rc = weights_torch_note_unknown(c, &h) || weights_torch_state_dict(c, dict, legacy_add_storage,
        NULL) ? -1 : 0;
    if (!rc) rc = next_pickle(c, &h, &pos, &keys, "storage key list");
    if (!rc) rc = read_records(c, keys, pos);
    weights_pk_heap_free(&h);
    return rc;
}
