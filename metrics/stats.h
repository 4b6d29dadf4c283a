/* Statistics over per-image scores: quantiles, a percentile bootstrap confidence interval,
 * the paired Wilcoxon signed-rank test, Pearson and Spearman correlation with p-values.
 * NaN entries (images where the class is absent) are dropped first: single samples lose
 * their NaN values, paired samples lose every pair with a NaN on either side. All results
 * are deterministic (a seed fixes the bootstrap). */
#ifndef SAMC_METRICS_STATS_H
#define SAMC_METRICS_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Quantile of n >= 1 values sorted ascending, q in [0, 1], numpy's default ("linear",
 * Hyndman-Fan type 7): position q (n - 1), linear between the two neighbours. */
double metrics_quantile_sorted(const double *v, size_t n, double q);

/* Average ranks (1-based; ties share the mean of their ranks), as scipy.stats.rankdata. */
int metrics_rank_average(const double *v, size_t n, double *ranks);

#define BOOTSTRAP_DEFAULT_RESAMPLES 1000

typedef struct {
    double mean;   /* mean of the non-NaN values */
    double lo, hi; /* the interval */
    size_t n;      /* values used */
} bootstrap_ci;

/* Percentile bootstrap CI of the mean over images. The sample (non-NaN values, in input
 * order) is resampled with replacement `resamples` times: resample b takes n indices
 * util_rng_below(n) in turn from one SplitMix64 stream seeded with `seed` (util/rng.h), and
 * its mean is the sum in draw order divided by n. lo / hi are the type-7 quantiles
 * (metrics_quantile_sorted) at (1 - level) / 2 and (1 + level) / 2 of the sorted resample means.
 * level in (0, 1), e.g. 0.95; resamples >= 1. With no value, mean = lo = hi = NaN. */
int metrics_bootstrap_mean_ci(const double *v, size_t n, int resamples, double level, uint64_t seed,
                      bootstrap_ci *out);

typedef struct {
    size_t n;          /* pairs with a non-zero difference (used) */
    size_t n_zero;     /* pairs with a zero difference (dropped: Wilcox's rule) */
    double w_plus;     /* sum of the ranks of |d| over d > 0 */
    double w_minus;    /* over d < 0 */
    double statistic;  /* min(w_plus, w_minus), as scipy's two-sided test reports */
    int exact;         /* 1: exact null distribution, 0: normal approximation */
    double z;          /* the normal statistic (NaN when exact) */
    double p;          /* two-sided p-value (NaN when n == 0) */
} wilcoxon_result;

#define WILCOXON_EXACT_MAX_N 25

/* Paired Wilcoxon signed-rank test of x - y. Zero differences are dropped before ranking
 * (zero_method "wilcox"); tied |d| get average ranks. If n <= WILCOXON_EXACT_MAX_N and no
 * |d| ties: exact p = min(1, 2 min(P(W+ <= w), P(W+ >= w))) over the 2^n equally likely
 * sign patterns. Otherwise the normal approximation with the tie correction
 * var = n(n+1)(2n+1)/24 - sum(t^3 - t)/48 and the continuity correction:
 * z = (T - n(n+1)/4 - 0.5 sign(T - n(n+1)/4)) / sqrt(var), T = min(w+, w-), p = 2 P(Z > |z|)
 * (scipy.stats.wilcoxon(method="approx", correction=True) exactly). */
int metrics_wilcoxon_signed_rank(const double *x, const double *y, size_t n, wilcoxon_result *out);

typedef struct {
    double r;  /* coefficient; NaN if either side is constant or n < 2 */
    double p;  /* two-sided p-value from Student's t with n - 2 df; NaN if n < 3 */
    size_t n;  /* pairs used */
} correlation;

/* Pearson's r; p = I_{1 - r^2}((n - 2) / 2, 1 / 2), i.e. t = r sqrt((n-2) / (1-r^2)). */
int metrics_pearson(const double *x, const double *y, size_t n, correlation *out);
/* Spearman's rho = Pearson's r of the average ranks; p as Pearson (scipy's spearmanr). */
int metrics_spearman(const double *x, const double *y, size_t n, correlation *out);

#endif
