#include "cli/samw_check.h"

#include <inttypes.h>
#include <stdio.h>

#include "cli/cli.h"
#include "util/sha256.h"
#include "weights/samw.h"

static void print_facts(const char *path, const samw *w, const char *digest) {
    const sam_config *c = samw_config(w);
    int nglob = 0;
    for (int i = 0; i < c->depth; i++) nglob += (int)(c->global_attn >> i & 1);
    printf("file: %s\n", path);
    printf("format: samw\n");
    printf("image_encoder: img %d, patch %d, dim %d, depth %d, heads %d, mlp %d, window %d, %d global blocks, "
           "out %d\n", c->img_size, c->patch_size, c->embed_dim, c->depth, c->num_heads, c->mlp_dim,
           c->window_size, nglob, c->out_chans);
    printf("mask_decoder: dim %d, mask_in_chans %d, depth %d, heads %d, mlp %d, mask tokens %d, iou head %d x %d\n",
           c->prompt_dim, c->mask_in_chans, c->dec_depth, c->dec_heads, c->dec_mlp_dim, c->num_mask_tokens,
           c->iou_head_depth, c->iou_hidden);
    printf("tensors: %d\n", samw_count(w));
    printf("data_bytes: %" PRIu64 "\n", samw_data_bytes(w));
    printf("digest: %s\n", digest);
}

int cli_samw_check(const char *cmd, const char *path, int facts) {
    samw *w = samw_open(path);
    if (!w) return cli_lib_error(cmd);
    uint8_t d[32];
    char hex[65];
    samw_digest(w, d);
    sha256_hex(d, hex);
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
