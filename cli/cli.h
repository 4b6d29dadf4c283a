/* Shared helpers of the samc subcommands: option values, errors, output folders.
 * Every subcommand is `int cmd_NAME(int argc, char **argv)` (argv[0] is the subcommand
 * name) returning the process exit code: 0 on success, 1 on bad input or failure, 2 on a
 * usage error. Errors go to stderr as "samc NAME: message". */
#ifndef SAMC_CLI_H
#define SAMC_CLI_H

#include <stdint.h>

/* Prints "samc <cmd>: <message>" to stderr; returns 1. */
int cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the library's last error message for cmd; returns 1. */
int cli_lib_error(const char *cmd);
/* Prints "samc <cmd>: <message>" and the usage hint; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The value after option argv[*i]; advances *i. NULL (and a usage message) if missing. */
const char *cli_value(const char *cmd, int argc, char **argv, int *i);

/* Parses a whole string as an integer in [lo, hi]; 0 or -1 with a message. */
int cli_int(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out);
/* Parses a whole string as a finite double; 0 or -1. */
int cli_double(const char *cmd, const char *opt, const char *s, double *out);
/* Parses exactly n comma-separated finite doubles ("x,y,label"); 0 or -1. */
int cli_doubles(const char *cmd, const char *opt, const char *s, int n, double *out);

/* Handles the options every subcommand takes (--threads N; --reference, the portable
 * reference mode of samc.h). Returns 1 if argv[*i] was one of them (and consumed it), 0 if
 * not, -1 on a bad value. */
int cli_common_option(const char *cmd, int argc, char **argv, int *i);
/* 1 once --threads was given (else the threads are the default: all cores). */
int cli_threads_given(void);

/* A command's options as a table for cli_parse, one row per option, ended by {0}. Write rows
 * with the CLI_*_OPT macros below; they check the type of the destination. */
typedef enum {
    CLI_FLAG,   /* no value; sets *(int *)dst = 1 */
    CLI_STRING, /* *(const char **)dst = the value */
    CLI_INT,    /* *(int *)dst = an integer in [lo, hi] */
    CLI_DOUBLE, /* *(double *)dst = a finite number, in [lo, hi] when lo < hi */
    CLI_CUSTOM, /* parse(cmd, name, value, dst) checks and stores the value */
} cli_kind;

typedef struct {
    const char *name;
    const char *alias; /* a second name ("--out" beside "-o"), or NULL */
    cli_kind kind;
    void *dst;
    double lo, hi;
    /* CLI_CUSTOM: 0, or non-zero after printing a usage error (cli_usage_error's 2) */
    int (*parse)(const char *cmd, const char *opt, const char *value, void *dst);
} cli_option;

#define CLI_TYPED(type, p) (1 ? (p) : (type *)0) /* a compile error unless p is a type * */
#define CLI_FLAG_OPT(opt, p) {.name = (opt), .kind = CLI_FLAG, .dst = CLI_TYPED(int, p)}
#define CLI_STRING_OPT(opt, p) {.name = (opt), .kind = CLI_STRING, .dst = CLI_TYPED(const char *, p)}
#define CLI_INT_OPT(opt, p, min, max) \
    {.name = (opt), .kind = CLI_INT, .dst = CLI_TYPED(int, p), .lo = (min), .hi = (max)}
#define CLI_DOUBLE_OPT(opt, p, min, max) \
    {.name = (opt), .kind = CLI_DOUBLE, .dst = CLI_TYPED(double, p), .lo = (min), .hi = (max)}
#define CLI_CUSTOM_OPT(opt, fn, p) {.name = (opt), .kind = CLI_CUSTOM, .dst = (p), .parse = (fn)}

/* Walks argv[1..argc-1] in order: -h/--help prints usage to stdout; the common options
 * (cli_common_option) and opts' rows are consumed with their values checked; any other word
 * starting with '-' (but "-" itself) is an unknown option; the rest are positional arguments,
 * stored in args[0..max_args-1] and counted in *n_args (args and n_args may be NULL when
 * max_args is 0). Returns -1 when the command should go on, else its exit code: 0 after -h,
 * 2 after printing a usage error. */
int cli_parse(const char *cmd, const char *usage, const cli_option *opts, int argc, char **argv, const char **args,
              int max_args, int *n_args);

#endif
