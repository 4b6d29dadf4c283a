#include "eval/embedding_cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval/dirlist.h"
#include "eval/embedding_file.h"
#include "nn/mode.h"
#include "util/err.h"
#include "util/file.h"
#include "util/sha256.h"

static void put_u32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

void eval_embedding_cache_key(const uint8_t model_sha256[32], const uint8_t *rgb, int h, int w, char hex[65]) {
    /* reference-mode embeddings (nn/mode.h) have other bits: another key */
    const char *tag = nn_reference_mode() ? "samc-embedding-v1-reference" : "samc-embedding-v1";
    uint8_t dims[8];
    put_u32le(dims, (uint32_t)h);
    put_u32le(dims + 4, (uint32_t)w);
    sha256_ctx c;
    util_sha256_init(&c);
    util_sha256_update(&c, tag, strlen(tag) + 1);
    util_sha256_update(&c, model_sha256, 32);
    util_sha256_update(&c, dims, sizeof dims);
    util_sha256_update(&c, rgb, (size_t)h * (size_t)w * 3);
    uint8_t d[32];
    util_sha256_final(&c, d);
    util_sha256_hex(d, hex);
}

static char *entry_path(const char *dir, const char *hex) {
    char name[80];
    snprintf(name, sizeof name, "%s.npy", hex);
    return eval_path_join(dir, name);
}

int eval_embedding_cache_get(const char *dir, const char *hex, int c, int g, const embedding_origin *want, float *out) {
    char *path = entry_path(dir, hex);
    if (!path) return -1;
    if (access(path, F_OK) != 0) {
        free(path);
        return errno == ENOENT ? 0 : util_err("%s: %s", dir, strerror(errno));
    }
    float *emb = NULL;
    embedding_origin got;
    int has = 0;
    int ok = eval_embedding_file_read(path, c, g, &emb, &got, &has) == 0;
    if (ok && !has) ok = 0, util_err("%s: no checksum (written by an older samc)", path);
    if (ok && eval_embedding_origin_check(&got, want, path)) ok = 0;
    if (ok) memcpy(out, emb, (size_t)c * g * g * sizeof(float));
    free(emb);
    if (!ok) {
        /* a stale or damaged entry (another shape, bytes changed, no checksum): drop it and recompute */
        fprintf(stderr, "samc: warning: embedding cache entry unusable (%s); recomputing\n", samc_errmsg());
        unlink(path);
    }
    free(path);
    util_err_clear();
    return ok;
}

int eval_embedding_cache_put(const char *dir, const char *hex, int c, int g, const float *emb,
                             const embedding_origin *o) {
    if (util_make_dirs(dir)) return -1;
    char *path = entry_path(dir, hex);
    if (!path) return -1;
    int rc = eval_embedding_file_write(path, c, g, emb, o);
    free(path);
    return rc;
}
