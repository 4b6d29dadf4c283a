#include "eval/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prompts/rng.h"
#include "util/err.h"
#include "util/mem.h"

double mean_nan(const double *v, size_t n, size_t *n_used) {
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) s += v[i], k++;
    if (n_used) *n_used = k;
    return k ? s / (double)k : NAN;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bootstrap_ci(const double *v, const size_t *start, int n_strata, int b, uint64_t seed, double *lo, double *hi) {
    *lo = *hi = NAN;
    int used = 0;
    for (int s = 0; s < n_strata; s++) used += start[s + 1] > start[s];
    if (!used || b < 10) return -1;
    double *means = xmalloc_array((size_t)b, sizeof *means);
    if (!means) return -1;
    samc_rng r;
    rng_seed(&r, seed);
    for (int k = 0; k < b; k++) {
        double total = 0;
        for (int s = 0; s < n_strata; s++) {
            size_t n = start[s + 1] - start[s];
            if (!n) continue;
            double sum = 0;
            for (size_t i = 0; i < n; i++) sum += v[start[s] + rng_below(&r, n)];
            total += sum / (double)n;
        }
        means[k] = total / used;
    }
    qsort(means, (size_t)b, sizeof *means, cmp_double);
    /* percentiles 2.5 and 97.5 by linear interpolation (numpy's default) */
    double pl = 0.025 * (b - 1), ph = 0.975 * (b - 1);
    int il = (int)pl, ih = (int)ph;
    *lo = means[il] + (pl - il) * (means[il + 1 < b ? il + 1 : il] - means[il]);
    *hi = means[ih] + (ph - ih) * (means[ih + 1 < b ? ih + 1 : ih] - means[ih]);
    free(means);
    return 0;
}

typedef struct {
    double key;
    size_t idx;
} keyed;

static int cmp_keyed(const void *a, const void *b) {
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Average ranks (1-based) of v into rank; returns sum over tie groups of t^3 - t. -1 on OOM. */
static double average_ranks(const double *v, size_t n, double *rank) {
    keyed *k = xmalloc_array(n, sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i].key = v[i], k[i].idx = i;
    qsort(k, n, sizeof *k, cmp_keyed);
    double ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && k[j + 1].key == k[i].key) j++;
        double r = (double)(i + j) / 2.0 + 1.0, t = (double)(j - i + 1);
        ties += t * t * t - t;
        for (size_t m = i; m <= j; m++) rank[k[m].idx] = r;
        i = j + 1;
    }
    free(k);
    return ties;
}

static double normal_two_sided(double z) { return erfc(fabs(z) / sqrt(2.0)); }

int wilcoxon_signed_rank(const double *x, const double *y, size_t n, double *w, double *p, size_t *n_used) {
    *w = *p = NAN;
    double *d = xmalloc_array(n ? n : 1, sizeof *d), *a = xmalloc_array(n ? n : 1, sizeof *a),
           *r = xmalloc_array(n ? n : 1, sizeof *r);
    if (!d || !a || !r) {
        free(d), free(a), free(r);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        double t = x[i] - y[i];
        if (isnan(t) || t == 0) continue;
        d[m] = t;
        a[m++] = fabs(t);
    }
    *n_used = m;
    int rc = -1;
    double ties = m ? average_ranks(a, m, r) : -1;
    if (m && ties >= 0) {
        double wp = 0;
        for (size_t i = 0; i < m; i++)
            if (d[i] > 0) wp += r[i];
        double total = (double)m * (m + 1) / 2, wm = total - wp;
        *w = wp < wm ? wp : wm;
        if (m <= 50 && ties == 0) {
            /* exact: count subsets of ranks 1..m by their sum */
            size_t max = (size_t)total;
            double *cnt = xcalloc_array(max + 1, sizeof *cnt);
            if (cnt) {
                cnt[0] = 1;
                for (size_t k = 1; k <= m; k++)
                    for (size_t s = max; s >= k; s--) cnt[s] += cnt[s - k];
                double tail = 0, all = ldexp(1.0, (int)m);
                for (size_t s = 0; s <= (size_t)*w; s++) tail += cnt[s];
                *p = 2 * tail / all;
                if (*p > 1) *p = 1;
                free(cnt);
                rc = 0;
            }
        } else {
            double mean = total / 2, var = (double)m * (m + 1) * (2 * m + 1) / 24 - ties / 48;
            *p = var > 0 ? normal_two_sided((*w - mean) / sqrt(var)) : 1;
            rc = 0;
        }
    } else if (!m) {
        samc_err("no pair differs");
    }
    free(d), free(a), free(r);
    return rc;
}

int spearman(const double *x, const double *y, size_t n, double *rho, double *p) {
    *rho = *p = NAN;
    if (n < 3) return -1;
    double *rx = xmalloc_array(n, sizeof *rx), *ry = xmalloc_array(n, sizeof *ry);
    int rc = -1;
    if (rx && ry && average_ranks(x, n, rx) >= 0 && average_ranks(y, n, ry) >= 0) {
        double mx = (double)(n + 1) / 2, sxy = 0, sxx = 0, syy = 0;
        for (size_t i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - mx);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - mx) * (ry[i] - mx);
        }
        if (sxx > 0 && syy > 0) {
            *rho = sxy / sqrt(sxx * syy);
            *p = normal_two_sided(*rho * sqrt((double)n - 1));
            rc = 0;
        }
    }
    free(rx), free(ry);
    return rc;
}
