#include "weights/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/mem.h"
#include "weights/ckpt.h"
#include "weights/sam_config.h"
#include "weights/samw_write.h"

typedef struct {
    const ckpt *c;
    const ck_tensor **src; /* src[i] holds keys[i] */
} convert_ctx;

static int fill_tensor(void *vctx, int i, float *out) {
    const convert_ctx *ctx = vctx;
    return ckpt_read_f32(ctx->c, ctx->src[i], out);
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? "," : "", (long long)shape[d]);
    if (k < n) snprintf(buf + k, n - k, "]");
}

/* Matches every expected key to a checkpoint tensor of exactly its shape; refuses leftovers. */
static int match_keys(const ckpt *c, const sam_key *keys, int n, const ck_tensor **src) {
    for (int i = 0; i < n; i++) {
        const ck_tensor *t = ckpt_find(c, keys[i].name);
        if (!t) return samc_err("%s: tensor '%s' is missing", c->label, keys[i].name);
        int same = t->ndim == keys[i].ndim;
        for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == keys[i].shape[d];
        if (!same) {
            char have[160], want[160];
            shape_str(have, sizeof have, t->ndim, t->shape);
            shape_str(want, sizeof want, keys[i].ndim, keys[i].shape);
            return samc_err("%s: tensor '%s' has shape %s, expected %s for the model inferred from the other tensors",
                            c->label, keys[i].name, have, want);
        }
        src[i] = t;
    }
    for (int j = 0; j < c->n_tensors; j++) {
        const char *name = c->tensors[j].name;
        int known = 0;
        for (int i = 0; i < n && !known; i++) known = src[i] == &c->tensors[j];
        if (!known) return samc_err("%s: unexpected tensor '%s' (not part of a SAM model)", c->label, name);
    }
    return 0;
}

int samc_convert(const char *in_path, const char *out_path, int dec_heads, sam_config *cfg_out) {
    ckpt c;
    if (ckpt_open(&c, in_path)) return -1;
    sam_config cfg;
    sam_key *keys = NULL;
    int n = 0;
    const ck_tensor **src = NULL;
    int rc = sam_config_infer(&c, dec_heads, &cfg) || sam_config_keys(&cfg, &keys, &n) ? -1 : 0;
    if (!rc) rc = (src = xcalloc_array((size_t)n, sizeof *src)) ? 0 : -1;
    if (!rc) rc = match_keys(&c, keys, n, src);
    if (!rc) {
        convert_ctx ctx = {&c, src};
        rc = samw_write(out_path, &cfg, keys, n, fill_tensor, &ctx);
    }
    if (!rc && cfg_out) *cfg_out = cfg;
    free(src);
    free(keys);
    ckpt_close(&c);
    return rc;
}
