/* The statistics of `samc report`: means ignoring NaN, stratified bootstrap confidence
 * intervals, the paired Wilcoxon signed-rank test and Spearman's rank correlation. */
#ifndef SAMC_EVAL_STATS_H
#define SAMC_EVAL_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Mean of the non-NaN values; NaN if there are none. *n_used (may be NULL) counts them. */
double mean_nan(const double *v, size_t n, size_t *n_used);

/* 95% percentile bootstrap CI of the unweighted mean over strata of per-stratum means
 * (strata = tasks, values = per-image IoUs; one stratum = the plain bootstrap of a mean).
 * Stratum s holds v[start[s] .. start[s+1]) without NaN. b resamples from a SplitMix64
 * stream seeded with seed. Returns 0, or -1 (no data). */
int bootstrap_ci(const double *v, const size_t *start, int n_strata, int b, uint64_t seed, double *lo, double *hi);

/* Two-sided paired Wilcoxon signed-rank test of x - y (pairs with a zero difference are
 * dropped, as scipy's default zero_method = "wilcox"). Exact null distribution when at most
 * 50 pairs remain and no |differences| tie, else the normal approximation with the tie
 * correction (no continuity correction). *w = the smaller of the rank sums. 0, or -1 if
 * no pair differs. */
int wilcoxon_signed_rank(const double *x, const double *y, size_t n, double *w, double *p, size_t *n_used);

/* Spearman's rho (Pearson correlation of average ranks) of n pairs and the two-sided
 * p-value of the large-sample approximation z = rho sqrt(n - 1). -1 if n < 3 or a
 * variable is constant. */
int spearman(const double *x, const double *y, size_t n, double *rho, double *p);

#endif
