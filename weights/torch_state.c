#include "weights/torch_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"

/* The ckpt storage already added under this key (torch dedupes storages by key), or -1. */
static int find_storage(const ckpt *c, const pk_value *sv) {
    for (int i = 0; i < c->n_storages; i++)
        if (!strcmp(c->storages[i].key, sv->u.storage.key)) return i;
    return -1;
}

/* Training checkpoints wrap the weights, e.g. {"model": state_dict, "optimizer": ..., "epoch": n}
 * or the baselines' {"state_dict": ..., "config": ...}: a dict holding anything but tensors is
 * looked into under "state_dict" or "model". */
static const pk_value *unwrap(const pk_value *dict) {
    for (size_t i = 0; i < dict->u.dict.n; i++)
        if (dict->u.dict.vals[i]->type != PK_TENSOR) {
            const pk_value *inner = weights_pk_dict_get(dict, "state_dict");
            if (!inner || inner->type != PK_DICT) inner = weights_pk_dict_get(dict, "model");
            return inner && inner->type == PK_DICT ? inner : dict;
        }
    return dict;
}

int weights_torch_state_dict(ckpt *c, const pk_value *root, int (*add_storage)(void *ctx, ckpt *c,
                             const pk_value *storage),
                     void *ctx) {
    if (root && root->type == PK_OBJECT)
        return util_err("%s: the pickle holds an object of the unknown class '%s', not a state dict (refused; "
                        "nothing was imported or called)", c->label, root->u.str.s);
    if (!root || root->type != PK_DICT) return util_err("%s: the pickle does not hold a state dict", c->label);
    const pk_value *dict = unwrap(root);
    if (dict != root) {
        const pk_value *config = weights_pk_dict_get(root, "config");
        if (config && weights_torch_config_flatten(config, &c->config)) return util_err_context("%s: config", c->label);
    }
    for (size_t i = 0; i < dict->u.dict.n; i++) {
        const pk_value *k = dict->u.dict.keys[i], *v = dict->u.dict.vals[i];
        if (k->type != PK_STR) return util_err("%s: state dict key %zu is not a string", c->label, i);
        if (v->type == PK_OBJECT)
            return util_err("%s: state dict entry '%s' is an object of the unknown class '%s', not a tensor "
                            "(refused; nothing was imported or called)", c->label, k->u.str.s, v->u.str.s);
        if (v->type != PK_TENSOR) return util_err("%s: state dict entry '%s' is not a tensor", c->label, k->u.str.s);
        const pk_value *sv = v->u.tensor.storage;
        if (sv->u.storage.view) return util_err("%s: tensor '%s' uses a storage view (not supported)", c->label,
            k->u.str.s);
        int si = find_storage(c, sv);
        if (si >= 0 && (c->storages[si].dtype != sv->u.storage.dtype || c->storages[si].numel != (uint64_t)sv->u.storage.numel))
            return util_err("%s: tensor '%s': storage '%s' declared twice with different types or sizes", c->label,
                            k->u.str.s, sv->u.storage.key);
        if (si < 0 && (si = add_storage(ctx, c, sv)) < 0) return util_err_context("%s: tensor '%s'", c->label,
            k->u.str.s);
        if (weights_ckpt_add_tensor(c, k->u.str.s, si, v->u.tensor.offset, v->u.tensor.ndim, v->u.tensor.shape,
                            v->u.tensor.stride) < 0)
            return -1;
    }
    return 0;
}

int weights_torch_note_unknown(ckpt *c, const pk_heap *h) {
    if (!h->n_unknown) return 0;
    size_t n = 32;
    for (int i = 0; i < h->n_unknown; i++) n += strlen(h->unknown[i]) + 2;
    char *s = util_xmalloc_array(n, 1);
    if (!s) return -1;
    size_t k = 0;
    for (int i = 0; i < h->n_unknown; i++) k += (size_t)snprintf(s + k, n - k, "%s%s", i ? ", " : "", h->unknown[i]);
    if (h->n_unknown_more) snprintf(s + k, n - k, " and %d more", h->n_unknown_more);
    free(c->unknown);
    c->unknown = s;
    return 0;
}
