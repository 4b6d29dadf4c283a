#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blas.h"
#include "samc.h"
#include "util/err.h"

int cli_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "samc %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_lib_error(const char *cmd) { return cli_error(cmd, "%s", samc_errmsg()[0] ? samc_errmsg() : "failed"); }

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "samc %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'samc %s -h')\n", cmd);
    return 2;
}

const char *cli_value(const char *cmd, int argc, char **argv, int *i) {
    if (*i + 1 >= argc) {
        cli_usage_error(cmd, "option %s needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        cli_usage_error(cmd, "%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_double(const char *cmd, const char *opt, const char *s, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v)) {
        cli_usage_error(cmd, "%s: expected a number, got '%s'", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_doubles(const char *cmd, const char *opt, const char *s, int n, double *out) {
    const char *p = s;
    for (int k = 0; k < n; k++) {
        char *end;
        errno = 0;
        out[k] = strtod(p, &end);
        if (errno || end == p || !isfinite(out[k]) || (k < n - 1 ? *end != ',' : *end != 0)) {
            cli_usage_error(cmd, "%s: expected %d comma-separated numbers, got '%s'", opt, n, s);
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

int cli_common_option(const char *cmd, int argc, char **argv, int *i) {
    if (!strcmp(argv[*i], "--threads")) {
        const char *v = cli_value(cmd, argc, argv, i);
        long n;
        if (!v || cli_int(cmd, "--threads", v, 1, 1024, &n)) return -1;
        blas_set_threads((int)n);
        return 1;
    }
    if (!strcmp(argv[*i], "--reference")) {
        samc_set_reference_mode(1);
        return 1;
    }
    return 0;
}
