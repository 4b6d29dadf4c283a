#!/usr/bin/env bash
# A short libFuzzer run of every harness fuzz/fuzz_NAME.c (`make test` calls this).
#
# The library sources are compiled with clang, ASan, UBSan and fuzzer instrumentation into
# FUZZ_OUT (default build-fuzz/; only when changed), each harness is linked against that
# archive with -fsanitize=fuzzer and run for FUZZ_SECONDS (default 20) seconds starting from
# its seeds in fuzz/corpus/NAME/ (new inputs go to FUZZ_OUT/corpus/NAME/, crash inputs to
# FUZZ_OUT/artifacts/). A harness passes if libFuzzer finds nothing. Prints "ok NAME" (with
# its run count and speed) or "FAIL NAME" per harness and closes with "N passed, N failed".
# Without clang the run is skipped ("0 passed, 0 failed"), except under CI=true where that
# is a failure. `make fuzz` runs it for longer (FUZZ_SECONDS=60 unless given). Compiles and
# harnesses run FUZZ_JOBS at a time (default: the cores). FUZZ_ONLY="png pth" runs only the
# harnesses named (so that hour-long runs of every harness can be split across machines).
# FUZZ_TIMEOUT (default 10) is the seconds one input may take before libFuzzer reports a hang:
# wall time, so raise it when the harnesses share the cores with other work (more harnesses
# than cores, or at a low priority), where a starved fast input can pass 10 s.
set -u
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-20}
timeout=${FUZZ_TIMEOUT:-10}
out=${FUZZ_OUT:-build-fuzz}
CLANG=${FUZZ_CC:-clang}
passed=0
failed=0
if ! command -v "$CLANG" >/dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then echo "FAIL fuzz: $CLANG not found"; echo "0 passed, 1 failed"; exit 1; fi
    echo "$CLANG not found: fuzz smoke run skipped"
    echo "0 passed, 0 failed"
    exit 0
fi

cflags="-std=c11 -D_GNU_SOURCE -I. -g -O1 -fopenmp -pthread -fno-omit-frame-pointer
        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
libs="-lopenblas -ljpeg -lz -lm"
mkdir -p "$out/obj" "$out/artifacts"

jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
# throttle: before starting a background job, wait while $jobs of them run
throttle() { while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done; }

# the library, as one archive (a harness pulls in only the objects it needs), compiled
# $jobs at a time
objs=""
lib_dirs=$(sed -n 's/^LIB_DIRS *= *//p' Makefile)
for src in $(ls $(for d in $lib_dirs; do echo "$d/*.c"; done) 2>/dev/null); do
    # one GEMM library per build, as the Makefile's LIB_SRC: the default, OpenBLAS
    case "$src" in nn/gemm_*.c) [ "$src" = nn/gemm_openblas.c ] || continue ;; esac
    obj="$out/obj/${src%.c}.o"
    mkdir -p "$(dirname "$obj")"
    objs="$objs $obj"
    # rebuilt when it or any header of the tree is newer than the object
    if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ -n "$(find samc.h $lib_dirs -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
        throttle
        { $CLANG $cflags -c "$src" -o "$obj" 2>"$obj.log" || rm -f "$obj"; } &
    fi
done
wait
build_ok=1
for obj in $objs; do
    if [ ! -f "$obj" ]; then
        echo "FAIL build ${obj#"$out"/obj/}"; head -n 20 "$obj.log"; build_ok=0
    fi
done
[ "$build_ok" -eq 1 ] || failed=$((failed + 1))
rm -f "$out/libsamc-fuzz.a"
ar rcs "$out/libsamc-fuzz.a" $objs 2>/dev/null

# each harness: link, then run for $secs seconds; $jobs harnesses at a time, reported in order
names=""
for harness in fuzz/fuzz_*.c; do
    [ -f "$harness" ] || continue
    name=$(basename "$harness" .c); name=${name#fuzz_}
    if [ -n "${FUZZ_ONLY:-}" ]; then case " $FUZZ_ONLY " in *" $name "*) ;; *) continue ;; esac; fi
    names="$names $name"
    throttle
    (
        bin="$out/fuzz_$name" log="$out/fuzz_$name.log"
        if ! $CLANG $cflags -fsanitize=fuzzer "$harness" "$out/libsamc-fuzz.a" $libs -o "$bin" 2>"$log"; then
            echo "nobuild" >"$log.rc"; exit
        fi
        mkdir -p "$out/corpus/$name" "fuzz/corpus/$name"
        "$bin" "$out/corpus/$name" "fuzz/corpus/$name" -max_total_time="$secs" -rss_limit_mb=2048 -timeout="$timeout" \
            -artifact_prefix="$out/artifacts/$name-" >"$log" 2>&1
        echo $? >"$log.rc"
    ) &
done
wait
for name in ${FUZZ_ONLY:-}; do
    [ -f "fuzz/fuzz_$name.c" ] || { echo "FAIL $name: no harness fuzz/fuzz_$name.c"; failed=$((failed + 1)); }
done
for name in $names; do
    log="$out/fuzz_$name.log"
    rc=$(cat "$log.rc" 2>/dev/null || echo missing)
    if [ "$rc" = nobuild ]; then
        echo "FAIL $name: does not build"; head -n 20 "$log"; failed=$((failed + 1))
    elif [ "$rc" = 0 ]; then
        speed=$(grep -Eo 'exec/s: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+' || true)
        echo "ok   $name ($(grep -Eo 'Done [0-9]+ runs' "$log" | tail -n 1 || true) in ${secs}s${speed:+, $speed exec/s})"
        passed=$((passed + 1))
    else
        echo "FAIL $name: libFuzzer found a problem (log $log, input in $out/artifacts/)"
        grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 10
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
