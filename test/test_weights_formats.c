/* weights/: every accepted checkpoint layout gives the same .samw, and non-float32 storages
 * and strided views are converted correctly (expected values computed by hand). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test/check.h"
#include "test/files.h"
#include "test/weights_builder.h"
#include "util/err.h"
#include "weights/ckpt.h"
#include "weights/convert.h"
#include "weights/zip.h"

#define TINY "test/fixtures/sam-tiny/"

/* Converts in (sam-tiny, 4 decoder heads) and returns the .samw bytes. */
static uint8_t *convert_bytes(const char *in, size_t *n) {
    const char *out = tmp_path("out.samw");
    if (weights_convert(in, out, 4, NULL)) {
        printf("    convert %s: %s\n", in, samc_errmsg());
        return NULL;
    }
    uint8_t *p = read_bytes(out, n);
    unlink(out);
    return p;
}

static int same_file_bytes(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) {
    return a && b && na == nb && !memcmp(a, b, na);
}

/* 1 if the checkpoint bytes ckpt (written to the scratch file name) convert to the same .samw
 * as the official sam-tiny checkpoint. */
static int converts_like_official(const char *name, const uint8_t *ckpt, size_t len) {
    const char *path = tmp_path(name);
    size_t n0 = 0, n1 = 0;
    uint8_t *a = convert_bytes(TINY "model.pth", &n0);
    uint8_t *b = write_bytes(path, ckpt, len) ? NULL : convert_bytes(path, &n1);
    int same = same_file_bytes(a, n0, b, n1);
    unlink(path);
    free(a);
    free(b);
    return same;
}

TEST(legacy_and_safetensors_match_zip) {
    size_t n0 = 0, n1 = 0, n2 = 0;
    uint8_t *zip = convert_bytes(TINY "model.pth", &n0);
    uint8_t *legacy = convert_bytes(TINY "model_legacy.pth", &n1);
    uint8_t *st = convert_bytes(TINY "model.safetensors", &n2);
    CHECK(zip != NULL && n0 > 1000000);
    CHECK(same_file_bytes(zip, n0, legacy, n1));
    CHECK(same_file_bytes(zip, n0, st, n2));
    free(zip);
    free(legacy);
    free(st);
}

/* The fixture re-zipped with every record deflated, or with ZIP64 records, converts the same. */
static void rezip_and_compare(int deflate, int zip64) {
    size_t len = 0, zlen = 0;
    uint8_t *orig = read_bytes(TINY "model.pth", &len);
    zip_archive z;
    CHECK(orig && weights_zip_open_mem(&z, orig, len) == 0);
    zb_entry *e = calloc(z.n, sizeof *e);
    uint8_t **owned = calloc(z.n, sizeof *owned);
    for (size_t i = 0; i < z.n; i++) {
        const uint8_t *d = NULL;
        CHECK(weights_zip_entry_data(&z, &z.entries[i], &d, &owned[i]) == 0);
        e[i] = (zb_entry){z.entries[i].name, d, (size_t)z.entries[i].size, deflate};
    }
    uint8_t *built = zb_build(e, (int)z.n, zip64, &zlen);
    CHECK(converts_like_official("rezip.pth", built, zlen));
    free(built);
    for (size_t i = 0; i < z.n; i++) free(owned[i]);
    free(owned);
    free(e);
    weights_zip_close(&z);
    free(orig);
}
TEST(deflated_zip_matches) { rezip_and_compare(1, 0); }
TEST(zip64_matches) { rezip_and_compare(0, 1); }

/* float16 / bfloat16 / float64 storages and a transposed, offset view, in a handmade .pth.
 * IEEE half: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 0.333251953125, 0x0001 = 2^-24 (subnormal),
 * 0x7BFF = 65504, 0x8000 = -0. bfloat16 is the top half of a float32: 0x3F80 = 1,
 * 0x4049 = 3.140625, 0xC2F7 = -123.5. */
TEST(half_bfloat16_double_and_strides) {
    const uint16_t half[6] = {0x3C00, 0xC000, 0x3555, 0x0001, 0x7BFF, 0x8000};
    const uint16_t bf16[3] = {0x3F80, 0x4049, 0xC2F7};
    const double f64[2] = {0.1, -1e10};
    const float f32[7] = {-1, 0, 1, 2, 3, 4, 5}; /* a 2x3 transposed view starting at element 1 */
    uint8_t hb[12], bb[6];
    for (int i = 0; i < 6; i++) wr_le_n(hb + 2 * i, half[i], 2);
    for (int i = 0; i < 3; i++) wr_le_n(bb + 2 * i, bf16[i], 2);
    const pb_tensor t[] = {
        {"h", "HalfStorage", "0", 6, 0, 1, {6}, {1}},
        {"b", "BFloat16Storage", "1", 3, 0, 1, {3}, {1}},
        {"d", "DoubleStorage", "2", 2, 0, 1, {2}, {1}},
        {"v", "FloatStorage", "3", 7, 1, 2, {2, 3}, {1, 2}},
    };
    bbuf pkl = {0};
    pb_state_dict(&pkl, t, 4);
    zb_entry e[] = {{"m/data.pkl", pkl.p, pkl.n, 0}, {"m/data/0", hb, 12, 0}, {"m/data/1", bb, 6, 1},
                    {"m/data/2", (const uint8_t *)f64, 16, 0}, {"m/data/3", (const uint8_t *)f32, 28, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 5, 0, &zlen);
    ckpt c;
    int rc = weights_ckpt_open_mem(&c, z, zlen, "handmade.pth");
    CHECK_MSG(rc == 0, "%s", samc_errmsg());
    if (rc == 0) {
        float out[6];
        CHECK(weights_ckpt_read_f32(&c, weights_ckpt_find(&c, "h"), out) == 0);
        CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == 0.333251953125f);
        CHECK(out[3] == 0x1p-24f && out[4] == 65504.0f && out[5] == 0.0f && signbit(out[5]));
        CHECK(weights_ckpt_read_f32(&c, weights_ckpt_find(&c, "b"), out) == 0);
        CHECK(out[0] == 1.0f && out[1] == 3.140625f && out[2] == -123.5f);
        CHECK(weights_ckpt_read_f32(&c, weights_ckpt_find(&c, "d"), out) == 0);
        CHECK(out[0] == 0.1f && out[1] == -1e10f);
        /* v[i][j] = storage[1 + i + 2j]: rows (0,2,4) and (1,3,5) */
        CHECK(weights_ckpt_read_f32(&c, weights_ckpt_find(&c, "v"), out) == 0);
        CHECK(out[0] == 0 && out[1] == 2 && out[2] == 4 && out[3] == 1 && out[4] == 3 && out[5] == 5);
        weights_ckpt_close(&c);
    }
    free(z);
    free(pkl.p);
}

/* ---- safetensors written here from the official names with transformers' renames ---- */

/* transformers convert_sam_to_hf.py replace_keys (sam-reference.md §6.6), applied in its order. */
static void official_to_hf(const char *in, char *out, size_t n) {
    static const char *const rep[][2] = {
        {"iou_prediction_head.layers.0", "iou_prediction_head.proj_in"},
        {"iou_prediction_head.layers.1", "iou_prediction_head.layers.0"},
        {"iou_prediction_head.layers.2", "iou_prediction_head.proj_out"},
        {"mask_decoder.output_upscaling.0", "mask_decoder.upscale_conv1"},
        {"mask_decoder.output_upscaling.1", "mask_decoder.upscale_layer_norm"},
        {"mask_decoder.output_upscaling.3", "mask_decoder.upscale_conv2"},
        {"mask_downscaling.0", "mask_embed.conv1"}, {"mask_downscaling.1", "mask_embed.layer_norm1"},
        {"mask_downscaling.3", "mask_embed.conv2"}, {"mask_downscaling.4", "mask_embed.layer_norm2"},
        {"mask_downscaling.6", "mask_embed.conv3"}, {"point_embeddings", "point_embed"},
        {"pe_layer.positional_encoding_gaussian_matrix", "shared_embedding.positional_embedding"},
        {"image_encoder", "vision_encoder"}, {"neck.0", "neck.conv1"}, {"neck.1", "neck.layer_norm1"},
        {"neck.2", "neck.conv2"}, {"neck.3", "neck.layer_norm2"}, {"patch_embed.proj", "patch_embed.projection"},
        {".norm", ".layer_norm"}, {"blocks", "layers"},
    };
    char s[256];
    snprintf(s, sizeof s, "%s", in);
    for (size_t i = 0; i < sizeof rep / sizeof rep[0]; i++) {
        char *p = strstr(s, rep[i][0]);
        if (!p) continue;
        char t[256];
        snprintf(t, sizeof t, "%.*s%s%s", (int)(p - s), s, rep[i][1], p + strlen(rep[i][0]));
        memcpy(s, t, sizeof s);
        if (i < 3) break; /* the iou head's three renames are alternatives */
    }
    /* hypernetwork MLPs: layers.0/1/2 -> proj_in / layers.0 / proj_out */
    char *h = strstr(s, "output_hypernetworks_mlps.");
    if (h && (h = strstr(h + 26, ".layers."))) {
        int layer = h[8] - '0';
        char t[256];
        snprintf(t, sizeof t, "%.*s.%s%s", (int)(h - s), s,
                 layer == 0 ? "proj_in" : layer == 1 ? "layers.0" : "proj_out", h + 9);
        memcpy(s, t, sizeof s);
    }
    size_t len = strlen(s) < n ? strlen(s) : n - 1;
    memcpy(out, s, len);
    out[len] = 0;
}

typedef struct {
    char name[128];
    int ndim;
    int64_t shape[4];
    float *data;
    size_t n;
} st_tensor;

static uint8_t *build_safetensors(const st_tensor *t, int n, size_t *len) {
    bbuf hdr = {0}, data = {0};
    bb_str(&hdr, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < n; i++) {
        char e[512];
        int k = snprintf(e, sizeof e, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[", t[i].name);
        for (int d = 0; d < t[i].ndim; d++) k += snprintf(e + k, sizeof e - (size_t)k, "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
        snprintf(e + k, sizeof e - (size_t)k, "],\"data_offsets\":[%zu,%zu]}", data.n, data.n + 4 * t[i].n);
        bb_str(&hdr, e);
        bb_put(&data, t[i].data, 4 * t[i].n);
    }
    bb_str(&hdr, "}");
    bbuf out = {0};
    bb_le(&out, hdr.n, 8);
    bb_put(&out, hdr.p, hdr.n);
    bb_put(&out, data.p, data.n);
    free(hdr.p);
    free(data.p);
    *len = out.n;
    return out.p;
}

/* variant: 0 both PE copies, 1 only the prompt encoder's, 2 only shared_image_embedding's,
 * 3 fused [4,D] point_embed, 4 official names */
static void safetensors_variant(int variant) {
    ckpt c;
    CHECK(weights_ckpt_open(&c, TINY "model.pth") == 0);
    st_tensor *t = calloc((size_t)c.n_tensors + 2, sizeof *t);
    int n = 0;
    float *fused = NULL;
    for (int i = 0; i < c.n_tensors; i++) {
        const ck_tensor *s = &c.tensors[i];
        st_tensor *o = &t[n];
        o->ndim = s->ndim;
        o->n = 1;
        for (int d = 0; d < s->ndim; d++) o->n *= (size_t)(o->shape[d] = s->shape[d]);
        o->data = malloc(o->n * 4);
        CHECK(weights_ckpt_read_f32(&c, s, o->data) == 0);
        if (variant == 4) snprintf(o->name, sizeof o->name, "%s", s->name);
        else official_to_hf(s->name, o->name, sizeof o->name);
        int pe = !strcmp(o->name, "prompt_encoder.shared_embedding.positional_embedding");
        if (pe && variant == 2) snprintf(o->name, sizeof o->name, "shared_image_embedding.positional_embedding");
        if (pe && variant == 0) { /* add the duplicate */
            t[n + 1] = *o;
            t[n + 1].data = malloc(o->n * 4);
            memcpy(t[n + 1].data, o->data, o->n * 4);
            snprintf(t[n + 1].name, sizeof t[n + 1].name, "shared_image_embedding.positional_embedding");
            n++;
        }
        if (variant == 3 && strstr(o->name, "prompt_encoder.point_embed.")) {
            st_tensor row = *o; /* slot n becomes the fused tensor */
            int r = row.name[27] - '0';
            if (!fused) {
                fused = calloc(4 * row.n, 4);
                snprintf(o->name, sizeof o->name, "prompt_encoder.point_embed.weight");
                o->ndim = 2;
                o->shape[0] = 4;
                o->shape[1] = (int64_t)row.n;
                o->n = 4 * row.n;
                o->data = fused;
                n++;
            }
            memcpy(fused + (size_t)r * row.n, row.data, row.n * 4);
            free(row.data);
            continue;
        }
        n++;
    }
    size_t len = 0;
    uint8_t *st = build_safetensors(t, n, &len);
    CHECK(converts_like_official("variant.safetensors", st, len));
    free(st);
    for (int i = 0; i < n; i++) free(t[i].data);
    free(t);
    weights_ckpt_close(&c);
}
TEST(safetensors_both_pe_copies) { safetensors_variant(0); }
TEST(safetensors_prompt_encoder_pe_only) { safetensors_variant(1); }
TEST(safetensors_shared_image_pe_only) { safetensors_variant(2); }
TEST(safetensors_fused_point_embed) { safetensors_variant(3); }
TEST(safetensors_official_names) { safetensors_variant(4); }

/* A training checkpoint {"epoch": 3, "model": state_dict, "optimizer": {"lr": 1e-4, "params": [0, 1]}}
 * gives the model's tensors only. */
TEST(wrapped_training_checkpoint) {
    const float f32[4] = {1, 2, 3, 4};
    const pb_tensor t[] = {{"x", "FloatStorage", "0", 4, 0, 1, {4}, {1}}};
    bbuf p = {0};
    bb_put(&p, "\x80\x02}(", 4);
    pb_unicode(&p, "epoch");
    bb_put(&p, "K\x03", 2);
    pb_unicode(&p, "model");
    pb_ordered_dict_mark(&p);
    pb_tensor_items(&p, t, 1);
    bb_u8(&p, 'u');
    pb_unicode(&p, "optimizer");
    bb_put(&p, "}(", 2);
    pb_unicode(&p, "lr");
    bb_put(&p, "G\x3f\x1a\x36\xe2\xeb\x1c\x43\x2d", 9); /* 1e-4, big-endian double */
    pb_unicode(&p, "params");
    bb_put(&p, "](K\x00K\x01" "e", 7);
    bb_put(&p, "uu.", 3);
    zb_entry e[] = {{"m/data.pkl", p.p, p.n, 0}, {"m/data/0", (const uint8_t *)f32, 16, 0}};
    size_t zlen = 0;
    uint8_t *z = zb_build(e, 2, 0, &zlen);
    ckpt c;
    int rc = weights_ckpt_open_mem(&c, z, zlen, "wrapped.pth");
    CHECK_MSG(rc == 0, "%s", samc_errmsg());
    if (rc == 0) {
        CHECK(c.n_tensors == 1 && !strcmp(c.tensors[0].name, "x"));
        float out[4];
        CHECK(weights_ckpt_read_f32(&c, &c.tensors[0], out) == 0 && out[0] == 1 && out[3] == 4);
        weights_ckpt_close(&c);
    }
    free(z);
    free(p.p);
}

int main(void) {
    scratch_open("wfmt");
    RUN(legacy_and_safetensors_match_zip);
    RUN(deflated_zip_matches);
    RUN(zip64_matches);
    RUN(half_bfloat16_double_and_strides);
    RUN(wrapped_training_checkpoint);
    RUN(safetensors_both_pe_copies);
    RUN(safetensors_prompt_encoder_pe_only);
    RUN(safetensors_shared_image_pe_only);
    RUN(safetensors_fused_point_embed);
    RUN(safetensors_official_names);
    scratch_close();
    return check_summary();
}
