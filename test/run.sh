#!/usr/bin/env bash
# Runs every test program (build dir given as $1) and every CLI test script in test/cli/
# (not with TEST_C_ONLY=1), from the repository root, and prints one closing line
# "N passed, N failed".
# A program that crashes or prints no summary counts as one failed test.
set -u
bindir=${1:-build}
label=${2:-}
passed=0
failed=0

tally() { # name, exit code, output file, seconds
    local name=$1 rc=$2 out=$3 secs=$4 line p f
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
    echo "$label$name: $line ($secs s)"
    passed=$((passed + p)); failed=$((failed + f))
}

# Each test's output goes to its own log; TEST_JOBS tests run at once (default: the cores),
# the slowest known ones first so that none is left running alone at the end; the results
# are tallied in the listed order once all have finished.
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
slow="test_kernels.sh test_eval_baselines.sh test_simpleclick test_eval_inspect.sh test_eval.sh"
names=() cmds=()
for n in $slow; do
    case $n in *.sh) [ -f "test/cli/$n" ] && [ "${TEST_C_ONLY:-0}" != 1 ] && names+=("$n") ;; *) [ -x "$bindir/test/$n" ] && names+=("$n") ;; esac
done
for t in "$bindir"/test/test_*; do
    [ -x "$t" ] || continue
    case " $slow " in *" $(basename "$t") "*) continue ;; esac
    names+=("$(basename "$t")")
done
for s in test/cli/test_*.sh; do
    [ -f "$s" ] && [ "${TEST_C_ONLY:-0}" != 1 ] || continue
    case " $slow " in *" $(basename "$s") "*) continue ;; esac
    names+=("$(basename "$s")")
done
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT
run_one() { # NAME: runs it, leaving its output, exit code and seconds in logdir
    local n=$1 t0 rc
    t0=$(date +%s)
    case $n in
        *.sh) SAMC="$bindir/samc" bash "test/cli/$n" >"$logdir/$n.out" 2>&1 ;;
        *) "$bindir/test/$n" >"$logdir/$n.out" 2>&1 ;;
    esac
    rc=$?
    echo "$rc $(( $(date +%s) - t0 ))" >"$logdir/$n.rc"
}
echo "${label}running ${#names[@]} tests, $jobs at a time"
running=0
for n in "${names[@]}"; do
    if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    run_one "$n" &
    running=$((running + 1))
done
wait
for n in "${names[@]}"; do
    read -r rc secs <"$logdir/$n.rc" || { rc=1; secs=0; }
    tally "$n" "$rc" "$logdir/$n.out" "$secs"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
