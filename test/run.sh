#!/usr/bin/env bash
# Runs every test program (build dir given as $1) and every CLI test script in test/cli/,
# from the repository root, and prints one closing line "N passed, N failed".
# A program that crashes or prints no summary counts as one failed test.
set -u
bindir=${1:-build}
label=${2:-}
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

tally() { # name, exit code, output file
    local name=$1 rc=$2 out=$3 line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $name: no summary (exit $rc)"; tail -n 20 "$out"
        failed=$((failed + 1)); return
    fi
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exit $rc after '$line'"; tail -n 20 "$out"; f=1
    fi
    [ "$f" -ne 0 ] && grep -E '^(FAIL|    )' "$out" | head -n 40
    echo "$label$name: $line ($(( $(date +%s) - t0 )) s)"
    passed=$((passed + p)); failed=$((failed + f))
}

for t in "$bindir"/test/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    t0=$(date +%s); "$t" >"$log" 2>&1; rc=$?
    tally "$name" "$rc" "$log"
done
for s in test/cli/test_*.sh; do
    [ -f "$s" ] || continue
    t0=$(date +%s); SAMC="$bindir/samc" bash "$s" >"$log" 2>&1; rc=$?
    tally "$(basename "$s")" "$rc" "$log"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
