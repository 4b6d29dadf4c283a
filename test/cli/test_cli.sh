# The samc program itself: dispatch, usage errors, the BLAS kernel report.
. test/cli/lib.sh

t_run "version prints" "$SAMC" --version
if "$SAMC" --version | grep -Eq '^openblas core: [A-Za-z0-9]+$'; then t_ok "version names the openblas core"; else t_fail "version names the openblas core"; fi
# A user's own OPENBLAS_CORETYPE is respected, never overridden by the re-exec.
if OPENBLAS_CORETYPE=Haswell "$SAMC" --version | grep -q '^openblas core: Haswell$'; then t_ok "user coretype respected"; else t_fail "user coretype respected" "$(OPENBLAS_CORETYPE=Haswell "$SAMC" --version)"; fi
# The idle-spin settings are put in place by the re-exec, and a user's own are kept.
if "$SAMC" --version | grep -q '^idle spin: OPENBLAS_THREAD_TIMEOUT=18 GOMP_SPINCOUNT=10000$'; then t_ok "idle spin set"; else t_fail "idle spin set" "$("$SAMC" --version)"; fi
if GOMP_SPINCOUNT=5 "$SAMC" --version | grep -q '^idle spin: OPENBLAS_THREAD_TIMEOUT=18 GOMP_SPINCOUNT=5$'; then t_ok "user spin count respected"; else t_fail "user spin count respected" "$(GOMP_SPINCOUNT=5 "$SAMC" --version)"; fi
t_rejects "unknown command" "unknown command" "$SAMC" frobnicate
t_rejects "no command is a usage error" "usage" "$SAMC"
t_run "help" "$SAMC" --help
t_summary
