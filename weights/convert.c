#include "weights/convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iseg/iseg.h"
#include "util/err.h"
#include "util/mem.h"
#include "weights/sam_config.h"
#include "weights/samw_write.h"

typedef struct {
    const ckpt *c;
    const ck_tensor **src; /* src[i] holds keys[i] */
} convert_ctx;

static int fill_tensor(void *vctx, int i, float *out) {
    const convert_ctx *ctx = vctx;
    return weights_ckpt_read_f32(ctx->c, ctx->src[i], out);
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
        const ck_tensor *t = weights_ckpt_find(c, keys[i].name);
        if (!t) return util_err("%s: tensor '%s' is missing", c->label, keys[i].name);
        int same = t->ndim == keys[i].ndim;
        for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == keys[i].shape[d];
        if (!same) {
            char have[160], want[160];
            shape_str(have, sizeof have, t->ndim, t->shape);
            shape_str(want, sizeof want, keys[i].ndim, keys[i].shape);
            return util_err("%s: tensor '%s' has shape %s, expected %s for the model inferred from the other tensors",
                            c->label, keys[i].name, have, want);
        }
        src[i] = t;
    }
    for (int j = 0; j < c->n_tensors; j++) {
        const char *name = c->tensors[j].name;
        int known = 0;
        for (int i = 0; i < n && !known; i++) known = src[i] == &c->tensors[j];
        if (!known) return util_err("%s: unexpected tensor '%s' (not part of a SAM model)", c->label, name);
    }
    return 0;
}

static int convert_sam(ckpt *c, const char *out_path, int dec_heads, sam_config *cfg) {
    sam_key *keys = NULL;
    int n = 0;
    const ck_tensor **src = NULL;
    int rc = weights_sam_config_infer(c, dec_heads, cfg) || weights_sam_config_keys(cfg, &keys, &n) ? -1 : 0;
    if (!rc) rc = (src = util_xcalloc_array((size_t)n, sizeof *src)) ? 0 : -1;
    if (!rc) rc = match_keys(c, keys, n, src);
    if (!rc) {
        convert_ctx ctx = {c, src};
        rc = samw_write(out_path, cfg, keys, n, fill_tensor, &ctx);
    }
    free(src);
    free(keys);
    return rc;
}

/* ---- the study's baselines ---- */

/* Each baseline's config class (after its module path) and a tensor name prefix only its
 * network has (baselines.md §3.3, §4.3, §5.3). */
static const struct {
    const char *family, *cls, *key;
} k_baselines[] = {
    {"ritm", "is_hrnet_model.HRNetModel", "feature_extractor.stage2."},
    {"focalclick", "is_segformer_model.SegFormerModel", "feature_extractor.backbone.block1."},
    {"simpleclick", "is_plainvit_model.PlainVitModel", "backbone.blocks."},
};
#define N_BASELINES (int)(sizeof k_baselines / sizeof k_baselines[0])

static int has_prefix(const ckpt *c, const char *prefix) {
    for (int i = 0; i < c->n_tensors; i++)
        if (!strncmp(c->tensors[i].name, prefix, strlen(prefix))) return 1;
    return 0;
}

/* The baseline whose tensors c holds, -1 for none, -2 for several. */
static int family_of_tensors(const ckpt *c) {
    int found = -1;
    for (int f = 0; f < N_BASELINES; f++)
        if (has_prefix(c, k_baselines[f].key)) found = found == -1 ? f : -2;
    return found;
}

const char *weights_checkpoint_family(const ckpt *c) {
    int by_keys = family_of_tensors(c);
    if (!c->config) {
        if (by_keys >= 0) {
            util_err("%s: the tensors of a %s model but no official config (samc reads the checkpoint "
                     "{'state_dict', 'config'} that the authors' save_checkpoint writes)", c->label,
                     k_baselines[by_keys].family);
            return NULL;
        }
        return "sam";
    }
    /* weights_torch_config_flatten writes the class first */
    const char *cls = c->config + strlen("class=");
    size_t len = strcspn(cls, "\n");
    int by_class = -1;
    for (int f = 0; f < N_BASELINES && by_class < 0; f++) {
        size_t k = strlen(k_baselines[f].cls);
        if ((len == k || (len > k && cls[len - k - 1] == '.')) && !strncmp(cls + len - k, k_baselines[f].cls, k))
            by_class = f;
    }
    if (by_class < 0) {
        util_err("%s: model class '%.*s' is not one of the study's baselines (HRNetModel = RITM, SegFormerModel "
                 "= FocalClick, PlainVitModel = SimpleClick)", c->label, (int)len, cls);
        return NULL;
    }
    if (by_keys != by_class) {
        util_err("%s: its config class '%.*s' (%s) disagrees with its tensors (%s)", c->label, (int)len, cls,
                 k_baselines[by_class].family,
                 by_keys >= 0 ? k_baselines[by_keys].family : by_keys == -1 ? "no baseline's" : "several baselines'");
        return NULL;
    }
    return k_baselines[by_class].family;
}

static int fill_any(void *vctx, int i, void *out) {
    const ckpt *c = vctx;
    const ck_tensor *t = &c->tensors[i];
    return c->storages[t->storage].dtype == CK_I64 ? weights_ckpt_read_i64(c, t, out) : weights_ckpt_read_f32(c, t,
            out);
}

/* The written file must build its model: the model's loader takes every tensor it computes
 * with (shape-checked) and refuses any it does not know (samw_check_unused). */
static int check_loads(void *vctx, const char *path) {
    const ckpt *c = vctx;
    samw *w = samw_open(path);
    iseg *m = w ? iseg_open(w) : NULL;
    int rc = m ? 0 : util_err_context("%s: the converted model does not load", c->label);
    iseg_free(m);
    samw_close(w);
    return rc;
}

static int convert_baseline(const ckpt *c, const char *family, const char *out_path) {
    samw_tensor *t = util_xcalloc_array(c->n_tensors ? (size_t)c->n_tensors : 1, sizeof *t);
    if (!t) return -1;
    int rc = 0;
    for (int i = 0; i < c->n_tensors && !rc; i++) {
        const ck_tensor *s = &c->tensors[i];
        ck_dtype dt = c->storages[s->storage].dtype;
        if (s->ndim > SAMW_MAX_DIMS) rc = util_err("%s: tensor '%s' has %d dims (at most %d)", c->label, s->name,
                                                   s->ndim, SAMW_MAX_DIMS);
        else if (dt != CK_F32 && dt != CK_F16 && dt != CK_BF16 && dt != CK_F64 && dt != CK_I64)
            rc = util_err("%s: tensor '%s' has dtype %s (weights are floating point, BatchNorm counters int64)",
                          c->label, s->name, weights_ck_dtype_name(dt));
        if (rc) break;
        t[i].name = s->name;
        t[i].is_int64 = dt == CK_I64;
        t[i].ndim = s->ndim;
        memcpy(t[i].shape, s->shape, (size_t)s->ndim * sizeof s->shape[0]);
    }
    if (!rc) rc = samw_write_v2(out_path, family, c->config, t, c->n_tensors, fill_any, check_loads, (void *)c);
    free(t);
    return rc;
}

static int convert(const char *in_path, const char *out_path, int dec_heads, int baselines, samc_convert_info *info) {
    ckpt c;
    if (weights_ckpt_open(&c, in_path)) return -1;
    samc_convert_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    int rc = -1;
    const char *family = weights_checkpoint_family(&c);
    if (family && !strcmp(family, "sam")) {
        rc = convert_sam(&c, out_path, dec_heads, &info->sam);
    } else if (family && !baselines) {
        util_err("%s: a %s checkpoint, not SAM", in_path, family);
    } else if (family) {
        rc = convert_baseline(&c, family, out_path);
    }
    if (family) info->family = family;
    info->n_tensors = c.n_tensors;
    for (int i = 0; i < c.n_tensors; i++) {
        size_t numel = 0;
        if (util_size_prod(c.tensors[i].shape, c.tensors[i].ndim, &numel) == 0) info->n_values += numel;
        info->n_int64 += c.storages[c.tensors[i].storage].dtype == CK_I64;
    }
    if (c.unknown) snprintf(info->unknown, sizeof info->unknown, "%s", c.unknown);
    weights_ckpt_close(&c);
    return rc;
}

int weights_convert(const char *in_path, const char *out_path, int dec_heads, sam_config *cfg_out) {
    samc_convert_info info;
    if (convert(in_path, out_path, dec_heads, 0, &info)) return -1;
    if (cfg_out) *cfg_out = info.sam;
    return 0;
}

int weights_convert_any(const char *in_path, const char *out_path, int dec_heads, samc_convert_info *info) {
    return convert(in_path, out_path, dec_heads, 1, info);
}
