#!/usr/bin/env bash
# `make test`: the whole suite in the normal build and again under ASan+UBSan, then a short
# libFuzzer run over each harness; one closing line "N passed, N failed" for everything.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
total_p=0; total_f=0
add() { # parse the closing line of a run.sh log
    local line; line=$(tail -n 1 "$1")
    case "$line" in *" passed, "*" failed") ;; *) total_f=$((total_f + 1)); return ;; esac
    total_p=$((total_p + ${line%% passed*})); local f=${line#*passed, }; total_f=$((total_f + ${f%% failed*}))
}
log=$(mktemp); trap 'rm -f "$log"' EXIT

start=$(date +%s)
section() { echo "== $1 (at $(( $(date +%s) - start )) s)"; }
section "normal build"
if make -s -j"$jobs" build/samc $(ls test/test_*.c 2>/dev/null | sed 's|^test/\(.*\)\.c$|build/test/\1|'); then
    bash test/run.sh build | tee "$log"; add "$log"
else
    echo "build failed"; total_f=$((total_f + 1))
fi

section "ASan + UBSan build"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if make -s -j"$jobs" SAN=1 build-san/samc $(ls test/test_*.c 2>/dev/null | sed 's|^test/\(.*\)\.c$|build-san/test/\1|'); then
    SAMC_SANITIZED=1 bash test/run.sh build-san "san:" | tee "$log"; add "$log"
else
    echo "sanitizer build failed"; total_f=$((total_f + 1))
fi

# the same parity and thread-count tests with the products in oneDNN (make GEMM=dnnl,
# nn/gemm_library.h); the CLI scripts add nothing there that the normal build does not test
section "oneDNN build (GEMM=dnnl), C tests"
if make -s -j"$jobs" GEMM=dnnl build-dnnl/samc $(ls test/test_*.c 2>/dev/null | sed 's|^test/\(.*\)\.c$|build-dnnl/test/\1|'); then
    TEST_C_ONLY=1 bash test/run.sh build-dnnl "dnnl:" | tee "$log"; add "$log"
else
    echo "oneDNN build failed"; total_f=$((total_f + 1))
fi

section "reference mode across compilers"
bash test/reference_builds.sh | tee "$log"; add "$log"

if [ -x fuzz/smoke.sh ]; then
    section "fuzz smoke run"
    bash fuzz/smoke.sh | tee "$log"; add "$log"
fi
section "end"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
