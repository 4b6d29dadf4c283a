#include "metrics/special.h"

#include <float.h>
#include <math.h>

double metrics_normal_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

/* Continued fraction of I_x(a, b) (the textbook expansion, e.g. Abramowitz & Stegun 26.5.8),
 * evaluated with the modified Lentz method; converges fast for x < (a + 1) / (a + b + 2). */
static double betainc_cf(double a, double b, double x) {
    const double tiny = 1e-300, eps = 1e-16;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double f = d;
    for (int m = 1; m <= 10000; m++) {
        /* even step: d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
        double num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
        d = 1.0 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        f *= d * c;
        /* odd step: d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
        num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
        d = 1.0 + num * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + num / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double delta = d * c;
        f *= delta;
        if (fabs(delta - 1.0) < eps) break;
    }
    return f;
}

double metrics_betainc_reg(double a, double b, double x) {
    if (!(a > 0 && b > 0 && x >= 0 && x <= 1)) return NAN;
    if (x == 0) return 0;
    if (x == 1) return 1;
    /* x^a (1 - x)^b / (a B(a, b)) times the continued fraction; use the symmetry
     * I_x(a, b) = 1 - I_{1-x}(b, a) on the side where the fraction converges */
    double log_front = a * log(x) + b * log1p(-x) + lgamma(a + b) - lgamma(a) - lgamma(b);
    if (x < (a + 1) / (a + b + 2)) return exp(log_front) * betainc_cf(a, b, x) / a;
    return 1.0 - exp(log_front) * betainc_cf(b, a, 1.0 - x) / b;
}

double metrics_student_t_two_sided(double t, double df) {
    if (!(df > 0) || isnan(t)) return NAN;
    if (isinf(t)) return 0;
    return metrics_betainc_reg(0.5 * df, 0.5, df / (df + t * t));
}
