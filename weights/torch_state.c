#include "weights/torch_state.h"

#include <string.h>

#include "util/err.h"
#include "util/mem.h"

/* The ckpt storage already added under this key (torch dedupes storages by key), or -1. */
static int find_storage(const ckpt *c, const pk_value *sv) {
    for (int i = 0; i < c->n_storages; i++)
        if (!strcmp(c->storages[i].key, sv->u.storage.key)) return i;
    return -1;
}

/* Training checkpoints wrap the weights, e.g. {"model": state_dict, "optimizer": ..., "epoch": n}:
 * a dict holding anything but tensors is looked into under "state_dict" or "model". */
static const pk_value *unwrap(const pk_value *dict) {
    for (size_t i = 0; i < dict->u.dict.n; i++)
        if (dict->u.dict.vals[i]->type != PK_TENSOR) {
            const pk_value *inner = pk_dict_get(dict, "state_dict");
            if (!inner || inner->type != PK_DICT) inner = pk_dict_get(dict, "model");
            return inner && inner->type == PK_DICT ? inner : dict;
        }
    return dict;
}

int torch_state_dict(ckpt *c, const pk_value *dict, int (*add_storage)(void *ctx, ckpt *c, const pk_value *storage),
                     void *ctx) {
    if (!dict || dict->type != PK_DICT) return samc_err("%s: the pickle does not hold a state dict", c->label);
    dict = unwrap(dict);
    for (size_t i = 0; i < dict->u.dict.n; i++) {
        const pk_value *k = dict->u.dict.keys[i], *v = dict->u.dict.vals[i];
        if (k->type != PK_STR) return samc_err("%s: state dict key %zu is not a string", c->label, i);
        if (v->type != PK_TENSOR) return samc_err("%s: state dict entry '%s' is not a tensor", c->label, k->u.str.s);
        const pk_value *sv = v->u.tensor.storage;
        if (sv->u.storage.view) return samc_err("%s: tensor '%s' uses a storage view (not supported)", c->label, k->u.str.s);
        int si = find_storage(c, sv);
        if (si >= 0 && (c->storages[si].dtype != sv->u.storage.dtype || c->storages[si].numel != (uint64_t)sv->u.storage.numel))
            return samc_err("%s: tensor '%s': storage '%s' declared twice with different types or sizes", c->label,
                            k->u.str.s, sv->u.storage.key);
        if (si < 0 && (si = add_storage(ctx, c, sv)) < 0) return samc_err_context("%s: tensor '%s'", c->label, k->u.str.s);
        if (ckpt_add_tensor(c, k->u.str.s, si, v->u.tensor.offset, v->u.tensor.ndim, v->u.tensor.shape,
                            v->u.tensor.stride) < 0)
            return -1;
    }
    return 0;
}
