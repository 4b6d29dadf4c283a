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

#endif
