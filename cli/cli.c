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

static int g_threads_given;
int cli_threads_given(void) { return g_threads_given; }

int cli_common_option(const char *cmd, int argc, char **argv, int *i) {
    if (!strcmp(argv[*i], "--threads")) {
        const char *v = cli_value(cmd, argc, argv, i);
        long n;
        if (!v || cli_int(cmd, "--threads", v, 1, 1024, &n)) return -1;
        nn_blas_set_threads((int)n);
        g_threads_given = 1;
        return 1;
    }
    if (!strcmp(argv[*i], "--reference")) {
        samc_set_reference_mode(1);
        return 1;
    }
    return 0;
}

static const cli_option *find_option(const cli_option *opts, const char *a) {
    for (; opts && opts->name; opts++)
        if (!strcmp(a, opts->name) || (opts->alias && !strcmp(a, opts->alias))) return opts;
    return NULL;
}

/* Checks and stores the value v of option o (given as a); 0, or -1 after a usage message. */
static int set_option(const char *cmd, const cli_option *o, const char *a, const char *v) {
    long n;
    double d;
    switch (o->kind) {
    case CLI_STRING: *(const char **)o->dst = v; return 0;
    case CLI_INT:
        if (cli_int(cmd, a, v, (long)o->lo, (long)o->hi, &n)) return -1;
        *(int *)o->dst = (int)n;
        return 0;
    case CLI_DOUBLE:
        if (cli_double(cmd, a, v, &d)) return -1;
        if (o->lo < o->hi && (d < o->lo || d > o->hi)) {
            cli_usage_error(cmd, "%s: expected a number in [%g, %g], got '%s'", a, o->lo, o->hi, v);
            return -1;
        }
        *(double *)o->dst = d;
        return 0;
    case CLI_CUSTOM: return o->parse(cmd, a, v, o->dst) ? -1 : 0;
    case CLI_FLAG: break; /* takes no value */
    }
    return -1;
}

int cli_parse(const char *cmd, const char *usage, const cli_option *opts, int argc, char **argv, const char **args,
              int max_args, int *n_args) {
    int n = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        }
        int common = cli_common_option(cmd, argc, argv, &i);
        if (common < 0) return 2;
        if (common) continue;
        int is_option = a[0] == '-' && a[1];
        const cli_option *o = is_option ? find_option(opts, a) : NULL;
        if (o && o->kind == CLI_FLAG) {
            *(int *)o->dst = 1;
        } else if (o) {
            const char *v = cli_value(cmd, argc, argv, &i);
            if (!v || set_option(cmd, o, a, v)) return 2;
        } else if (is_option) {
            return cli_usage_error(cmd, "unknown option '%s'", a);
        } else if (n < max_args) {
            args[n++] = a;
        } else {
            return cli_usage_error(cmd, "unexpected argument '%s'", a);
        }
    }
    if (n_args) *n_args = n;
    return -1;
}
