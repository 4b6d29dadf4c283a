#include "nn/portable_math.h"

#include <float.h>
#include <stdint.h>
#include <string.h>

/* Reference-mode bits depend on every double operation being rounded to double (no x87
 * extended precision) and on no multiply-add being fused (built with -ffp-contract=off). */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "portable_math.c needs FLT_EVAL_METHOD == 0 (SSE2 or any strict IEEE double target)"
#endif

/* 2^k for -1022 <= k <= 1023, built from its bit pattern. */
static double pow2i(int k) {
    uint64_t bits = (uint64_t)(k + 1023) << 52;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* exp(x) = 2^k * exp(r), k = round(x / ln 2), |r| <= ln2/2; exp(r) by its Taylor series to
 * degree 14 (truncation error < 1e-17 relative). ln 2 is split in a part with trailing zero
 * bits (so k * LN2_HI is exact) and the rest. */
double nn_portable_exp(double x) {
    static const double LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10,
                        INV_LN2 = 1.44269504088896338700e+00;
    if (x != x) return x;
    if (x > 709.0) return pow2i(1023) * 2.0; /* overflows to +inf */
    if (x < -740.0) return 0.0;
    double kd = x * INV_LN2;
    int k = (int)(kd < 0 ? kd - 0.5 : kd + 0.5);
    double r = (x - k * LN2_HI) - k * LN2_LO;
    double p = 1.0;
    for (int n = 14; n >= 1; n--) p = 1.0 + p * r / n;
    /* split the scaling so that both factors are normal doubles */
    int k1 = k / 2, k2 = k - k1;
    return p * pow2i(k1) * pow2i(k2);
}

/* erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{n>=0} 2^n x^(2n+1) / (1*3*...*(2n+1)): every term is
 * positive, so the sum has no cancellation. Beyond |x| = 6, erf is 1 to double precision. */
double nn_portable_erf(double x) {
    static const double TWO_OVER_SQRT_PI = 1.12837916709551257390e+00;
    if (x != x) return x;
    double ax = x < 0 ? -x : x;
    if (ax >= 6.0) return x < 0 ? -1.0 : 1.0;
    double x2 = ax * ax, term = ax, sum = ax;
    for (int n = 1; n < 300; n++) {
        term = term * 2.0 * x2 / (2 * n + 1);
        sum += term;
        if (term < sum * 1e-17) break;
    }
    double r = TWO_OVER_SQRT_PI * nn_portable_exp(-x2) * sum;
    if (r > 1.0) r = 1.0;
    return x < 0 ? -r : r;
}

/* sin and cos: x = n*(pi/2) + r with pi/2 split in three parts (Cody-Waite; n * PIO2_1 and
 * n * PIO2_2 are exact for |n| < 2^20), then Taylor series on |r| <= pi/4 (error < 1e-18). */
static double sin_kernel(double r) {
    double r2 = r * r, p = 1.0;
    for (int n = 19; n >= 3; n -= 2) p = 1.0 - p * r2 / ((double)n * (n - 1));
    return r * p;
}

static double cos_kernel(double r) {
    double r2 = r * r, p = 1.0;
    for (int n = 18; n >= 2; n -= 2) p = 1.0 - p * r2 / ((double)n * (n - 1));
    return p;
}

static double reduce_pio2(double x, int *quadrant) {
    static const double TWO_OVER_PI = 6.36619772367581382433e-01, PIO2_1 = 1.57079632673412561417e+00,
                        PIO2_2 = 6.07710050630396597660e-11, PIO2_3 = 2.02226624871116645580e-21;
    double nd = x * TWO_OVER_PI;
    double n = (double)(int64_t)(nd < 0 ? nd - 0.5 : nd + 0.5);
    *quadrant = (int)((int64_t)n & 3);
    return ((x - n * PIO2_1) - n * PIO2_2) - n * PIO2_3;
}

double nn_portable_sin(double x) {
    if (x != x || x - x != 0.0) return x - x; /* NaN for NaN and infinities */
    int q;
    double r = reduce_pio2(x, &q);
    switch (q) {
    case 0: return sin_kernel(r);
    case 1: return cos_kernel(r);
    case 2: return -sin_kernel(r);
    default: return -cos_kernel(r);
    }
}

double nn_portable_cos(double x) {
    if (x != x || x - x != 0.0) return x - x;
    int q;
    double r = reduce_pio2(x, &q);
    switch (q) {
    case 0: return cos_kernel(r);
    case 1: return -sin_kernel(r);
    case 2: return -cos_kernel(r);
    default: return sin_kernel(r);
    }
}

float nn_portable_expf(float x) { return (float)nn_portable_exp(x); }
float nn_portable_erff(float x) { return (float)nn_portable_erf(x); }
float nn_portable_sinf(float x) { return (float)nn_portable_sin(x); }
float nn_portable_cosf(float x) { return (float)nn_portable_cos(x); }
