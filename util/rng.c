/* SplitMix64: a Weyl sequence (step = 2^64 / golden ratio) passed through a 64-bit mixer. */
#include "util/rng.h"

void util_rng_seed(samc_rng *r, uint64_t seed) { r->state = seed; }

uint64_t util_rng_next(samc_rng *r) {
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Rejection sampling: draws landing in the incomplete last block of size 2^64 mod n are
 * redrawn, so every residue is equally likely. */
uint64_t util_rng_below(samc_rng *r, uint64_t n) {
    if (n <= 1) return 0;
    uint64_t limit = -n % n; /* = 2^64 mod n */
    for (;;) {
        uint64_t x = util_rng_next(r);
        if (x >= limit) return x % n;
    }
}

double util_rng_uniform(samc_rng *r) { return (double)(util_rng_next(r) >> 11) * 0x1.0p-53; }
