/* weights/: hostile and broken inputs are refused with a clear message, never a crash, a
 * hang or a huge allocation; nothing of the pickle is executed. Every bad file is built here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test/check.h"
#include "test/files.h"
#include "test/weights_builder.h"
#include "util/err.h"
#include "weights/ckpt.h"
#include "weights/convert.h"
#include "weights/pickle.h"
#include "weights/sam_config.h"
#include "weights/samw.h"

#define TINY "test/fixtures/sam-tiny/"

/* weights_ckpt_open_mem must fail with a message containing want (NULL: any non-empty message). */
static int open_fails(const uint8_t *p, size_t n, const char *want) {
    util_err_clear();
    ckpt c;
    int rc = weights_ckpt_open_mem(&c, p, n, "bad.pth");
    if (rc == 0) weights_ckpt_close(&c);
    return failed_with(rc, want);
}

/* weights_convert on these bytes must fail naming want, and leave no output. */
static int convert_fails(const uint8_t *p, size_t n, const char *want) {
    const char *in = tmp_path("in.pth"), *out = tmp_path("out.samw");
    if (write_bytes(in, p, n)) return 0;
    util_err_clear();
    int ok = failed_with(weights_convert(in, out, 4, NULL), want);
    if (access(out, F_OK) == 0) ok = 0, printf("    convert left %s behind\n", out);
    unlink(in);
    unlink(out);
    return ok;
}

/* ---- truncation ---- */

/* Cuts at every `step` bytes inside [lo, hi) (where the file's structure lives), every 16411
 * bytes elsewhere, and at each of the last 64 bytes. */
static void truncate_everywhere(const char *path, size_t lo, size_t hi, size_t step) {
    size_t len = 0;
    uint8_t *full = read_bytes(path, &len);
    CHECK(full != NULL);
    if (!full) return;
    if (hi > len) hi = len;
    int bad = 0, tried = 0;
    for (size_t L = 0; L < len; L += (L >= lo && L < hi) ? step : len - L <= 64 ? 1 : 16411) {
        uint8_t *cut = malloc(L ? L : 1); /* exactly L bytes, so a sanitizer sees any over-read */
        memcpy(cut, full, L);
        if (!open_fails(cut, L, NULL)) bad++;
        tried++;
        free(cut);
    }
    CHECK_MSG(bad == 0, "%s: %d of %d truncations accepted", path, bad, tried);
    free(full);
}
/* the zip's central directory is at the end; the legacy pickles (41003 bytes) and the
 * safetensors JSON header (23056 bytes) at the start */
TEST(truncated_zip_pth) { truncate_everywhere(TINY "model.pth", 1344277 - 16384, 1344277, 37); }
TEST(truncated_legacy_pth) { truncate_everywhere(TINY "model_legacy.pth", 0, 41100, 211); }
TEST(truncated_safetensors) { truncate_everywhere(TINY "model.safetensors", 0, 23100, 113); }

/* ---- the pickle is never executed: foreign globals and opcodes are refused ---- */

static int pickle_fails(const char *bytes, size_t n, const char *want) {
    pk_heap h = {0};
    pk_value *v = NULL;
    util_err_clear();
    int rc = weights_pickle_load(&h, (const uint8_t *)bytes, n, NULL, &v);
    weights_pk_heap_free(&h);
    return failed_with(rc, want);
}
#define PICKLE_FAILS(lit, want) pickle_fails(lit, sizeof lit - 1, want)

/* A foreign global is never imported or called: it, and whatever REDUCE, NEWOBJ or BUILD make
 * of it, is an inert value naming it, and the heap lists it for the readers to report. */
static int pickle_gives_object(const char *bytes, size_t n, const char *name) {
    pk_heap h = {0};
    pk_value *v = NULL;
    int ok = weights_pickle_load(&h, (const uint8_t *)bytes, n, NULL, &v) == 0 && v && v->type == PK_OBJECT &&
             !strcmp(v->u.str.s, name) && h.n_unknown >= 1 && !strcmp(h.unknown[0], name);
    if (!ok) printf("    %s: %s\n", name, samc_errmsg());
    weights_pk_heap_free(&h);
    return ok;
}
#define PICKLE_OBJECT(lit, name) pickle_gives_object(lit, sizeof lit - 1, name)

TEST(pickle_refuses_foreign_globals) {
    CHECK(PICKLE_OBJECT("\x80\x02" "cos\nsystem\n" "X\x02\x00\x00\x00ls\x85R.", "os.system"));
    CHECK(PICKLE_OBJECT("\x80\x02" "cbuiltins\neval\n" "X\x01\x00\x00\x00" "1\x85R.", "builtins.eval"));
    CHECK(PICKLE_OBJECT("\x80\x04\x8c\x08" "builtins\x8c\x04" "exec\x93.", "builtins.exec"));
    CHECK(PICKLE_OBJECT("\x80\x02" "ctorch._utils\n_rebuild_tensor\n.", "torch._utils._rebuild_tensor"));
    CHECK(PICKLE_OBJECT("\x80\x02" "ctorch\nStorage\n.", "torch.Storage"));
    CHECK(PICKLE_OBJECT("\x80\x02" "cm\nC\n)\x81}(X\x01\x00\x00\x00" "aK\x01ub.", "m.C")); /* NEWOBJ + BUILD */
    /* an inert value is no tensor, storage type or argument of one */
    CHECK(PICKLE_FAILS("\x80\x02" "ctorch._utils\n_rebuild_parameter\n" "cm\nT\n)RK\x00N\x87R.", "_rebuild_parameter"));
    CHECK(PICKLE_FAILS("\x80\x02(X\x07\x00\x00\x00storage" "cm\nS\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK\x01tQ.",
                       "storage without a storage type"));
    /* the allowed constructors cannot be turned into anything else */
    CHECK(PICKLE_FAILS("\x80\x02" "ccollections\nOrderedDict\nX\x01\x00\x00\x00" "a\x85R.", "OrderedDict() with arguments"));
    CHECK(PICKLE_FAILS("\x80\x02" "ctorch\nFloatStorage\n)R.", "cannot be called"));
}

TEST(pickle_refuses_other_opcodes) {
    CHECK(PICKLE_FAILS("\x80\x02(cos\nsystem\ni.", "unsupported opcode 'i'"));
    CHECK(PICKLE_FAILS("\x80\x02(ios\nsystem\n.", "unsupported opcode 'i'"));
    CHECK(PICKLE_FAILS("\x80\x02" "ccollections\nOrderedDict\n)\x81.", "NEWOBJ needs an unknown class")); /* only inert */
    CHECK(PICKLE_FAILS("\x80\x02Pfoo\n.", "unsupported opcode 'P'"));  /* text PERSID */
    CHECK(PICKLE_FAILS("\x80\x02S'x'\n.", "unsupported opcode 'S'"));
    CHECK(PICKLE_FAILS("\x80\x09.", "protocol"));
}

TEST(pickle_bounds) {
    CHECK(PICKLE_FAILS("\x80\x02h\x05.", "memo index not set"));
    CHECK(PICKLE_FAILS("\x80\x02Nr\xff\xff\xff\xff.", "memo index out of range"));
    CHECK(PICKLE_FAILS("\x80\x02t.", "no MARK"));
    CHECK(PICKLE_FAILS("\x80\x02R.", "stack underflow"));
    CHECK(PICKLE_FAILS("\x80\x02(N\x86.", "stack underflow")); /* TUPLE2 may not reach under a MARK */
    CHECK(PICKLE_FAILS("\x80\x02X\xff\xff\xff\x7f" "abc.", "truncated"));
    CHECK(PICKLE_FAILS("\x80\x02\x8a\xff" "abc.", "truncated"));
    CHECK(PICKLE_FAILS("\x80\x02N", "truncated"));
    CHECK(PICKLE_FAILS("\x80\x02NQ.", "persistent id"));
    /* an empty tuple on an empty stack (found by fuzzing: pointer arithmetic on a NULL stack) */
    {
        pk_heap h = {0};
        pk_value *v = NULL;
        CHECK(weights_pickle_load(&h, (const uint8_t *)"\x80\x02).", 4, NULL, &v) == 0 && v && v->type == PK_TUPLE);
        CHECK(weights_pickle_load(&h, (const uint8_t *)"(t.", 3, NULL, &v) == 0 && v && v->u.seq.n == 0);
        weights_pk_heap_free(&h);
    }
    /* 70000 nested MARKs: refused, not a huge allocation */
    size_t n = 70000 + 3;
    char *deep = malloc(n);
    memcpy(deep, "\x80\x02", 2);
    memset(deep + 2, '(', n - 3);
    deep[n - 1] = '.';
    CHECK(pickle_fails(deep, n, "too many nested marks"));
    free(deep);
}

/* A pickle calling os.system inside an otherwise valid .pth: the call is an inert value, and
 * no state dict. */
TEST(pth_with_foreign_global) {
    static const char bad[] = "\x80\x02" "cposix\nsystem\nX\x05\x00\x00\x00touch\x85R.";
    bbuf pkl = {0};
    bb_put(&pkl, bad, sizeof bad - 1);
    zb_entry e[] = {{"archive/data.pkl", pkl.p, pkl.n, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 1, 0, &zlen);
    CHECK(open_fails(z, zlen, "object of the unknown class 'posix.system', not a state dict"));
    CHECK(convert_fails(z, zlen, "posix.system"));
    free(z);
    free(pkl.p);
}

/* ---- tensors and storages ---- */

static uint8_t *one_tensor_pth(const pb_tensor *t, size_t data_bytes, int deflate, size_t *zlen) {
    bbuf pkl = {0};
    pb_state_dict(&pkl, t, 1);
    uint8_t *data = calloc(data_bytes ? data_bytes : 1, 1);
    char key[64];
    snprintf(key, sizeof key, "archive/data/%s", t->key);
    zb_entry e[] = {{"archive/data.pkl", pkl.p, pkl.n, deflate}, {key, data, data_bytes, deflate}};
    uint8_t *z = zb_build(e, 2, 0, zlen);
    free(data);
    free(pkl.p);
    return z;
}

TEST(tensor_past_its_storage) {
    size_t zlen = 0;
    pb_tensor t = {"image_encoder.pos_embed", "FloatStorage", "0", 4, 0, 1, {6}, {1}};
    uint8_t *z = one_tensor_pth(&t, 16, 0, &zlen);
    CHECK(open_fails(z, zlen, "'image_encoder.pos_embed' runs past its storage"));
    free(z);
    pb_tensor t2 = {"x", "FloatStorage", "0", 6, 3, 2, {2, 2}, {2, 1}}; /* offset 3 + 3 = element 6 */
    z = one_tensor_pth(&t2, 24, 0, &zlen);
    CHECK(open_fails(z, zlen, "runs past its storage"));
    free(z);
    /* storage record shorter than the pickle says */
    pb_tensor t3 = {"x", "FloatStorage", "0", 6, 0, 1, {6}, {1}};
    z = one_tensor_pth(&t3, 20, 0, &zlen);
    CHECK(open_fails(z, zlen, "holds 20 bytes"));
    free(z);
    /* absurd storage size */
    pb_tensor t4 = {"x", "FloatStorage", "0", 0x7FFFFFFF, 0, 1, {6}, {1}};
    z = one_tensor_pth(&t4, 24, 0, &zlen);
    CHECK(open_fails(z, zlen, "declares 2147483647 float32 elements (8589934588 bytes) but its record holds 24 bytes"));
    free(z);
    /* missing record */
    pb_tensor t5 = {"x", "FloatStorage", "7", 6, 0, 1, {6}, {1}};
    bbuf pkl = {0};
    pb_state_dict(&pkl, &t5, 1);
    zb_entry e[] = {{"archive/data.pkl", pkl.p, pkl.n, 0}};
    z = zb_build(e, 1, 0, &zlen);
    CHECK(open_fails(z, zlen, "'archive/data/7' is missing"));
    free(z);
    free(pkl.p);
}

TEST(integer_storage_refused_at_conversion) {
    size_t zlen = 0;
    pb_tensor t = {"x", "LongStorage", "0", 2, 0, 1, {2}, {1}};
    uint8_t *z = one_tensor_pth(&t, 16, 0, &zlen);
    ckpt c;
    CHECK(weights_ckpt_open_mem(&c, z, zlen, "x.pth") == 0);
    float out[2];
    CHECK(weights_ckpt_read_f32(&c, &c.tensors[0], out) == -1);
    CHECK(strstr(samc_errmsg(), "int64") != NULL);
    weights_ckpt_close(&c);
    free(z);
}

/* The legacy fixture has no checksums: edit its pickle in place. */
static uint8_t *legacy_with_byte(size_t off, uint8_t expect, uint8_t value, size_t *len) {
    uint8_t *p = read_bytes(TINY "model_legacy.pth", len);
    if (!p || p[off] != expect) {
        printf("    legacy fixture byte %zu is %u, expected %u\n", off, p ? p[off] : 0, expect);
        free(p);
        return NULL;
    }
    p[off] = value;
    return p;
}

TEST(shape_mismatch_names_the_tensor) {
    /* pos_embed's size tuple (1,16,16,64) starts at byte 311 (BININT1 1, BININT1 16, ...);
     * the grid is read from dim 1, so a 15 in dim 2 contradicts it */
    size_t len = 0;
    uint8_t *p = legacy_with_byte(316, 16, 15, &len);
    CHECK(p != NULL);
    if (p) CHECK(convert_fails(p, len, "'image_encoder.pos_embed' has shape [1,16,15,64], expected [1,16,16,64]"));
    free(p);
    /* ... and (1,16,16,65) runs past its 16384-element storage */
    p = legacy_with_byte(318, 64, 65, &len);
    if (p) CHECK(open_fails(p, len, "'image_encoder.pos_embed' runs past its storage"));
    free(p);
    /* the storage's numel (BININT2 16384 at byte 300) disagrees with its record */
    p = legacy_with_byte(301, 0x00, 0x01, &len);
    if (p) CHECK(open_fails(p, len, "record holds 16384 elements, the pickle says 16385"));
    free(p);
}

/* A tensor missing from a real checkpoint is named. */
TEST(missing_tensor_named) {
    size_t len = 0;
    uint8_t *p = read_bytes(TINY "model_legacy.pth", &len);
    /* rename the key 'image_encoder.pos_embed' (BINUNICODE at byte 171) to 'image_encoder.pos_embeX' */
    CHECK(p && !memcmp(p + 176, "image_encoder.pos_embed", 23));
    if (p) {
        p[176 + 22] = 'X';
        CHECK(convert_fails(p, len, "'image_encoder.pos_embed' is missing"));
    }
    free(p);
}

/* Broadcast views (stride 0) could claim any size from a tiny storage: refused, so neither the
 * reader nor config inference ever sees absurd shapes backed by nothing. */
TEST(broadcast_views_refused) {
    const pb_tensor t[] = {{"image_encoder.pos_embed", "FloatStorage", "0", 1, 0, 4, {1, 1u << 20, 1u << 20, 1}, {0, 0, 0, 0}}};
    bbuf pkl = {0};
    pb_state_dict(&pkl, t, 1);
    const float one = 1;
    zb_entry e[] = {{"archive/data.pkl", pkl.p, pkl.n, 0}, {"archive/data/0", (const uint8_t *)&one, 4, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 2, 0, &zlen);
    CHECK(open_fails(z, zlen, "'image_encoder.pos_embed' has 1099511627776 elements but its storage '0' only 1"));
    free(z);
    free(pkl.p);
}

/* Shapes that pass the view checks but describe an impossible model are refused by inference. */
TEST(absurd_config_refused) {
    /* a 4096-token grid of 32-pixel patches: 131072-pixel images */
    const pb_tensor t[] = {
        {"image_encoder.pos_embed", "FloatStorage", "0", 4096, 0, 4, {1, 4096, 1, 1}, {4096, 1, 1, 1}},
        {"image_encoder.patch_embed.proj.weight", "FloatStorage", "1", 1024, 0, 4, {1, 1, 32, 32}, {1024, 1024, 32, 1}},
        {"image_encoder.neck.0.weight", "FloatStorage", "2", 1, 0, 4, {1, 1, 1, 1}, {1, 1, 1, 1}},
    };
    bbuf pkl = {0};
    pb_state_dict(&pkl, t, 3);
    float *blob = calloc(8192, 4);
    zb_entry e[] = {{"archive/data.pkl", pkl.p, pkl.n, 0},
                    {"archive/data/0", (const uint8_t *)blob, 4096 * 4, 0},
                    {"archive/data/1", (const uint8_t *)blob, 1024 * 4, 0},
                    {"archive/data/2", (const uint8_t *)blob, 4, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 4, 0, &zlen);
    ckpt c;
    CHECK(weights_ckpt_open_mem(&c, z, zlen, "absurd.pth") == 0);
    sam_config cfg;
    CHECK(weights_sam_config_infer(&c, 0, &cfg) == -1);
    CHECK(strstr(samc_errmsg(), "too large an image") != NULL);
    weights_ckpt_close(&c);
    free(z);
    free(blob);
    free(pkl.p);
}

/* ---- zip structure ---- */

static uint8_t *tiny_pth(size_t *len, size_t *eocd) {
    uint8_t *p = read_bytes(TINY "model.pth", len);
    *eocd = *len - 22; /* no archive comment */
    if (p && rd_le_n(p + *eocd, 4) != 0x06054b50) printf("    fixture has a comment?\n");
    return p;
}

TEST(bad_zip_offsets_and_sizes) {
    size_t len = 0, eocd = 0;
    uint8_t *p = tiny_pth(&len, &eocd);
    CHECK(p != NULL);
    if (!p) return;
    size_t cd = (size_t)rd_le_n(p + eocd + 16, 4);
    uint8_t *q = malloc(len);
    /* central directory past the end */
    memcpy(q, p, len);
    wr_le_n(q + eocd + 16, len + 100, 4);
    CHECK(open_fails(q, len, "central directory"));
    /* absurd entry count */
    memcpy(q, p, len);
    wr_le_n(q + eocd + 10, 0xFFFE, 2);
    CHECK(open_fails(q, len, "entries"));
    /* first entry's local header offset points nowhere */
    memcpy(q, p, len);
    wr_le_n(q + cd + 42, 0x7FFFFFF0, 4);
    CHECK(open_fails(q, len, "bad local header offset"));
    /* first entry (data.pkl) claims 4 GB of stored data */
    memcpy(q, p, len);
    wr_le_n(q + cd + 20, 0xFFFFFFF0u, 4);
    wr_le_n(q + cd + 24, 0xFFFFFFF0u, 4);
    CHECK(open_fails(q, len, "runs past the end"));
    /* torch writes ZIP64 end records (the fixture has them): saturated fields need them */
    CHECK(rd_le_n(p + eocd - 20, 4) == 0x07064b50);
    size_t rec = (size_t)rd_le_n(p + eocd - 12, 8);
    memcpy(q, p, len);
    wr_le_n(q + eocd + 16, 0xFFFFFFFFu, 4);
    q[eocd - 20] = 'X';
    CHECK(open_fails(q, len, "no ZIP64 locator"));
    memcpy(q, p, len);
    wr_le_n(q + eocd + 16, 0xFFFFFFFFu, 4);
    wr_le_n(q + eocd - 12, len, 8);
    CHECK(open_fails(q, len, "bad ZIP64 end-of-central-directory offset"));
    memcpy(q, p, len);
    wr_le_n(q + eocd + 16, 0xFFFFFFFFu, 4);
    wr_le_n(q + rec + 32, (uint64_t)1 << 40, 8);
    CHECK(open_fails(q, len, "claims 1099511627776 entries"));
    /* an unknown compression method */
    memcpy(q, p, len);
    wr_le_n(q + cd + 10, 12, 2);
    CHECK(open_fails(q, len, "compression method 12"));
    /* a flipped bit in data.pkl: the CRC catches it */
    memcpy(q, p, len);
    size_t local = (size_t)rd_le_n(p + cd + 42, 4);
    size_t data = local + 30 + (size_t)rd_le_n(p + local + 26, 2) + (size_t)rd_le_n(p + local + 28, 2);
    q[data + 100] ^= 1;
    CHECK(open_fails(q, len, "CRC-32 mismatch"));
    free(q);
    free(p);
}

TEST(corrupt_and_lying_deflate) {
    size_t zlen = 0;
    pb_tensor t = {"x", "FloatStorage", "0", 256, 0, 1, {256}, {1}};
    uint8_t *z = one_tensor_pth(&t, 1024, 1, &zlen);
    ckpt c;
    CHECK(weights_ckpt_open_mem(&c, z, zlen, "ok.pth") == 0);
    weights_ckpt_close(&c);
    /* find data.pkl's compressed bytes via its local header (the first entry) and garble them */
    size_t data = 30 + (size_t)rd_le_n(z + 26, 2) + (size_t)rd_le_n(z + 28, 2);
    size_t clen = (size_t)rd_le_n(z + 18, 4);
    uint8_t *q = malloc(zlen);
    memcpy(q, z, zlen);
    memset(q + data, 0xFF, clen);
    CHECK(open_fails(q, zlen, "corrupt deflate data"));
    /* a truncated stream: central size says fewer compressed bytes */
    memcpy(q, z, zlen);
    size_t eocd = zlen - 22, cd = (size_t)rd_le_n(z + eocd + 16, 4);
    wr_le_n(q + cd + 20, clen / 2, 4);
    CHECK(open_fails(q, zlen, "corrupt deflate data"));
    /* a huge declared uncompressed size: refused before allocating */
    memcpy(q, z, zlen);
    wr_le_n(q + cd + 24, 0xFFFFFFF0u, 4);
    CHECK(open_fails(q, zlen, "implausibly large"));
    memcpy(q, z, zlen);
    wr_le_n(q + cd + 24, 100u << 20, 4); /* more than 1032 times the compressed size */
    CHECK(open_fails(q, zlen, "impossible"));
    /* a slightly wrong declared size */
    memcpy(q, z, zlen);
    wr_le_n(q + cd + 24, rd_le_n(z + cd + 24, 4) + 1, 4);
    CHECK(open_fails(q, zlen, "corrupt deflate data"));
    free(q);
    free(z);
}

/* ---- safetensors and legacy sizes ---- */

TEST(safetensors_lies) {
    size_t len = 0;
    uint8_t *p = read_bytes(TINY "model.safetensors", &len), *q = malloc(len);
    CHECK(p != NULL);
    if (!p) return;
    memcpy(q, p, len);
    wr_le_n(q, (uint64_t)1 << 60, 8);
    CHECK(open_fails(q, len, "header length"));
    memcpy(q, p, len);
    wr_le_n(q, rd_le_n(p, 8) / 2, 8); /* cuts the JSON in half */
    CHECK(open_fails(q, len, "safetensors header"));
    /* the first tensor's offsets '[0,128]' -> '[0,129]': no longer its size */
    memcpy(q, p, len);
    char *o = memmem(q, 400, "[0,128]", 7);
    CHECK(o != NULL);
    if (o) {
        o[5] = '9';
        CHECK(open_fails(q, len, "data_offsets"));
    }
    /* an unknown dtype */
    memcpy(q, p, len);
    o = memmem(q, 400, "\"F32\"", 5);
    if (o) {
        memcpy(o, "\"X32\"", 5);
        CHECK(open_fails(q, len, "unknown dtype"));
    }
    free(q);
    free(p);
}

TEST(legacy_record_count_lies) {
    size_t len = 0;
    uint8_t *p = read_bytes(TINY "model_legacy.pth", &len);
    CHECK(p != NULL);
    if (!p) return;
    /* the first record follows the key list pickle; its count is 16384 = 0x4000 (see §6.5) */
    uint8_t want[8] = {0x00, 0x40, 0, 0, 0, 0, 0, 0};
    uint8_t *r = memmem(p + 37763, len - 37763, "\x2e\x00\x40\x00\x00\x00\x00\x00\x00", 9);
    CHECK(r != NULL);
    if (r) {
        CHECK(!memcmp(r + 1, want, 8));
        wr_le_n(r + 1, (uint64_t)1 << 62, 8);
        CHECK(open_fails(p, len, "record holds"));
    }
    free(p);
}

/* A handmade legacy file: one 4-float tensor under storage key '123', then a key list. */
static size_t small_legacy(uint8_t *out, const char *key_list, size_t key_list_len) {
    static const char head[] =
        "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."   /* magic */
        "\x80\x02M\xe9\x03."                                                  /* 1001 */
        "\x80\x02}(X\x0d\x00\x00\x00little_endian\x88u."                   /* sys_info */
        "\x80\x02" "ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00w"
        "ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage" "ctorch\nFloatStorage\n"
        "X\x03\x00\x00\x00" "123X\x03\x00\x00\x00" "cpuK\x04NtQK\x00K\x04\x85K\x01\x85\x89"
        "ccollections\nOrderedDict\n)RtRu.";
    size_t n = sizeof head - 1;
    memcpy(out, head, n);
    memcpy(out + n, key_list, key_list_len);
    n += key_list_len;
    const uint8_t rec[8 + 16] = {4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f};
    memcpy(out + n, rec, sizeof rec);
    return n + sizeof rec;
}

TEST(legacy_key_list_lies) {
    uint8_t buf[1024];
    size_t n = small_legacy(buf, "\x80\x02](X\x03\x00\x00\x00" "123e.", 14);
    ckpt c;
    CHECK_MSG(weights_ckpt_open_mem(&c, buf, n, "ok.pth") == 0, "%s", samc_errmsg());
    if (c.n_tensors == 1) {
        float out[4];
        CHECK(weights_ckpt_read_f32(&c, &c.tensors[0], out) == 0 && out[0] == 1.0f && out[1] == 0); /* bytes 00 00 80 3f */
        weights_ckpt_close(&c);
    }
    n = small_legacy(buf, "\x80\x02](X\x03\x00\x00\x00" "123X\x03\x00\x00\x00" "124e.", 22);
    CHECK(open_fails(buf, n, "2 storage records listed for 1 storages"));
    n = small_legacy(buf, "\x80\x02](X\x03\x00\x00\x00" "999e.", 14);
    CHECK(open_fails(buf, n, "storage '999' is listed but used by no tensor"));
    n = small_legacy(buf, "\x80\x02}.", 4);
    CHECK(open_fails(buf, n, "storage key list is not a list"));
}

/* ---- corrupt .samw ---- */

static int samw_open_fails(const uint8_t *p, size_t n, const char *want) {
    const char *path = tmp_path("bad.samw");
    if (write_bytes(path, p, n)) return 0;
    util_err_clear();
    samw *w = samw_open(path);
    int ok = failed_with(!w, want);
    samw_close(w);
    unlink(path);
    return ok;
}

TEST(corrupt_samw) {
    const char *good = tmp_path("good.samw");
    CHECK(weights_convert(TINY "model.pth", good, 4, NULL) == 0);
    size_t len = 0;
    uint8_t *p = read_bytes(good, &len), *q = malloc(len);
    CHECK(p != NULL && len > 4096);
    if (!p) return;
    memcpy(q, p, len);
    q[0] = 'X';
    CHECK(samw_open_fails(q, len, "bad magic"));
    memcpy(q, p, len);
    q[4] = 3;
    CHECK(samw_open_fails(q, len, "version 3"));
    memcpy(q, p, len);
    q[200] ^= 0x20; /* inside the tensor table */
    CHECK(samw_open_fails(q, len, "checksum mismatch"));
    /* config edited and the header checksum recomputed (zlib crc32 over [0,48) + [52,160) + table):
     * the config then disagrees with the table */
    memcpy(q, p, len);
    wr_le_n(q + 64 + 4 * 2, 32, 4); /* embed_dim 64 -> 32 (heads 4 * head_dim 16 no longer match) */
    wr_le_n(q + 64 + 4 * 5, 8, 4);  /* head_dim 16 -> 8 */
    size_t tb = (size_t)rd_le_n(q + 24, 8);
    uLong crc = crc32(0, q, 48);
    crc = crc32(crc, q + 52, 160 - 52);
    crc = crc32(crc, q + 160, (uInt)tb);
    wr_le_n(q + 48, crc, 4);
    CHECK(samw_open_fails(q, len, "config implies"));
    /* truncated anywhere */
    int bad = 0;
    for (size_t L = 0; L < len; L += L < 8192 ? 61 : 40009) {
        const char *path = tmp_path("cut.samw");
        write_bytes(path, p, L);
        samw *w = samw_open(path);
        if (w) bad++;
        samw_close(w);
        unlink(path);
    }
    CHECK_MSG(bad == 0, "%d truncated .samw files opened", bad);
    /* a flipped bit in the data: opens (data is not read), samw_verify catches it */
    memcpy(q, p, len);
    q[len - 1000] ^= 1;
    const char *path = tmp_path("flip.samw");
    write_bytes(path, q, len);
    samw *w = samw_open(path);
    CHECK(w != NULL);
    if (w) {
        CHECK(samw_verify(w) == -1);
        CHECK(strstr(samc_errmsg(), "checksum mismatch") != NULL);
        samw_close(w);
    }
    unlink(path);
    unlink(good);
    free(q);
    free(p);
}

int main(void) {
    scratch_open("whostile");
    RUN(truncated_zip_pth);
    RUN(truncated_legacy_pth);
    RUN(truncated_safetensors);
    RUN(pickle_refuses_foreign_globals);
    RUN(pickle_refuses_other_opcodes);
    RUN(pickle_bounds);
    RUN(pth_with_foreign_global);
    RUN(tensor_past_its_storage);
    RUN(integer_storage_refused_at_conversion);
    RUN(broadcast_views_refused);
    RUN(absurd_config_refused);
    RUN(shape_mismatch_names_the_tensor);
    RUN(missing_tensor_named);
    RUN(bad_zip_offsets_and_sizes);
    RUN(corrupt_and_lying_deflate);
    RUN(safetensors_lies);
    RUN(legacy_record_count_lies);
    RUN(legacy_key_list_lies);
    RUN(corrupt_samw);
    scratch_close();
    return check_summary();
}
