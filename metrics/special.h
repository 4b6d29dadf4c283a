/* Special functions behind the p-values of metrics/stats.h. */
#ifndef SAMC_METRICS_SPECIAL_H
#define SAMC_METRICS_SPECIAL_H

/* Upper tail of the standard normal: P(Z > z) = erfc(z / sqrt 2) / 2. */
double metrics_normal_sf(double z);

/* Regularized incomplete beta I_x(a, b) for a, b > 0, x in [0, 1]; NaN otherwise. Relative
 * error ~1e-15 for small a, b, growing to ~1e-13 near a, b ~ 100s (the lgamma prefactor). */
double metrics_betainc_reg(double a, double b, double x);

/* Two-sided p-value of Student's t with df > 0 degrees of freedom:
 * P(|T| >= |t|) = I_{df / (df + t^2)}(df / 2, 1 / 2). */
double metrics_student_t_two_sided(double t, double df);

#endif
