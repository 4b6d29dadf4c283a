#include "weights/torch_state.h"

#include <stdlib.h>

#include "util/err.h"
#include "util/mem.h"

int torch_state_dict(ckpt *c, const pk_value *dict, int (*add_storage)(void *ctx, ckpt *c, const pk_value *storage),
                     void *ctx) {
    if (!dict || dict->type != PK_DICT) return samc_err("%s: the pickle does not hold a state dict", c->label);
    size_t n = dict->u.dict.n;
    /* storages already added: pickle value -> ckpt index (tensors may share one) */
    const pk_value **seen = xmalloc_array(n ? n : 1, sizeof *seen);
    int *seen_idx = xmalloc_array(n ? n : 1, sizeof *seen_idx);
    size_t nseen = 0;
    int rc = (seen && seen_idx) ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const pk_value *k = dict->u.dict.keys[i], *v = dict->u.dict.vals[i];
        if (k->type != PK_STR) {
            rc = samc_err("%s: state dict key %zu is not a string", c->label, i);
            break;
        }
        if (v->type != PK_TENSOR) {
            rc = samc_err("%s: state dict entry '%s' is not a tensor", c->label, k->u.str.s);
            break;
        }
        const pk_value *sv = v->u.tensor.storage;
        int si = -1;
        for (size_t j = 0; j < nseen; j++)
            if (seen[j] == sv) si = seen_idx[j];
        if (si < 0) {
            si = add_storage(ctx, c, sv);
            if (si < 0) {
                rc = samc_err_context("%s: tensor '%s'", c->label, k->u.str.s);
                break;
            }
            seen[nseen] = sv;
            seen_idx[nseen++] = si;
        }
        if (ckpt_add_tensor(c, k->u.str.s, si, v->u.tensor.offset, v->u.tensor.ndim, v->u.tensor.shape,
                            v->u.tensor.stride) < 0)
            rc = -1;
    }
    free(seen);
    free(seen_idx);
    return rc;
}
