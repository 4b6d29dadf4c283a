/* Sums in float over NN_LANES fixed partial sums (lane l takes the terms l, l + NN_LANES, ...)
 * combined pairwise in a fixed order: gcc vectorises them as one register of lanes, and the
 * bits are the same in every vector clone (nn/clones.h), at any thread count, on any machine. */
#ifndef SAMC_NN_LANES_H
#define SAMC_NN_LANES_H

#define NN_LANES 16 /* nn_lanes_sum spells out its steps for 16 */

/* sums v[NN_LANES] pairwise, in a fixed order: lane l + 8 onto lane l, then l + 4, l + 2,
 * l + 1. Spelled out with constant bounds, each step one vector add of the register's halves
 * (a loop over the half-width kept the sums in memory, a scalar add at a time). */
__attribute__((always_inline)) static inline float nn_lanes_sum(const float *v) {
    float h8[8], h4[4];
    for (int l = 0; l < 8; l++) h8[l] = v[l] + v[l + 8];
    for (int l = 0; l < 4; l++) h4[l] = h8[l] + h8[l + 4];
    return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

#endif
