#include "metrics/stats.h"

#include <math.h>
#include <stdlib.h>

#include "util/rng.h"
#include "metrics/special.h"
#include "util/err.h"
#include "util/mem.h"

double metrics_quantile_sorted(const double *v, size_t n, double q) {
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)floor(pos);
    if (lo >= n - 1) return v[n - 1];
    double frac = pos - (double)lo;
    return v[lo] + frac * (v[lo + 1] - v[lo]);
}

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b ? 1 : 0;
}

typedef struct {
    double v;
    size_t i;
} keyed;

/* by value, then by original position, so the order is fully determined */
static int cmp_keyed(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

int metrics_rank_average(const double *v, size_t n, double *ranks) {
    keyed *k = util_xmalloc_array(n ? n : 1, sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i].v = v[i], k[i].i = i;
    qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b + 1 < n && k[b + 1].v == k[a].v) b++;
        double r = 0.5 * (double)(a + b) + 1.0; /* mean of ranks a+1 .. b+1 */
        for (size_t j = a; j <= b; j++) ranks[k[j].i] = r;
        a = b + 1;
    }
    free(k);
    return 0;
}

int metrics_bootstrap_mean_ci(const double *v, size_t n, int resamples, double level, uint64_t seed,
                      bootstrap_ci *out) {
    if (resamples < 1) return util_err("bootstrap: %d resamples", resamples);
    if (!(level > 0 && level < 1)) return util_err("bootstrap: confidence level %g not in (0, 1)", level);
    double *s = util_xmalloc_array(n ? n : 1, sizeof *s);
    double *means = util_xmalloc_array((size_t)resamples, sizeof *means);
    int rc = -1;
    if (!s || !means) goto done;
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) s[m++] = v[i], sum += v[i];
    out->n = m;
    if (m == 0) {
        out->mean = out->lo = out->hi = NAN;
        rc = 0;
        goto done;
    }
    out->mean = sum / (double)m;
    samc_rng r;
    util_rng_seed(&r, seed);
    for (int b = 0; b < resamples; b++) {
        double t = 0;
        for (size_t j = 0; j < m; j++) t += s[util_rng_below(&r, m)];
        means[b] = t / (double)m;
    }
    qsort(means, (size_t)resamples, sizeof *means, cmp_double);
    out->lo = metrics_quantile_sorted(means, (size_t)resamples, 0.5 * (1 - level));
    out->hi = metrics_quantile_sorted(means, (size_t)resamples, 0.5 * (1 + level));
    rc = 0;
done:
    free(s), free(means);
    return rc;
}

/* Exact two-sided p of W+ = w under H0: counts of rank subsets of {1..n} by sum (DP). */
static int wilcoxon_exact_p(size_t n, double w, double *p) {
    size_t max = n * (n + 1) / 2;
    double *cnt = util_xcalloc_array(max + 1, sizeof *cnt);
    if (!cnt) return -1;
    cnt[0] = 1;
    for (size_t k = 1; k <= n; k++)
        for (size_t s = max; s >= k; s--) cnt[s] += cnt[s - k];
    size_t wi = (size_t)w;
    double le = 0, ge = 0, total = ldexp(1.0, (int)n);
    for (size_t s = 0; s <= max; s++) {
        if (s <= wi) le += cnt[s];
        if (s >= wi) ge += cnt[s];
    }
    double two = 2 * (le < ge ? le : ge) / total;
    *p = two < 1 ? two : 1;
    free(cnt);
    return 0;
}

int metrics_wilcoxon_signed_rank(const double *x, const double *y, size_t n, wilcoxon_result *out) {
    double *d = util_xmalloc_array(n ? n : 1, sizeof *d);
    double *ad = util_xmalloc_array(n ? n : 1, sizeof *ad);
    double *rk = util_xmalloc_array(n ? n : 1, sizeof *rk);
    int rc = -1;
    if (!d || !ad || !rk) goto done;
    size_t m = 0, zeros = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) continue;
        double di = x[i] - y[i];
        if (di == 0) zeros++;
        else d[m] = di, ad[m] = fabs(di), m++;
    }
    out->n = m, out->n_zero = zeros;
    out->w_plus = out->w_minus = 0;
    out->exact = 0, out->z = NAN, out->p = NAN, out->statistic = NAN;
    if (m == 0) {
        rc = 0;
        goto done;
    }
    if (metrics_rank_average(ad, m, rk)) goto done;
    for (size_t i = 0; i < m; i++) {
        if (d[i] > 0) out->w_plus += rk[i];
        else out->w_minus += rk[i];
    }
    double T = out->w_plus < out->w_minus ? out->w_plus : out->w_minus;
    out->statistic = T;
    /* tie groups among |d|: sum of t^3 - t; sort a copy to find them */
    qsort(ad, m, sizeof *ad, cmp_double);
    double tie_sum = 0;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b + 1 < m && ad[b + 1] == ad[a]) b++;
        double t = (double)(b - a + 1);
        tie_sum += t * t * t - t;
        a = b + 1;
    }
    if (m <= WILCOXON_EXACT_MAX_N && tie_sum == 0) {
        out->exact = 1;
        if (wilcoxon_exact_p(m, out->w_plus, &out->p)) goto done;
    } else {
        double nn = (double)m, mean = nn * (nn + 1) / 4;
        double var = nn * (nn + 1) * (2 * nn + 1) / 24 - tie_sum / 48;
        double cc = T > mean ? 0.5 : T < mean ? -0.5 : 0;
        out->z = (T - mean - cc) / sqrt(var);
        out->p = 2 * metrics_normal_sf(fabs(out->z));
        if (out->p > 1) out->p = 1;
    }
    rc = 0;
done:
    free(d), free(ad), free(rk);
    return rc;
}

/* Pearson r of m pairs and its p-value. */
static void pearson_of(const double *x, const double *y, size_t m, correlation *out) {
    out->n = m, out->r = NAN, out->p = NAN;
    if (m < 2) return;
    double mx = 0, my = 0;
    for (size_t i = 0; i < m; i++) mx += x[i], my += y[i];
    mx /= (double)m, my /= (double)m;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < m; i++) {
        double a = x[i] - mx, b = y[i] - my;
        sxy += a * b, sxx += a * a, syy += b * b;
    }
    if (sxx == 0 || syy == 0) return;
    double r = sxy / sqrt(sxx * syy);
    if (r > 1) r = 1;
    if (r < -1) r = -1;
    out->r = r;
    if (m < 3) return;
    double df = (double)m - 2;
    out->p = metrics_betainc_reg(0.5 * df, 0.5, (1 - r) * (1 + r));
}

/* Copies the pairs with no NaN into xs, ys; returns their count. */
static size_t complete_pairs(const double *x, const double *y, size_t n, double *xs, double *ys) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]) && !isnan(y[i])) xs[m] = x[i], ys[m] = y[i], m++;
    return m;
}

static int correlate(const double *x, const double *y, size_t n, int ranked, correlation *out) {
    size_t cap = n ? n : 1;
    double *xs = util_xmalloc_array(cap, sizeof *xs), *ys = util_xmalloc_array(cap, sizeof *ys);
    double *rx = util_xmalloc_array(cap, sizeof *rx), *ry = util_xmalloc_array(cap, sizeof *ry);
    int rc = -1;
    if (!xs || !ys || !rx || !ry) goto done;
    size_t m = complete_pairs(x, y, n, xs, ys);
    if (ranked) {
        if (metrics_rank_average(xs, m, rx) || metrics_rank_average(ys, m, ry)) goto done;
        pearson_of(rx, ry, m, out);
    } else {
        pearson_of(xs, ys, m, out);
    }
    rc = 0;
done:
    free(xs), free(ys), free(rx), free(ry);
    return rc;
}

int metrics_pearson(const double *x, const double *y, size_t n, correlation *out) { return correlate(x, y, n, 0, out); }

int metrics_spearman(const double *x, const double *y, size_t n, correlation *out) { return correlate(x, y, n, 1,
                     out); }
