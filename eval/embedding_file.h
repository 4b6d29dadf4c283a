/* An image embedding as a file: float32 1 x C x G x G in a .npy (io/npy.h), with a note after
 * the data saying what it is, so that an embedding is never used with another image or model
 * and a damaged one is never used at all:
 *
 *   #samc embedding model=<hex> image=<hex> arithmetic=fast|reference sha256=<hex>
 *
 * model: sam_model_digest; image: eval_embedding_image_digest of the RGB pixels it was encoded
 * from; arithmetic: the nn mode (nn/mode.h) it was computed in; sha256: of the C*G*G floats
 * as stored. NumPy reads such a file as the plain array. Written by `samc encode` and the eval
 * embedding cache; read by `samc predict --embedding` and the cache. */
#ifndef SAMC_EVAL_EMBEDDING_FILE_H
#define SAMC_EVAL_EMBEDDING_FILE_H

#include <stdint.h>

#include "samc.h"

typedef struct {
    uint8_t model[32];
    uint8_t image[32];
    int reference; /* 1: computed in reference mode */
} embedding_origin;

/* SHA-256 of an h x w x 3 RGB image (its size and pixels). */
void eval_embedding_image_digest(const uint8_t *rgb, int h, int w, uint8_t digest[32]);
/* The origin of an embedding of rgb computed now by m (the current nn mode). */
void eval_embedding_origin_of(embedding_origin *o, const sam_model *m, const uint8_t *rgb, int h, int w);

/* Writes emb (c*g*g floats) with its origin, atomically. 0 or -1. */
int eval_embedding_file_write(const char *path, int c, int g, const float *emb, const embedding_origin *o);

/* Reads an embedding into *emb (malloc'd c*g*g floats): the shape must be 1 x c x g x g (or
 * c x g x g) and, when the file has a samc note, its data must match the note's checksum.
 * *has_origin = 1 and *o filled when the note records one; 0 for a plain .npy. 0 or -1 with a
 * message naming the file. */
int eval_embedding_file_read(const char *path, int c, int g, float **emb, embedding_origin *o, int *has_origin);

/* 0 if got and want are the same origin, else -1 with a message saying what differs. */
int eval_embedding_origin_check(const embedding_origin *got, const embedding_origin *want, const char *path);

#endif
