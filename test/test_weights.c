/* weights/: checkpoint -> .samw conversion and the .samw reader.
 *
 * Expected configs are the fixtures' documented model sizes (test/fixtures/README, config.json),
 * written out by hand. Expected tensor values were printed ONCE from the fixture checkpoints
 * by an independent reader (Python's zipfile + pickle.Unpickler + numpy, i.e. what
 * torch.load does) and pasted here: first, middle (flat index n/2), last element and the
 * float64 sum of the flattened tensor. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test/check.h"
#include "util/err.h"
#include "weights/convert.h"
#include "weights/sam_config.h"
#include "weights/samw.h"

static char g_out[256];

static const char *tmp_samw(const char *tag) {
    snprintf(g_out, sizeof g_out, "/tmp/samc_test_weights_%ld_%s.samw", (long)getpid(), tag);
    return g_out;
}

typedef struct {
    const char *name;
    int ndim;
    int64_t shape[4];
    double first, mid, last, sum;
} expected_tensor;

static void check_tensor(const samw *w, const expected_tensor *x) {
    const float *p = samw_get(w, x->name, x->ndim, x->shape);
    CHECK_MSG(p != NULL, "%s: %s", x->name, samc_errmsg());
    if (!p) return;
    CHECK(((uintptr_t)p & 63) == 0);
    size_t n = 1;
    for (int d = 0; d < x->ndim; d++) n *= (size_t)x->shape[d];
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += p[i];
    CHECK_NEAR(p[0], x->first, 0);
    CHECK_NEAR(p[n / 2], x->mid, 0);
    CHECK_NEAR(p[n - 1], x->last, 0);
    CHECK_NEAR(sum, x->sum, 1e-6 * (1 + fabs(x->sum)));
}

/* sam-tiny: img 256, patch 16, dim 64, depth 4, 4 heads, window 5, global [1,3]; prompt dim 32,
 * decoder MLP 64, 4 heads (given), mask_in 4, IoU hidden 32 (fixture README). */
TEST(convert_sam_tiny) {
    const char *out = tmp_samw("tiny");
    sam_config cfg;
    CHECK_MSG(weights_convert("test/fixtures/sam-tiny/model.pth", out, 4, &cfg) == 0, "%s", samc_errmsg());
    samw *w = samw_open(out);
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    if (!w) return;
    const sam_config *c = samw_config(w);
    CHECK(c->img_size == 256);
    CHECK(c->patch_size == 16);
    CHECK(c->embed_dim == 64);
    CHECK(c->depth == 4);
    CHECK(c->num_heads == 4);
    CHECK(c->head_dim == 16);
    CHECK(c->mlp_dim == 256);
    CHECK(c->window_size == 5);
    CHECK(c->global_attn == ((1u << 1) | (1u << 3)));
    CHECK(c->out_chans == 32);
    CHECK(c->prompt_dim == 32);
    CHECK(c->mask_in_chans == 4);
    CHECK(c->dec_depth == 2);
    CHECK(c->dec_heads == 4);
    CHECK(c->dec_mlp_dim == 64);
    CHECK(c->num_mask_tokens == 4);
    CHECK(c->iou_hidden == 32);
    CHECK(c->iou_head_depth == 3);
    CHECK(!memcmp(c, &cfg, sizeof cfg));
    /* 3 + 4*14 + 6 encoder, 17 prompt encoder, 120 decoder */
    CHECK(samw_count(w) == 202);
    CHECK(!strcmp(samw_name(w, 0), "image_encoder.pos_embed"));
    CHECK(!strcmp(samw_name(w, 201), "mask_decoder.iou_prediction_head.layers.2.bias"));
    CHECK(samw_verify(w) == 0);
    static const expected_tensor xs[] = {
        {"image_encoder.pos_embed", 4, {1, 16, 16, 64}, -0.1640269011259079, -0.3208963871002197, -0.0503019280731678, 17.031969068828403},
        {"image_encoder.blocks.3.attn.rel_pos_h", 2, {31, 16}, -0.14185892045497894, 0.06175702437758446, 0.15975679457187653, 3.5406871471495833},
        {"image_encoder.neck.2.weight", 4, {32, 32, 3, 3}, 0.057417675852775574, 0.005606607533991337, -0.010665785521268845, 9.610664365304274},
        {"prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", 2, {2, 16}, -0.4478343725204468, 0.5791572332382202, 0.03835058957338333, -5.946024368517101},
        {"mask_decoder.output_upscaling.0.weight", 4, {32, 8, 2, 2}, 0.014656702056527138, -0.20452731847763062, 0.37734782695770264, -2.380221391208579},
        {"mask_decoder.iou_prediction_head.layers.2.bias", 1, {4}, -0.0788552463054657, 0.12187814712524414, -0.008357628248631954, 0.06179123092442751},
    };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) check_tensor(w, &xs[i]);
    /* samw_get4 with trailing -1 */
    CHECK(samw_get4(w, "image_encoder.pos_embed", 1, 16, 16, 64) != NULL);
    CHECK(samw_get4(w, "mask_decoder.iou_token.weight", 1, 32, -1, -1) != NULL);
    samw_close(w);
    unlink(out);
}

/* sam-small: img 1024, dim 96, depth 2, 2 heads, window 14, global [1]; the real decoder
 * (256, MLP 2048, mask_in 16, IoU hidden 256) whose 8 heads are the official default. */
TEST(convert_sam_small) {
    const char *out = tmp_samw("small");
    CHECK_MSG(weights_convert("test/fixtures/sam-small/model.pth", out, 0, NULL) == 0, "%s", samc_errmsg());
    samw *w = samw_open(out);
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    if (!w) return;
    const sam_config *c = samw_config(w);
    CHECK(c->img_size == 1024);
    CHECK(c->patch_size == 16);
    CHECK(c->embed_dim == 96);
    CHECK(c->depth == 2);
    CHECK(c->num_heads == 2);
    CHECK(c->head_dim == 48);
    CHECK(c->mlp_dim == 384);
    CHECK(c->window_size == 14);
    CHECK(c->global_attn == (1u << 1));
    CHECK(c->out_chans == 256);
    CHECK(c->prompt_dim == 256);
    CHECK(c->mask_in_chans == 16);
    CHECK(c->dec_depth == 2);
    CHECK(c->dec_heads == 8);
    CHECK(c->dec_mlp_dim == 2048);
    CHECK(c->num_mask_tokens == 4);
    CHECK(c->iou_hidden == 256);
    CHECK(c->iou_head_depth == 3);
    CHECK(samw_count(w) == 3 + 2 * 14 + 6 + 17 + 120);
    CHECK(samw_verify(w) == 0);
    static const expected_tensor xs[] = {
        {"image_encoder.pos_embed", 4, {1, 64, 64, 96}, -0.1021595150232315, 0.08385144174098969, 0.1220303550362587, -66.16877665610133},
        {"image_encoder.neck.2.weight", 4, {256, 256, 3, 3}, -0.010335062630474567, -0.0035350825637578964, 0.0033707080874592066, 9.58312364824338},
        {"prompt_encoder.pe_layer.positional_encoding_gaussian_matrix", 2, {2, 128}, -1.262664794921875, 0.05134545639157295, -0.5222625136375427, -22.508067945949733},
        {"mask_decoder.output_upscaling.0.weight", 4, {256, 64, 2, 2}, -0.00896752905100584, -0.0012018783017992973, 0.01615639589726925, -32.36888380418854},
        {"mask_decoder.iou_prediction_head.layers.2.bias", 1, {4}, -0.041386816650629044, -0.03708059713244438, 0.04535175487399101, -0.02216446492820978},
    };
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) check_tensor(w, &xs[i]);
    samw_close(w);
    unlink(out);
}

/* sam-demo: dim 96, depth 4, 3 heads, window 4, global [1,3]; prompt dim 64, MLP 256, 4 heads,
 * mask_in 8, IoU hidden 64 (config.json, by hand). */
TEST(convert_sam_demo) {
    const char *out = tmp_samw("demo");
    CHECK_MSG(weights_convert("test/fixtures/sam-demo/model.pth", out, 4, NULL) == 0, "%s", samc_errmsg());
    samw *w = samw_open(out);
    CHECK_MSG(w != NULL, "%s", samc_errmsg());
    if (!w) return;
    const sam_config *c = samw_config(w);
    CHECK(c->img_size == 256 && c->patch_size == 16 && c->embed_dim == 96 && c->depth == 4);
    CHECK(c->num_heads == 3 && c->head_dim == 32 && c->window_size == 4);
    CHECK(c->global_attn == ((1u << 1) | (1u << 3)));
    CHECK(c->prompt_dim == 64 && c->out_chans == 64 && c->dec_mlp_dim == 256 && c->dec_heads == 4);
    CHECK(c->mask_in_chans == 8 && c->iou_hidden == 64);
    samw_close(w);
    unlink(out);
}

/* prompt dim 32 is not the official 256: the head count must be given. */
TEST(decoder_heads_required) {
    const char *out = tmp_samw("noheads");
    CHECK(weights_convert("test/fixtures/sam-tiny/model.pth", out, 0, NULL) == -1);
    CHECK(strstr(samc_errmsg(), "--decoder-heads") != NULL);
    CHECK(access(out, F_OK) != 0);
    /* 3 heads cannot split the 16-wide cross attention */
    CHECK(weights_convert("test/fixtures/sam-tiny/model.pth", out, 3, NULL) == -1);
    CHECK(access(out, F_OK) != 0);
}

TEST(samw_get_errors_name_the_tensor) {
    const char *out = tmp_samw("get");
    CHECK(weights_convert("test/fixtures/sam-tiny/model.pth", out, 4, NULL) == 0);
    samw *w = samw_open(out);
    CHECK(w != NULL);
    if (!w) return;
    CHECK(samw_get4(w, "image_encoder.pos_embed", 1, 64, 64, 768) == NULL);
    CHECK(strstr(samc_errmsg(), "image_encoder.pos_embed") != NULL);
    CHECK(strstr(samc_errmsg(), "[1,16,16,64]") != NULL);
    CHECK(samw_get4(w, "image_encoder.pos_embed", 1, 16, 16, -1) == NULL);
    CHECK(samw_get4(w, "image_encoder.no_such_tensor", 4, -1, -1, -1) == NULL);
    CHECK(strstr(samc_errmsg(), "image_encoder.no_such_tensor") != NULL);
    samw_close(w);
    unlink(out);
}

/* The official models' tensor lists: counts, parameter totals and the prompt encoder's first
 * ordinal are the numbers of sam-reference.md §6.1-6.2 (verified there against state_dict()). */
TEST(official_key_tables) {
    const struct {
        int E, depth, heads;
        uint64_t global;
        int keys, pe_start;
        uint64_t params;
    } m[] = {
        {768, 12, 12, (1u << 2) | (1u << 5) | (1u << 8) | (1u << 11), 314, 177, 93735728ull},
        {1024, 24, 16, (1u << 5) | (1u << 11) | (1u << 17) | (1u << 23), 482, 345, 312343088ull},
        {1280, 32, 16, (1u << 7) | (1u << 15) | (1u << 23) | (1u << 31), 594, 457, 641090864ull},
    };
    for (int v = 0; v < 3; v++) {
        sam_config cfg = {.img_size = 1024, .patch_size = 16, .embed_dim = m[v].E, .depth = m[v].depth,
                          .num_heads = m[v].heads, .head_dim = m[v].E / m[v].heads, .mlp_dim = 4 * m[v].E,
                          .window_size = 14, .global_attn = m[v].global, .out_chans = 256, .prompt_dim = 256,
                          .mask_in_chans = 16, .dec_depth = 2, .dec_heads = 8, .dec_mlp_dim = 2048,
                          .num_mask_tokens = 4, .iou_hidden = 256, .iou_head_depth = 3};
        CHECK(weights_sam_config_check(&cfg) == 0);
        sam_key *keys = NULL;
        int n = 0;
        CHECK(weights_sam_config_keys(&cfg, &keys, &n) == 0);
        if (!keys) continue;
        uint64_t params = 0;
        for (int i = 0; i < n; i++) {
            uint64_t p = 1;
            for (int d = 0; d < keys[i].ndim; d++) p *= (uint64_t)keys[i].shape[d];
            params += p;
        }
        CHECK(n == m[v].keys);
        CHECK(params == m[v].params);
        CHECK(!strcmp(keys[m[v].pe_start].name, "prompt_encoder.pe_layer.positional_encoding_gaussian_matrix"));
        CHECK(!strcmp(keys[m[v].pe_start - 1].name, "image_encoder.neck.3.bias"));
        CHECK(!strcmp(keys[n - 1].name, "mask_decoder.iou_prediction_head.layers.2.bias"));
        free(keys);
    }
}

int main(void) {
    RUN(convert_sam_tiny);
    RUN(convert_sam_small);
    RUN(convert_sam_demo);
    RUN(decoder_heads_required);
    RUN(samw_get_errors_name_the_tensor);
    RUN(official_key_tables);
    return check_summary();
}
