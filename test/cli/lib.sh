# Helpers for CLI tests (sourced, not run). $SAMC is the binary under test.
# Each `t_*` check counts one test; finish with `t_summary`.
T_PASSED=0
T_FAILED=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

t_ok()   { T_PASSED=$((T_PASSED + 1)); echo "ok   $1"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && echo "    $2"; }

# t_run NAME CMD...: passes when CMD exits 0.
t_run() { local n=$1; shift; if "$@" >"$T_TMP/out" 2>&1; then t_ok "$n"; else t_fail "$n" "$(tail -n 5 "$T_TMP/out")"; fi; }

# t_rejects NAME PATTERN CMD...: passes when CMD exits non-zero (not by a signal) and its
# stderr/stdout matches PATTERN (an extended regex naming the error).
t_rejects() {
    local n=$1 pat=$2 rc; shift 2
    "$@" >"$T_TMP/out" 2>&1; rc=$?
    if [ $rc -eq 0 ]; then t_fail "$n" "exit 0, expected an error"
    elif [ $rc -ge 128 ]; then t_fail "$n" "killed by signal $((rc - 128))"
    elif ! grep -Eq -- "$pat" "$T_TMP/out"; then t_fail "$n" "message did not match /$pat/: $(head -c 300 "$T_TMP/out")"
    else t_ok "$n"; fi
}

# t_exit NAME CODE PATTERN CMD...: passes when CMD exits with CODE and its stderr/stdout
# matches PATTERN (an extended regex).
t_exit() { # NAME CODE PATTERN CMD...
    local n=$1 code=$2 pat=$3 rc; shift 3
    "$@" >"$T_TMP/out" 2>&1; rc=$?
    if [ $rc -ne "$code" ]; then t_fail "$n" "exit $rc, expected $code: $(head -c 300 "$T_TMP/out")"
    elif ! grep -Eq -- "$pat" "$T_TMP/out"; then t_fail "$n" "message did not match /$pat/: $(head -c 300 "$T_TMP/out")"
    else t_ok "$n"; fi
}

t_summary() { echo "$T_PASSED passed, $T_FAILED failed"; [ $T_FAILED -eq 0 ]; }
