/* What the baselines' parity tests (test_ritm.c, test_focalclick.c, test_simpleclick.c) share:
 * the fixture checkpoint converted once, fixture arrays read with their size checked, and the
 * two measures the tolerances of ../shared/fixtures/baselines/README.md are stated in.
 * Include after test/check.h. */
#ifndef SAMC_TEST_BASELINE_FIXTURE_H
#define SAMC_TEST_BASELINE_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "io/npy.h"
#include "util/err.h"
#include "weights/convert.h"
#include "weights/samw.h"

/* The checkpoint at ckpt converted to /tmp/samc_test_<tag>_<pid>.samw (path, cap bytes) and
 * opened, once: *model keeps it for the next call. */
static samw *fixture_convert_once(samw **model, const char *ckpt, const char *tag, char *path, size_t cap) {
    if (*model) return *model;
    snprintf(path, cap, "/tmp/samc_test_%s_%ld.samw", tag, (long)getpid());
    CHECK_MSG(weights_convert_any(ckpt, path, 0, NULL) == 0, "%s", samc_errmsg());
    CHECK_MSG((*model = samw_open(path)) != NULL, "%s", samc_errmsg());
    return *model;
}

/* path as float32 of n values; data NULL (and a failed check) otherwise */
static npy_array fixture_read_f32(const char *path, size_t n) {
    npy_array a = {0};
    CHECK_MSG(io_npy_read_f32(path, &a) == 0, "%s", samc_errmsg());
    CHECK_MSG(!a.data || a.count == n, "%s: %zu values, expected %zu", path, a.count, n);
    if (a.data && a.count != n) io_npy_free(&a);
    return a;
}

/* path as uint8 of n values (caller frees), or NULL after a failed check */
static uint8_t *fixture_read_u8(const char *path, size_t n) {
    npy_array a = {0};
    CHECK_MSG(io_npy_read(path, &a) == 0, "%s", samc_errmsg());
    CHECK(a.data && a.dtype == NPY_U8 && a.count == n);
    if (a.data && (a.dtype != NPY_U8 || a.count != n)) io_npy_free(&a);
    return a.data;
}

static double max_abs_diff(const float *a, const float *b, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > m || isnan(d)) m = d;
    }
    return m;
}

/* max - min of a reference array (the logits' tolerance is 1e-4 of it) */
static double range(const float *a, size_t n) {
    float lo = a[0], hi = a[0];
    for (size_t i = 1; i < n; i++) lo = a[i] < lo ? a[i] : lo, hi = a[i] > hi ? a[i] : hi;
    return (double)hi - lo;
}

#endif
