/* io/pyrepr: Python's float repr, expected strings from Python 3 (repr of each value). */
#include <math.h>

#include "check.h"
#include "io/pyrepr.h"

TEST(repr_matches_python) {
    const struct {
        double v;
        const char *s;
    } cases[] = {
        {0.7949400544166565, "0.7949400544166565"}, /* float32 IoUs of the sam-demo fixture */
        {1.192938208580017, "1.192938208580017"},
        {98.0, "98.0"},
        {1e-05, "1e-05"},
        {1e16, "1e+16"},
        {1e15, "1000000000000000.0"},
        {0.0001, "0.0001"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {0.1, "0.1"},
        {281.25, "281.25"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {0.00012345, "0.00012345"},
        {12345.678, "12345.678"},
        {1e22, "1e+22"},
        {-2.5e-7, "-2.5e-07"},
        {100.0, "100.0"},
        {0.5, "0.5"},
        {(double)0.88f, "0.8799999952316284"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        io_py_float_repr(cases[i].v, buf, sizeof buf);
        CHECK_MSG(strcmp(buf, cases[i].s) == 0, "%.17g -> '%s', expected '%s'", cases[i].v, buf, cases[i].s);
    }
    CHECK(strcmp(io_py_float_repr(NAN, buf, sizeof buf), "NaN") == 0);
    CHECK(strcmp(io_py_float_repr(-INFINITY, buf, sizeof buf), "-Infinity") == 0);
}

int main(void) {
    RUN(repr_matches_python);
    return check_summary();
}
