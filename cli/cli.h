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

#endif
