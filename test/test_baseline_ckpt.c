/* weights/: the study's baseline checkpoints (baselines.md §7) -> version-2 .samw.
 *
 * The three fixture checkpoints (test/fixtures/baselines/<model>/checkpoint/, saved by the
 * official save_checkpoint) are read and converted; their config values, key and element
 * counts are those of fixture.json (config repr, state_dict_keys, state_dict_elements),
 * written out by hand. Hostile and broken checkpoints are made with test/pth_writer.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/check.h"
#include "test/files.h"
#include "test/pth_writer.h"
#include "util/err.h"
#include "util/sha256.h"
#include "weights/ckpt.h"
#include "weights/convert.h"
#include "weights/pickle.h"
#include "weights/samw.h"
#include "weights/samw_write.h"

#define RITM "test/fixtures/baselines/ritm/checkpoint/hrnet8_ocr16_itermask_RANDOM.pth"
#define FOCAL "test/fixtures/baselines/focalclick/checkpoint/segformerB0_S2_comb_RANDOM.pth"
#define SIMPLE "test/fixtures/baselines/simpleclick/checkpoint/plainvit_small448_RANDOM.pth"

/* fixture.json: state_dict_keys, state_dict_elements */
static const struct {
    const char *path, *family;
    int keys;
    uint64_t elements;
} k_fixtures[] = {
    {RITM, "ritm", 1895, 2269773},
    {FOCAL, "focalclick", 257, 3741676},
    {SIMPLE, "simpleclick", 166, 2288785},
};

static const char *config_line(const char *text, const char *key, char *buf, size_t n) {
    size_t k = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') + 1) {
        size_t len = strcspn(l, "\n");
        if (len > k && !strncmp(l, key, k) && l[k] == '=') {
            snprintf(buf, n, "%.*s", (int)(len - k - 1), l + k + 1);
            return buf;
        }
        if (!l[len]) break;
    }
    return NULL;
}

static int config_is(const char *text, const char *key, const char *want) {
    char buf[256];
    const char *v = config_line(text, key, buf, sizeof buf);
    if (v && !strcmp(v, want)) return 1;
    printf("    config %s = %s, expected %s\n", key, v ? v : "(missing)", want);
    return 0;
}

/* ---- reading the fixtures ---- */

TEST(fixture_checkpoints_read) {
    for (size_t f = 0; f < sizeof k_fixtures / sizeof k_fixtures[0]; f++) {
        ckpt c;
        CHECK_MSG(weights_ckpt_open(&c, k_fixtures[f].path) == 0, "%s", samc_errmsg());
        if (!c.tensors) continue;
        const char *family = weights_checkpoint_family(&c);
        CHECK_MSG(family && !strcmp(family, k_fixtures[f].family), "%s: %s", k_fixtures[f].path,
                  family ? family : samc_errmsg());
        CHECK(c.n_tensors == k_fixtures[f].keys);
        uint64_t values = 0;
        int n64 = 0, counters = 0;
        for (int i = 0; i < c.n_tensors; i++) {
            uint64_t v = 1;
            for (int d = 0; d < c.tensors[i].ndim; d++) v *= (uint64_t)c.tensors[i].shape[d];
            values += v;
            n64 += c.storages[c.tensors[i].storage].dtype == CK_I64;
            counters += pw_ends_with(c.tensors[i].name, ".num_batches_tracked") && c.tensors[i].ndim == 0;
        }
        CHECK(values == k_fixtures[f].elements);
        CHECK(n64 == counters);
        CHECK(c.config && !strncmp(c.config, "class=isegm.model.", 18));
        weights_ckpt_close(&c);
    }
}

TEST(fixture_configs) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, RITM) == 0);
    CHECK(config_is(c.config, "class", "isegm.model.is_hrnet_model.HRNetModel"));
    CHECK(config_is(c.config, "width", "8"));
    CHECK(config_is(c.config, "ocr_width", "16"));
    CHECK(config_is(c.config, "small", "false"));
    CHECK(config_is(c.config, "with_prev_mask", "true"));
    CHECK(config_is(c.config, "norm_radius", "5"));
    CHECK(config_is(c.config, "clicks_groups", "none"));
    CHECK(config_is(c.config, "norm_layer", "torch.nn.modules.batchnorm.BatchNorm2d")); /* 'class'-typed */
    CHECK(config_is(c.config, "backbone_lr_mult", "0.10000000000000001"));               /* %.17g */
    CHECK(config_is(c.config, "norm_mean_std",
                    "(0.48499999999999999,0.45600000000000002,0.40600000000000003),"
                    "(0.22900000000000001,0.224,0.22500000000000001)"));
    CHECK(c.unknown == NULL);
    weights_ckpt_close(&c);

    CHECK(weights_ckpt_open(&c, FOCAL) == 0);
    CHECK(config_is(c.config, "class", "isegm.model.is_segformer_model.SegFormerModel"));
    CHECK(config_is(c.config, "model_version", "b0"));
    CHECK(config_is(c.config, "pipeline_version", "s2"));
    CHECK(config_is(c.config, "feature_stride", "4"));
    CHECK(c.unknown == NULL);
    weights_ckpt_close(&c);

    /* CFR-ICL: head_params.loss_decode is a pickled CrossEntropyLoss (NEWOBJ + BUILD with
     * OrderedDicts, a set and a bare function reference): inert, listed, never imported */
    CHECK(weights_ckpt_open(&c, SIMPLE) == 0);
    CHECK(config_is(c.config, "class", "isegm.model.is_plainvit_model.PlainVitModel"));
    CHECK(config_is(c.config, "backbone_params.img_size", "448,448"));
    CHECK(config_is(c.config, "backbone_params.patch_size", "14,14"));
    CHECK(config_is(c.config, "backbone_params.embed_dim", "128"));
    CHECK(config_is(c.config, "backbone_params.depth", "8"));
    CHECK(config_is(c.config, "backbone_params.num_heads", "2"));
    CHECK(config_is(c.config, "backbone_params.mlp_ratio", "4"));
    CHECK(config_is(c.config, "backbone_params.qkv_bias", "true"));
    CHECK(config_is(c.config, "neck_params.out_dims", "24,48,96,192"));
    CHECK(config_is(c.config, "head_params.channels", "32"));
    CHECK(config_is(c.config, "head_params.upsample", "x1"));
    CHECK(config_is(c.config, "head_params.align_corners", "false"));
    CHECK(config_is(c.config, "head_params.loss_decode",
                    "<object isegm.model.modeling.transformer_helper.cross_entropy_loss.CrossEntropyLoss>"));
    CHECK(c.unknown && strstr(c.unknown, "isegm.model.modeling.transformer_helper.cross_entropy_loss.CrossEntropyLoss") &&
          strstr(c.unknown, "__builtin__.set") &&
          strstr(c.unknown, "isegm.model.modeling.transformer_helper.cross_entropy_loss.cross_entropy"));
    weights_ckpt_close(&c);
}

/* ---- version-2 .samw: written from a fixture, read back (no model involved) ---- */

static int fill_from(void *vctx, int i, void *out) {
    const ckpt *c = vctx;
    const ck_tensor *t = &c->tensors[i];
    return c->storages[t->storage].dtype == CK_I64 ? weights_ckpt_read_i64(c, t, out) : weights_ckpt_read_f32(c, t,
            out);
}

/* fixture -> v2 file at path through samw_write_v2 (check NULL) */
static int write_v2(const ckpt *c, const char *family, const char *path) {
    samw_tensor *t = calloc((size_t)c->n_tensors, sizeof *t);
    for (int i = 0; i < c->n_tensors; i++) {
        t[i].name = c->tensors[i].name;
        t[i].is_int64 = c->storages[c->tensors[i].storage].dtype == CK_I64;
        t[i].ndim = c->tensors[i].ndim;
        memcpy(t[i].shape, c->tensors[i].shape, sizeof t[i].shape);
    }
    int rc = samw_write_v2(path, family, c->config, t, c->n_tensors, fill_from, NULL, (void *)c);
    free(t);
    return rc;
}

TEST(samw_v2_round_trip) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, RITM) == 0);
    const char *path = tmp_path("ritm_v2.samw");
    CHECK_MSG(write_v2(&c, "ritm", path) == 0, "%s", samc_errmsg());
    samw *w = samw_open(path);
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    if (!w) {
        weights_ckpt_close(&c);
        return;
    }
    CHECK(!strcmp(samw_family(w), "ritm"));
    CHECK(samw_count(w) == 1895);
    CHECK(!strcmp(samw_config_key(w, 0), "class"));
    CHECK(!strcmp(samw_config_value(w, "class"), "isegm.model.is_hrnet_model.HRNetModel"));
    CHECK(!strcmp(samw_config_value(w, "small"), "false"));
    CHECK(samw_config_value(w, "no_such_key") == NULL);
    int v = 0;
    CHECK(samw_config_int(w, "width", 1, 1024, &v) == 0 && v == 8);
    CHECK(samw_config_int(w, "ocr_width", 1, 1024, &v) == 0 && v == 16);
    util_err_clear();
    CHECK(failed_with(samw_config_int(w, "width", 16, 64, &v), "config 'width' = 8 is outside [16, 64]"));
    CHECK(failed_with(samw_config_int(w, "small", 0, 1, &v), "config 'small' is 'false', not an integer"));
    CHECK(failed_with(samw_config_int(w, "depth", 0, 1, &v), "has no 'depth'"));
    /* every tensor: same name, order, shape and bits as the checkpoint */
    int bad = 0, n64 = 0;
    for (int i = 0; i < c.n_tensors && !bad; i++) {
        const ck_tensor *t = &c.tensors[i];
        int64_t shape[SAMW_MAX_DIMS];
        int is64 = 0, nd = samw_shape(w, i, shape, &is64);
        bad |= strcmp(samw_name(w, i), t->name) || nd != t->ndim || memcmp(shape, t->shape, (size_t)nd * 8);
        n64 += is64;
        if (is64) continue;
        size_t n = 1;
        for (int d = 0; d < nd; d++) n *= (size_t)shape[d];
        float *want = malloc(n * sizeof *want);
        weights_ckpt_read_f32(&c, t, want);
        const float *got = samw_get(w, t->name, nd, shape);
        bad |= !got || ((uintptr_t)got & 63) || memcmp(got, want, n * sizeof *want);
        free(want);
    }
    CHECK(!bad);
    CHECK(n64 == 314);
    /* BatchNorm counters are int64 scalars: not float32, and never needed */
    int64_t none[1] = {0};
    CHECK(failed_with(samw_get(w, "feature_extractor.bn1.num_batches_tracked", 0, none) == NULL, "is int64"));
    CHECK_MSG(samw_check_unused(w, NULL) == 0, "%s", samc_errmsg());
    /* the digest is the SHA-256 of the header, config text and table */
    size_t len = 0;
    uint8_t *bytes = read_bytes(path, &len), d1[32], d2[32];
    uint64_t end = rd_le_n(bytes + 16, 8) + rd_le_n(bytes + 24, 8);
    CHECK(rd_le_n(bytes + 4, 4) == 2 && rd_le_n(bytes + 16, 8) == 160 + rd_le_n(bytes + 56, 8));
    CHECK(!memcmp(bytes + 64, "ritm\0", 5));
    CHECK(!memcmp(bytes + 160, "class=isegm.model.is_hrnet_model.HRNetModel\n", 44));
    util_sha256(bytes, (size_t)end, d1);
    samw_digest(w, d2);
    CHECK(!memcmp(d1, d2, 32));
    CHECK(samw_verify(w) == 0);
    samw_close(w);
    /* a changed config byte: the header checksum; a changed data byte: samw_verify */
    const char *bad_path = tmp_path("bad_v2.samw");
    bytes[170] ^= 1;
    write_bytes(bad_path, bytes, len);
    util_err_clear();
    w = samw_open(bad_path);
    CHECK(failed_with(w == NULL, "header checksum mismatch"));
    samw_close(w);
    bytes[170] ^= 1;
    bytes[len - 100] ^= 1;
    write_bytes(bad_path, bytes, len);
    w = samw_open(bad_path);
    CHECK(w != NULL && samw_verify(w) == -1);
    samw_close(w);
    /* truncated anywhere: refused */
    int opened = 0;
    for (size_t L = 0; L < len; L += L < 200000 ? 997 : 300007) {
        write_bytes(bad_path, bytes, L);
        samw *t = samw_open(bad_path);
        opened += t != NULL;
        samw_close(t);
    }
    CHECK_MSG(opened == 0, "%d truncated files opened", opened);
    unlink(bad_path);
    unlink(path);
    free(bytes);
    weights_ckpt_close(&c);
}

TEST(samw_unused_tensors) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, SIMPLE) == 0);
    const char *path = tmp_path("simple_v2.samw");
    CHECK(write_v2(&c, "simpleclick", path) == 0);
    samw *w = samw_open(path);
    CHECK(w != NULL);
    if (w) {
        CHECK(samw_config_int(w, "backbone_params.num_heads", 1, 64, &(int){0}) == 0);
        CHECK(samw_get4(w, "backbone.cls_token", 1, 1, 128, -1) != NULL);
        util_err_clear();
        CHECK(failed_with(samw_check_unused(w, NULL),
                          "tensor 'patch_embed_coords.proj.weight' is not part of the simpleclick model"));
        const char *ignored[] = {"patch_embed_coords.", "backbone.", "neck.", "head.", NULL};
        CHECK(samw_check_unused(w, ignored) == 0);
        samw_close(w);
    }
    unlink(path);
    weights_ckpt_close(&c);
}

/* The version-2 reader refuses what the writer never makes. */
TEST(samw_v2_corrupt) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, FOCAL) == 0);
    const char *path = tmp_path("focal_v2.samw"), *bad_path = tmp_path("focal_bad.samw");
    CHECK(write_v2(&c, "focalclick", path) == 0);
    size_t len = 0;
    uint8_t *p = read_bytes(path, &len), *q = malloc(len);
    struct {
        size_t off;
        uint8_t value;
        const char *want;
    } edits[] = {
        {64, 'x', "unknown model family 'xocalclick'"},
        {160 + 5, '\n', "config line 1 is not 'key=value'"}, /* "class\nisegm..." */
        {160 + 5, 0, "NUL in the config text"},
    };
    for (size_t k = 0; k < sizeof edits / sizeof edits[0]; k++) {
        memcpy(q, p, len);
        q[edits[k].off] = edits[k].value;
        /* with the header checksum made to match, so that the check itself is reached */
        uint64_t end = rd_le_n(q + 16, 8) + rd_le_n(q + 24, 8);
        uLong crc = crc32(0, q, 48);
        crc = crc32(crc, q + 52, (uInt)(end - 52));
        wr_le_n(q + 48, crc, 4);
        write_bytes(bad_path, q, len);
        util_err_clear();
        samw *w = samw_open(bad_path);
        CHECK(failed_with(w == NULL, edits[k].want));
        samw_close(w);
    }
    unlink(bad_path);
    unlink(path);
    free(q);
    free(p);
    weights_ckpt_close(&c);
}

/* ---- pth_writer.h: what it writes is read back as written ---- */

static const pw_tensor k_small[] = {
    {"maps_transform.0.weight", 4, {16, 3, 1, 1}, PW_F32, NULL, 0},
    {"feature_extractor.stage2.0.bn.running_var", 1, {8}, PW_F32, NULL, 0},
    {"feature_extractor.stage2.0.bn.weight", 1, {8}, PW_F32, NULL, 0},
    {"feature_extractor.stage2.0.bn.num_batches_tracked", 0, {0}, PW_I64, NULL, 0},
};

TEST(pth_writer_reads_back) {
    pw_options o = {.class_name = "isegm.model.is_hrnet_model.HRNetModel",
                    .params = "{'width': 8, 'small': False, 'clicks_groups': None, 'lr': -2.5e-3, 'big': 4294967296,"
                              " 'norm_layer': <class torch.nn.modules.batchnorm.BatchNorm2d>,"
                              " 'nested': {'a': (1, 2), 'b': [[0.5, 1], 'x'], 'c': {}},"
                              " 'loss': <object m.sub.Loss>, 'name': 'b3',}",
                    .seed = 7};
    const char *path = tmp_path("small.pth");
    CHECK(pw_write(path, k_small, 4, &o) == 0);
    ckpt c;
    CHECK_MSG(weights_ckpt_open(&c, path) == 0, "%s", samc_errmsg());
    if (!c.tensors) return;
    CHECK(c.n_tensors == 4);
    CHECK_MSG(c.config && !strcmp(c.config, "class=isegm.model.is_hrnet_model.HRNetModel\n"
                                            "width=8\nsmall=false\nclicks_groups=none\nlr=-0.0025000000000000001\n"
                                            "big=4294967296\nnorm_layer=torch.nn.modules.batchnorm.BatchNorm2d\n"
                                            "nested.a=1,2\nnested.b=(0.5,1),x\nnested.c={}\n"
                                            "loss=<object m.sub.Loss>\nname=b3\n"),
              "%s", c.config ? c.config : "(none)");
    CHECK(c.unknown && !strcmp(c.unknown, "m.sub.Loss"));
    CHECK(!strcmp(weights_checkpoint_family(&c), "ritm"));
    float w[48], var[8], g[8];
    int64_t count = -1;
    CHECK(weights_ckpt_read_f32(&c, &c.tensors[0], w) == 0 && weights_ckpt_read_f32(&c, &c.tensors[1], var) == 0 &&
          weights_ckpt_read_f32(&c, &c.tensors[2], g) == 0 && weights_ckpt_read_i64(&c, &c.tensors[3], &count) == 0);
    int ok = count == 0;
    for (int i = 0; i < 48; i++) ok &= w[i] >= -1.0f && w[i] <= 1.0f; /* sqrt(3 / fan_in 3) */
    for (int i = 0; i < 8; i++) ok &= var[i] >= 0.5f && var[i] <= 1.5f && g[i] >= 0.9f && g[i] <= 1.1f;
    CHECK(ok && w[0] != w[1]);
    weights_ckpt_close(&c);
    unlink(path);
}

/* ---- hostile and inconsistent checkpoints: a clear error, no output ---- */

/* weights_convert_any on the file at in must fail naming want and leave no output. */
static int convert_refused(const char *in, const char *want) {
    const char *out = tmp_path("out.samw");
    util_err_clear();
    int ok = failed_with(weights_convert_any(in, out, 0, NULL), want);
    if (access(out, F_OK) == 0) ok = 0, printf("    convert left %s behind\n", out);
    unlink(out);
    return ok;
}

static int write_refused(const pw_tensor *t, int n, const pw_options *o, const char *want) {
    const char *in = tmp_path("in.pth");
    if (pw_write(in, t, n, o)) return 0;
    int ok = convert_refused(in, want);
    unlink(in);
    return ok;
}

static const pw_options k_ritm_cfg = {.class_name = "isegm.model.is_hrnet_model.HRNetModel",
                                      .params = "{'width': 8, 'ocr_width': 16}", .seed = 1};

TEST(hostile_state_dicts) {
    pw_tensor t[3];
    memcpy(t, k_small, sizeof t);
    /* an unknown global as a state-dict value: never called */
    static const char sys[] = "cposix\nsystem\nX\x02\x00\x00\x00ls\x85R";
    t[1].raw = (const uint8_t *)sys, t[1].raw_len = sizeof sys - 1;
    CHECK(write_refused(t, 3, &k_ritm_cfg,
                        "entry 'feature_extractor.stage2.0.bn.running_var' is an object of the unknown class 'posix.system'"));
    /* a REDUCE on an unknown callable whose arguments look like a tensor's */
    static const char fake[] = "cevil\nmake_tensor\n((X\x07\x00\x00\x00storage" "ctorch\nFloatStorage\n"
                               "X\x01\x00\x00\x00" "9X\x03\x00\x00\x00" "cpuK\x08tQK\x00K\x08\x85K\x01\x85\x89NtR";
    t[1].raw = (const uint8_t *)fake, t[1].raw_len = sizeof fake - 1;
    CHECK(write_refused(t, 3, &k_ritm_cfg, "'feature_extractor.stage2.0.bn.running_var' is an object of the unknown class 'evil.make_tensor'"));
    /* _rebuild_tensor_v2 with an unknown storage type */
    static const char store[] = "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage" "cevil\nStorage\n"
                                "X\x01\x00\x00\x00" "9X\x03\x00\x00\x00" "cpuK\x08tQK\x00K\x08\x85K\x01\x85\x89NtR";
    t[1].raw = (const uint8_t *)store, t[1].raw_len = sizeof store - 1;
    CHECK(write_refused(t, 3, &k_ritm_cfg, "storage without a storage type"));
}

TEST(wrong_or_inconsistent_class) {
    pw_options o = k_ritm_cfg;
    o.class_name = "isegm.model.is_deeplab_model.DeeplabModel";
    CHECK(write_refused(k_small, 4, &o, "model class 'isegm.model.is_deeplab_model.DeeplabModel' is not one of"));
    o.class_name = "isegm.model.is_plainvit_model.PlainVitModel"; /* with HRNet tensor names */
    CHECK(write_refused(k_small, 4, &o, "config class 'isegm.model.is_plainvit_model.PlainVitModel' (simpleclick) "
                                        "disagrees with its tensors (ritm)"));
    o.class_name = "PlainVitModel"; /* no module path: not the class's own name */
    CHECK(write_refused(k_small, 4, &o, "model class 'PlainVitModel' is not one of"));
    /* baseline tensors without the official config */
    static const char no_cfg[] = "N";
    o.config_pickle = (const uint8_t *)no_cfg, o.config_pickle_len = 1;
    CHECK(write_refused(k_small, 4, &o, "the tensors of a ritm model but no official config"));
    /* weights_convert is for SAM only */
    const char *out = tmp_path("out.samw");
    util_err_clear();
    CHECK(failed_with(weights_convert(RITM, out, 0, NULL), "a ritm checkpoint, not SAM"));
    CHECK(access(out, F_OK) != 0);
}

/* A config that refers to itself, or that would flatten to gigabytes, cannot hang or
 * exhaust memory. */
TEST(hostile_configs) {
    pw_options o = k_ritm_cfg;
    /* {'class': 'isegm.model.is_hrnet_model.HRNetModel', 'params': {'a': {'value': L}}} with L = [L] */
    static const char cyclic[] = "}(X\x05\x00\x00\x00" "classX%\x00\x00\x00isegm.model.is_hrnet_model.HRNetModel"
                                 "X\x06\x00\x00\x00params}(X\x01\x00\x00\x00" "a}(X\x05\x00\x00\x00value]q\x00h\x00" "auuu";
    o.config_pickle = (const uint8_t *)cyclic, o.config_pickle_len = sizeof cyclic - 1;
    const char *in = tmp_path("cyclic.pth");
    CHECK(pw_write(in, k_small, 4, &o) == 0);
    ckpt c;
    CHECK_MSG(weights_ckpt_open(&c, in) == 0, "%s", samc_errmsg());
    CHECK(c.config && strstr(c.config, "\na=(((((") && strstr(c.config, "...)"));
    weights_ckpt_close(&c);
    /* 4^40 leaves: L0 = [0], L(k+1) = [Lk, Lk, Lk, Lk], each list memoised and fetched four
     * times; the value is the tuple (L0, ..., L40), which also takes up what the stack holds */
    bbuf b = {0};
    bb_str(&b, "}(");
    pb_unicode(&b, "class");
    pb_unicode(&b, "isegm.model.is_hrnet_model.HRNetModel");
    pb_unicode(&b, "params");
    bb_str(&b, "}(");
    pb_unicode(&b, "a");
    bb_str(&b, "}(");
    pb_unicode(&b, "value");
    bb_str(&b, "(]");
    pw_int(&b, 0);
    bb_u8(&b, 'a');
    for (int k = 0; k < 40; k++) {
        bb_u8(&b, 'q');
        bb_u8(&b, (unsigned)k);
        bb_str(&b, "](");
        for (int r = 0; r < 4; r++) {
            bb_u8(&b, 'h');
            bb_u8(&b, (unsigned)k);
        }
        bb_u8(&b, 'e');
    }
    bb_str(&b, "tuuu");
    o.config_pickle = b.p, o.config_pickle_len = b.n;
    CHECK(write_refused(k_small, 4, &o, "more than 1048576 bytes of config text"));
    free(b.p);
    unlink(in);
}

TEST(truncated_baseline_checkpoint) {
    size_t len = 0;
    uint8_t *p = read_bytes(SIMPLE, &len);
    CHECK(p != NULL);
    if (!p) return;
    char in[128]; /* tmp_path's buffers rotate */
    snprintf(in, sizeof in, "%s", tmp_path("cut.pth"));
    int bad = 0;
    size_t cuts[] = {10, 4096, 28000, len / 2, len - 23, len - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        write_bytes(in, p, cuts[k]);
        bad += !convert_refused(in, NULL);
    }
    CHECK_MSG(bad == 0, "%d truncations accepted", bad);
    unlink(in);
    free(p);
}

/* ---- through the models: weights_convert_any builds each model before writing ---- */

TEST(convert_fixtures) {
    for (size_t f = 0; f < sizeof k_fixtures / sizeof k_fixtures[0]; f++) {
        const char *out = tmp_path("fixture.samw");
        samc_convert_info info;
        util_err_clear();
        int rc = weights_convert_any(k_fixtures[f].path, out, 0, &info);
        CHECK_MSG(rc == 0, "%s: %s", k_fixtures[f].path, samc_errmsg());
        if (rc) continue;
        CHECK(!strcmp(info.family, k_fixtures[f].family));
        CHECK(info.n_tensors == k_fixtures[f].keys && info.n_values == k_fixtures[f].elements);
        CHECK((info.unknown[0] != 0) == (f == 2)); /* only CFR-ICL pickles objects in its config */
        samw *w = samw_open(out);
        CHECK(w && !strcmp(samw_family(w), k_fixtures[f].family) && samw_count(w) == k_fixtures[f].keys);
        samw_close(w);
        unlink(out);
    }
    /* a destination that cannot be renamed over: made and checked in a scratch file, then copied */
    util_err_clear();
    CHECK_MSG(weights_convert_any(RITM, "/dev/null", 0, NULL) == 0, "%s", samc_errmsg());
}

/* A config text value as a Python literal: "a,b" a tuple, true/false/none, numbers, inert
 * objects; anything else a string. Enough for the fixtures' configs. */
static void literal_value(bbuf *lit, const char *v, size_t n) {
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", (int)n, v);
    if (!strcmp(buf, "true") || !strcmp(buf, "false") || !strcmp(buf, "none")) {
        buf[0] = (char)(buf[0] - 32);
        bb_str(lit, buf);
    } else if (n && strspn(buf, "-+0123456789.e,()") == n) {
        bb_str(lit, strchr(buf, ',') ? "(" : "");
        bb_str(lit, buf);
        bb_str(lit, strchr(buf, ',') ? ")" : "");
    } else if (!strncmp(buf, "<object ", 8)) {
        bb_str(lit, buf);
    } else {
        bb_str(lit, "'");
        bb_str(lit, buf);
        bb_str(lit, "'");
    }
}

/* The params of a flattened config (weights/FORMAT.md) as the literal pw_options.params
 * takes: dotted keys become nested dicts again. *cls receives the class (static). */
static void literal_of_config(const char *text, bbuf *lit, const char **cls) {
    static char class_buf[256];
    char open[8][64]; /* the dict path currently open */
    int depth = 0, items[9] = {0};
    bb_str(lit, "{");
    for (const char *l = text; *l; l += strcspn(l, "\n") + 1) {
        size_t len = strcspn(l, "\n"), klen = strcspn(l, "=");
        if (!strncmp(l, "class=", 6)) {
            snprintf(class_buf, sizeof class_buf, "%.*s", (int)len - 6, l + 6);
            *cls = class_buf;
            continue;
        }
        char key[256], *part[8];
        int np = 0;
        snprintf(key, sizeof key, "%.*s", (int)klen, l);
        for (char *t = strtok(key, "."); t && np < 8; t = strtok(NULL, ".")) part[np++] = t;
        int common = 0;
        while (common < depth && common < np - 1 && !strcmp(open[common], part[common])) common++;
        for (; depth > common; depth--) bb_str(lit, "}");
        for (; depth < np - 1; depth++) {
            bb_str(lit, items[depth]++ ? ", '" : "'");
            bb_str(lit, part[depth]);
            bb_str(lit, "': {");
            snprintf(open[depth], sizeof open[depth], "%s", part[depth]);
            items[depth + 1] = 0;
        }
        bb_str(lit, items[depth]++ ? ", '" : "'");
        bb_str(lit, part[np - 1]);
        bb_str(lit, "': ");
        literal_value(lit, l + klen + 1, len - klen - 1);
    }
    for (; depth > 0; depth--) bb_str(lit, "}");
    bb_put(lit, "}", 2);
}

/* The fixture's own key list and config written anew (pth_writer.h), then one key dropped,
 * reshaped or added: the model refuses it, naming the key. */
static void key_list_edits(const char *path, const char *missing, const char *reshaped, const char *extra) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, path) == 0);
    if (!c.tensors) return;
    pw_tensor *t = calloc((size_t)c.n_tensors + 1, sizeof *t);
    for (int i = 0; i < c.n_tensors; i++) {
        t[i].name = c.tensors[i].name;
        t[i].ndim = c.tensors[i].ndim;
        memcpy(t[i].shape, c.tensors[i].shape, sizeof t[i].shape);
        t[i].dtype = c.storages[c.tensors[i].storage].dtype == CK_I64 ? PW_I64 : PW_F32;
    }
    bbuf lit = {0};
    const char *cls = NULL;
    literal_of_config(c.config, &lit, &cls);
    pw_options o = {.class_name = cls, .params = (const char *)lit.p, .seed = 99};
    char in[128], out[128]; /* tmp_path's buffers rotate */
    snprintf(in, sizeof in, "%s", tmp_path("edit.pth"));
    snprintf(out, sizeof out, "%s", tmp_path("edit.samw"));
    CHECK(pw_write(in, t, c.n_tensors, &o) == 0);
    ckpt again;
    CHECK(weights_ckpt_open(&again, in) == 0 && again.config && !strcmp(again.config, c.config));
    if (again.tensors) weights_ckpt_close(&again);
    CHECK_MSG(weights_convert_any(in, out, 0, NULL) == 0, "the unedited key list of %s: %s", path, samc_errmsg());
    unlink(out);
    for (int i = 0; i < c.n_tensors; i++) {
        if (!strcmp(t[i].name, missing)) {
            pw_tensor keep = t[i];
            memmove(t + i, t + i + 1, (size_t)(c.n_tensors - i - 1) * sizeof *t);
            CHECK(write_refused(t, c.n_tensors - 1, &o, missing));
            memmove(t + i + 1, t + i, (size_t)(c.n_tensors - i - 1) * sizeof *t);
            t[i] = keep;
        }
        if (!strcmp(t[i].name, reshaped)) {
            t[i].shape[t[i].ndim - 1]++;
            CHECK(write_refused(t, c.n_tensors, &o, reshaped));
            t[i].shape[t[i].ndim - 1]--;
        }
    }
    t[c.n_tensors] = (pw_tensor){extra, 1, {4}, PW_F32, NULL, 0};
    CHECK(write_refused(t, c.n_tensors + 1, &o, extra));
    unlink(in);
    free(lit.p);
    free(t);
    weights_ckpt_close(&c);
}

TEST(convert_refuses_key_list_edits) {
    key_list_edits(RITM, "feature_extractor.conv1.weight", "feature_extractor.conv2.weight", "feature_extractor.extra.weight");
    key_list_edits(FOCAL, "feature_extractor.backbone.patch_embed1.proj.weight",
                   "feature_extractor.decode_head.linear_pred.weight", "feature_extractor.backbone.extra");
    key_list_edits(SIMPLE, "backbone.blocks.0.attn.qkv.weight", "head.fusion_conv.conv.weight", "backbone.extra");
}

int main(void) {
    scratch_open("baseline_ckpt");
    RUN(fixture_checkpoints_read);
    RUN(fixture_configs);
    RUN(samw_v2_round_trip);
    RUN(samw_unused_tensors);
    RUN(samw_v2_corrupt);
    RUN(pth_writer_reads_back);
    RUN(hostile_state_dicts);
    RUN(wrong_or_inconsistent_class);
    RUN(hostile_configs);
    RUN(truncated_baseline_checkpoint);
    RUN(convert_fixtures);
    RUN(convert_refuses_key_list_edits);
    scratch_close();
    return check_summary();
}
