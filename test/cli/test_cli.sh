# The samc program itself: dispatch, usage errors, the BLAS kernel report.
. test/cli/lib.sh

t_run "version prints" "$SAMC" --version
if "$SAMC" --version | grep -Eq '^openblas core: [A-Za-z0-9]+$'; then t_ok "version names the openblas core"; else t_fail "version names the openblas core"; fi
# A user's own OPENBLAS_CORETYPE is respected, never overridden by the re-exec.
if "$SAMC" --version | grep -Eq '^gemm: (OpenBLAS|oneDNN) '; then t_ok "version names the GEMM library"; else t_fail "version names the GEMM library"; fi
if OPENBLAS_CORETYPE=Haswell "$SAMC" --version | grep -q '^openblas core: Haswell$'; then t_ok "user coretype respected"; else t_fail "user coretype respected" "$(OPENBLAS_CORETYPE=Haswell "$SAMC" --version)"; fi
# The idle-spin setting is put in place by the re-exec, and a user's own is kept.
if "$SAMC" --version | grep -q '^idle spin: GOMP_SPINCOUNT=10000$'; then t_ok "idle spin set"; else t_fail "idle spin set" "$("$SAMC" --version)"; fi
if GOMP_SPINCOUNT=5 "$SAMC" --version | grep -q '^idle spin: GOMP_SPINCOUNT=5$'; then t_ok "user spin count respected"; else t_fail "user spin count respected" "$(GOMP_SPINCOUNT=5 "$SAMC" --version)"; fi
# The idle-spin settings are put in place by the re-exec, and a user's own are kept.
t_rejects "unknown command" "unknown command" "$SAMC" frobnicate
t_rejects "no command is a usage error" "usage" "$SAMC"
t_run "help" "$SAMC" --help

# The option parser every command shares (cli_parse): -h prints the command's usage and exits
# 0; an unknown option, a missing or bad value, a stray argument are usage errors: exit 2 and
# a message naming the option.
# each command with one of its own options that takes a value
for cv in trace:-o diff:--threshold hash:--threads eval:--clicks merge:--out report:--seed convert:--decoder-heads \
          dump:-o info:--threads preprocess:--img-size encode:-m predict:--box everything:--points-per-side; do
    c=${cv%%:*} opt=${cv#*:}
    t_exit "$c -h" 0 "^usage: samc $c" "$SAMC" $c -h
    t_exit "$c --help after other options" 0 "^usage: samc $c" "$SAMC" $c --threads 2 --help
    t_exit "$c: unknown option" 2 "samc $c: unknown option '--frobnicate'" "$SAMC" $c --frobnicate
    t_exit "$c: $opt without its value" 2 "samc $c: option $opt needs a value" "$SAMC" $c $opt
    t_exit "$c: bad --threads" 2 "samc $c: --threads: expected an integer in \\[1, 1024\\], got '0'" "$SAMC" $c --threads 0
done
for c in trace eval encode predict everything; do
    t_exit "$c: a stray argument" 2 "samc $c: unexpected argument 'stray'" "$SAMC" $c stray
done
t_exit "dump: two input files" 2 "samc dump: unexpected argument 'b'" "$SAMC" dump a b -o x.npy
t_exit "report: two run folders" 2 "one run folder only" "$SAMC" report a b
t_exit "integer out of range" 2 "--bootstrap: expected an integer in \\[100, 1000000\\], got '99'" "$SAMC" report x --bootstrap 99
t_exit "integer with trailing junk" 2 "--img-size: expected an integer" "$SAMC" preprocess x --img-size 64px
t_exit "not a number" 2 "--threshold: expected a number, got 'x'" "$SAMC" diff a b --threshold x
t_exit "number out of range" 2 "--amg-pred-iou-thresh: expected a number in \\[0, 1\\], got '1.5'" \
    "$SAMC" eval --amg-pred-iou-thresh 1.5
t_exit "choice not in the list" 2 "--click-label: paper or class, not 'x'" "$SAMC" eval --click-label x
t_exit "prompt option in the table" 2 "--box: expected 4 comma-separated numbers" "$SAMC" trace --box 1,2,3
t_summary
