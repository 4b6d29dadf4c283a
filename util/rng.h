/* A small seeded pseudo-random generator: SplitMix64 (Steele, Lea, Flood 2014; the version
 * Vigna publishes for seeding xoshiro). 64 bits of state, passes BigCrush, and is the same
 * stream on every platform, so a seed fully determines prompt placement, random tie
 * breaking and bootstrap resamples.
 *
 *   samc_rng r; util_rng_seed(&r, 1);
 *   uint64_t k = util_rng_below(&r, 10);   // uniform in 0..9, no modulo bias
 *   double u = util_rng_uniform(&r);        // uniform in [0, 1), 53 random bits */
#ifndef SAMC_PROMPTS_RNG_H
#define SAMC_PROMPTS_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
} samc_rng;

void util_rng_seed(samc_rng *r, uint64_t seed);
/* Next 64-bit output. */
uint64_t util_rng_next(samc_rng *r);
/* Uniform integer in [0, n); n must be >= 1 (n == 0 returns 0). */
uint64_t util_rng_below(samc_rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double util_rng_uniform(samc_rng *r);

#endif
