/* Elementary functions in portable C for reference mode: each is evaluated in IEEE double
 * with a fixed sequence of operations (no libm call but sqrt-free scalbn-free arithmetic)
 * and rounded once to float, so the result is the same on every IEEE-754 machine.
 * The double evaluation is accurate to ~1e-15 relative, so the float result is the
 * correctly rounded one except in rare near-halfway cases — and identical everywhere. */
#ifndef SAMC_NN_PORTABLE_MATH_H
#define SAMC_NN_PORTABLE_MATH_H

float nn_portable_expf(float x);
float nn_portable_erff(float x);
float nn_portable_sinf(float x);
float nn_portable_cosf(float x);

/* The double-precision kernels behind them (exposed for tests). */
double nn_portable_exp(double x);
double nn_portable_erf(double x);
double nn_portable_sin(double x);
double nn_portable_cos(double x);

#endif
