#include "nn/arena.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/mem.h"

#define ARENA_ALIGN 64
#define ARENA_MIN_BLOCK ((size_t)1 << 20)

/* Under AddressSanitizer the free part of a block is poisoned and each piece unpoisoned to
 * its exact size, with a red zone after it: a write past a piece is reported as it would be
 * past a malloc'd block, though the pieces share one block. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NN_ARENA_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define NN_ARENA_ASAN 1
#endif
#ifdef NN_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_REDZONE 64
#else
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ARENA_REDZONE 0
#endif

struct nn_arena_block {
    nn_arena_block *next;
    size_t size, used;
    unsigned char *data; /* ARENA_ALIGN-aligned */
};

static nn_arena_block *block_new(size_t size) {
    nn_arena_block *b = malloc(sizeof *b);
    void *data = NULL;
    if (!b || posix_memalign(&data, ARENA_ALIGN, size ? size : ARENA_ALIGN)) {
        free(b);
        return NULL;
    }
    *b = (nn_arena_block){.size = size, .data = data};
    ASAN_POISON_MEMORY_REGION(b->data, b->size);
    return b;
}

void *nn_arena_alloc(nn_arena *a, size_t n, size_t size) {
    size_t exact, bytes;
    if (util_size_mul(n, size, &exact)) return NULL;
    if (exact > SIZE_MAX / 2) {
        util_err("scratch of %zu bytes is too large", exact);
        return NULL;
    }
    bytes = (exact + ARENA_REDZONE + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    nn_arena_block *b = a->blocks;
    if (!b || b->size - b->used < bytes) {
        size_t want = bytes > ARENA_MIN_BLOCK ? bytes : ARENA_MIN_BLOCK;
        if (!(b = block_new(want))) {
            util_err("out of memory (%zu bytes of scratch)", bytes);
            return NULL;
        }
        b->next = a->blocks;
        a->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    ASAN_UNPOISON_MEMORY_REGION(p, exact);
    return p;
}

void nn_arena_reset(nn_arena *a) {
    if (a->blocks && a->blocks->next) { /* more than one block: one of their total size instead */
        size_t total = 0;
        for (nn_arena_block *b = a->blocks; b; b = b->next) total += b->size;
        nn_arena_free(a);
        a->blocks = block_new(total); /* on failure the arena starts empty, and grows again */
    }
    if (a->blocks) {
        a->blocks->used = 0;
        ASAN_POISON_MEMORY_REGION(a->blocks->data, a->blocks->size);
    }
}

void nn_arena_free(nn_arena *a) {
    while (a->blocks) {
        nn_arena_block *b = a->blocks;
        a->blocks = b->next;
        ASAN_UNPOISON_MEMORY_REGION(b->data, b->size); /* back to malloc as it was handed out */
        free(b->data);
        free(b);
    }
}
