/* The wall clock for timings (profiling, progress lines): seconds from an arbitrary start,
 * monotonic. */
#ifndef SAMC_UTIL_TIMER_H
#define SAMC_UTIL_TIMER_H

double util_wall_seconds(void);

#endif
