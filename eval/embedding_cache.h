/* A folder of image embeddings, so an image is encoded once however many experiments,
 * runs or resumes use it.
 *
 * Key = SHA-256 of (tag, SHA-256 of the whole .samw file, h, w, the RGB bytes): the same
 * model and the same pixels give the same key on any machine, and anything else a
 * different one. The tag tells the reference mode (samc_set_reference_mode) from the fast.
 * Entries are embedding files (eval/embedding_file.h: float32 1 x C x G x G with the origin
 * and a checksum of the data), written atomically and checked on every read. */
#ifndef SAMC_EVAL_EMBEDDING_CACHE_H
#define SAMC_EVAL_EMBEDDING_CACHE_H

#include <stdint.h>

#include "eval/embedding_file.h"

/* hex[65] = the key of an h x w x 3 RGB image under the model with digest model_sha256. */
void eval_embedding_cache_key(const uint8_t model_sha256[32], const uint8_t *rgb, int h, int w, char hex[65]);

/* Reads DIR/<hex>.npy into out (c*g*g floats). Returns 1 on a hit, 0 if the entry is
 * absent or unusable (wrong shape or dtype, truncated, data not matching its checksum, no
 * checksum, another origin than want: it is then deleted, with a warning, so it gets
 * rewritten), -1 on an error that should stop the run (e.g. unreadable folder). */
int eval_embedding_cache_get(const char *dir, const char *hex, int c, int g, const embedding_origin *want, float *out);

/* Stores an embedding (c*g*g floats) with its origin and checksum (eval/embedding_file.h) as
 * DIR/<hex>.npy atomically; creates DIR. 0 or -1. */
int eval_embedding_cache_put(const char *dir, const char *hex, int c, int g, const float *emb,
                             const embedding_origin *o);

#endif
