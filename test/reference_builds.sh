#!/usr/bin/env bash
# Reference mode across compilers (`make test` runs this): libsamc and test/reference_hashes.c
# are built with clang -O2, gcc -O0 and gcc -O3, each into its own folder build-ref-NAME/
# (incremental, like any make build), and each build must print the pinned SHA-256 of
# sam-tiny's reference-mode outputs (test/reference_run.h), at 1 and at 3 threads. The
# normal build checks the same pins in test_reference. One "ok"/"FAIL" line per build and a
# closing "N passed, N failed". A compiler that is not installed is skipped, except under
# CI=true where that is a failure.
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
jobs=${JOBS:-2}

build_and_check() { # NAME CC OPT
    local name=$1 cc=$2 opt=$3 dir=build-ref-$1
    if ! command -v "$cc" >/dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then echo "FAIL $name: $cc not found"; failed=$((failed + 1))
        else echo "skip $name: $cc not found"; fi
        return
    fi
    mkdir -p "$dir"
    rm -f "$dir/test/reference_hashes" # make does not see changes of test/reference_run.h (the pins)
    # warnings stay warnings here: another optimisation level finds other maybe-uninitialised
    # paths, which is the normal build's business, not this check's
    if ! make -s -j"$jobs" BUILD="$dir" CC="$cc" OPT="$opt" "$dir/test/reference_hashes" \
        >"$dir/build.log" 2>&1; then
        echo "FAIL $name: build failed ($cc $opt)"; tail -n 20 "$dir/build.log"; failed=$((failed + 1))
        return
    fi
    local t
    for t in 1 3; do
        if "$dir/test/reference_hashes" "$t" >"$dir/hashes.txt" 2>&1; then
            echo "ok   $name ($cc $opt, $t threads): pinned hashes"; passed=$((passed + 1))
        else
            echo "FAIL $name ($cc $opt, $t threads): not the pinned hashes"; sed 's/^/    /' "$dir/hashes.txt"
            failed=$((failed + 1))
        fi
    done
}

build_and_check clang clang -O2
build_and_check gcc-O0 gcc -O0
build_and_check gcc-O3 gcc -O3
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
