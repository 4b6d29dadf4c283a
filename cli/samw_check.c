#include "cli/samw_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/sha256.h"
#include "weights/samw.h"

static void print_sam(const samw *w) {
    const sam_config *c = samw_config(w);
    int nglob = 0;
    for (int i = 0; i < c->depth; i++) nglob += (int)(c->global_attn >> i & 1);
    printf("image_encoder: img %d, patch %d, dim %d, depth %d, heads %d, mlp %d, window %d, %d global blocks, "
           "out %d\n", c->img_size, c->patch_size, c->embed_dim, c->depth, c->num_heads, c->mlp_dim,
           c->window_size, nglob, c->out_chans);
    printf("mask_decoder: dim %d, mask_in_chans %d, depth %d, heads %d, mlp %d, mask tokens %d, iou head %d x %d\n",
           c->prompt_dim, c->mask_in_chans, c->dec_depth, c->dec_heads, c->dec_mlp_dim, c->num_mask_tokens,
           c->iou_head_depth, c->iou_hidden);
    printf("tensors: %d\n", samw_count(w));
}

/* A baseline: its config text line by line, then the tensor counts. */
static void print_baseline(const samw *w) {
    const char *key;
    for (int i = 0; (key = samw_config_key(w, i)); i++) {
        if (!strcmp(key, "class")) printf("class: %s\n", samw_config_value(w, key));
        else printf("config: %s=%s\n", key, samw_config_value(w, key));
    }
    int n = samw_count(w), n64 = 0, is64 = 0;
    uint64_t values = 0;
    for (int i = 0; i < n; i++) {
        int64_t shape[SAMW_MAX_DIMS];
        int nd = samw_shape(w, i, shape, &is64);
        uint64_t v = 1;
        for (int d = 0; d < nd; d++) v *= (uint64_t)shape[d];
        values += v;
        n64 += is64;
    }
    printf("tensors: %d", n);
    if (n64) printf(" (%d of them int64 BatchNorm counters)", n64);
    printf("\n");
    printf("values: %" PRIu64 "\n", values);
}

static void print_facts(const char *path, const samw *w, const char *digest) {
    printf("file: %s\n", path);
    printf("format: samw\n");
    printf("family: %s\n", samw_family(w));
    if (!strcmp(samw_family(w), "sam")) print_sam(w);
    else print_baseline(w);
    printf("data_bytes: %" PRIu64 "\n", samw_data_bytes(w));
    printf("digest: %s\n", digest);
}

int cli_samw_check(const char *cmd, const char *path, int facts) {
    samw *w = samw_open(path);
    if (!w) return cli_lib_error(cmd);
    uint8_t d[32];
    char hex[65];
    samw_digest(w, d);
    util_sha256_hex(d, hex);
    if (facts) print_facts(path, w, hex);
    fflush(stdout); /* the facts come before a slow check that may fail */
    int rc = samw_verify(w);
    uint64_t bytes = samw_data_bytes(w);
    samw_close(w);
    if (rc) return cli_lib_error(cmd);
    if (facts) printf("data: intact (CRC-32 of %" PRIu64 " bytes checked)\n", bytes);
    else printf("%s: ok (tensor data intact, %" PRIu64 " bytes; digest %s)\n", path, bytes, hex);
    return 0;
}
