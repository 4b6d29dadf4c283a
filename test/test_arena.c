/* nn/arena: pieces aligned and disjoint, a repeated call served from the same memory after a
 * reset (one block), refusals of impossible sizes. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "nn/arena.h"
#include "util/err.h"

/* one "call": pieces of the given sizes, each filled with its index, then all checked */
static int call(nn_arena *a, const size_t *sizes, int n, unsigned char **p) {
    for (int i = 0; i < n; i++) {
        if (!(p[i] = nn_arena_alloc(a, sizes[i], 1))) return -1;
        if ((uintptr_t)p[i] % 64) return -2;
        memset(p[i], i + 1, sizes[i]);
    }
    for (int i = 0; i < n; i++)
        for (size_t j = 0; j < sizes[i]; j++)
            if (p[i][j] != i + 1) return -3; /* another piece overlapped it */
    return 0;
}

TEST(arena_pieces_aligned_disjoint_and_reused) {
    nn_arena a = {0};
    const size_t sizes[] = {1, 100, 3 << 20, 64, 5 << 20, 7};
    unsigned char *first[6], *second[6], *third[6];
    CHECK(call(&a, sizes, 6, first) == 0); /* 3 MB and 5 MB do not fit the first block: three blocks */
    nn_arena_reset(&a);                    /* joined into one */
    CHECK(call(&a, sizes, 6, second) == 0);
    nn_arena_reset(&a);
    CHECK(call(&a, sizes, 6, third) == 0);
    /* from the second call on, the same sizes get the same memory: nothing is allocated */
    for (int i = 0; i < 6; i++) CHECK(second[i] == third[i]);
    nn_arena_free(&a);
    CHECK(a.blocks == NULL);
    CHECK(call(&a, sizes, 2, first) == 0); /* usable again after free */
    nn_arena_free(&a);
}

TEST(arena_refuses_impossible_sizes) {
    nn_arena a = {0};
    CHECK(nn_arena_alloc(&a, SIZE_MAX / 2, 4) == NULL); /* the product overflows */
    CHECK(nn_arena_alloc(&a, SIZE_MAX / 2 + 1, 1) == NULL);
    CHECK(strstr(samc_errmsg(), "too large") != NULL);
    CHECK(nn_arena_alloc(&a, 16, 4) != NULL); /* still fine after a refusal */
    nn_arena_free(&a);
}

int main(void) {
    RUN(arena_pieces_aligned_disjoint_and_reused);
    RUN(arena_refuses_impossible_sizes);
    return check_summary();
}
