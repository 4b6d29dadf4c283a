/* Scratch memory for one call, handed back all at once and kept for the next call, so that a
 * call repeated with the same sizes (a click) allocates nothing after the first: what
 * whisper.cpp's state does for its work buffers. Blocks are added when a call needs more; the
 * next reset joins them into one block of their total size. Pieces are 64-byte aligned and
 * not zeroed. One owner thread at a time. */
#ifndef SAMC_NN_ARENA_H
#define SAMC_NN_ARENA_H

#include <stddef.h>

typedef struct nn_arena_block nn_arena_block;
typedef struct {
    nn_arena_block *blocks; /* newest first */
} nn_arena;

/* n * size bytes from the arena; NULL with a message on overflow or out of memory. */
void *nn_arena_alloc(nn_arena *a, size_t n, size_t size);
/* Gives back every piece (the memory is kept). */
void nn_arena_reset(nn_arena *a);
/* Releases the memory; the arena is empty and usable again. */
void nn_arena_free(nn_arena *a);

/* Consecutive pieces of one slab (a model's work memory laid out once for its sizes), each a
 * multiple of 16 floats (64 bytes); with no slab (base NULL) it only counts, so the same
 * layout code first sizes the slab, then places the buffers in it. */
typedef struct {
    float *base;
    size_t used; /* floats handed out so far */
} nn_slab;

static inline float *nn_slab_take(nn_slab *s, size_t n) {
    float *p = s->base ? s->base + s->used : NULL;
    s->used += (n + 15) / 16 * 16;
    return p;
}

#endif
