#!/usr/bin/env bash
# Fast mode's promise, the same bits at any thread count, under every OpenBLAS kernel this CPU
# can run, not only the one the environment picked (an environment may set
# OPENBLAS_CORETYPE=Haswell on a CPU OpenBLAS does not know; the AVX2 kernels and the
# AVX-512 ones round differently where a product is split). For each kernel,
# OPENBLAS_CORETYPE set for these runs only: the test programs that compare thread counts,
# and samc encode (64 x 64 tokens: several tiles per product), predict and everything at 1,
# 2 and 3 threads, byte for byte.
source test/cli/lib.sh
F=test/fixtures
bindir=$(dirname "$SAMC")

cores=""
grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && cores="Haswell Zen"
grep -qw avx512f /proc/cpuinfo && cores="$cores SkylakeX Cooperlake"
[ -n "$cores" ] || t_ok "no AVX2 on this CPU: the environment's kernel only (the other tests)"
# Under the sanitizers one kernel: the kernels differ inside OpenBLAS, which is not
# instrumented; samc's own code runs the same paths whichever kernel it calls.
[ "${SAMC_SANITIZED:-0}" = 1 ] && cores=${cores%% *}

"$SAMC" convert $F/sam-small/model.pth "$T_TMP/small.samw" >/dev/null 2>&1 || t_fail "convert sam-small"
"$SAMC" convert --decoder-heads 4 $F/sam-demo/model.pth "$T_TMP/demo.samw" >/dev/null 2>&1 || t_fail "convert sam-demo"
PR="--point 100,120,1 --point 30,40,0 --box 20,30,200,220 --multimask"
AMG="--points-per-side 6 --pred-iou-thresh 0 --stability-score-thresh 0"

# same_bytes NAME DIR1 DIR2...: every file of DIR1 is in each other DIR, byte for byte
same_bytes() {
    local n=$1 a=$2 f d bad=""; shift 2
    [ -n "$(ls -A "$a" 2>/dev/null)" ] || { t_fail "$n" "no output in $a"; return; }
    for d in "$@"; do
        for f in "$a"/*; do cmp -s "$f" "$d/$(basename "$f")" || bad="$bad $(basename "$d")/$(basename "$f")"; done
    done
    if [ -z "$bad" ]; then t_ok "$n"; else t_fail "$n" "differ:$bad"; fi
}

for core in $cores; do
    export OPENBLAS_CORETYPE=$core
    loaded=$("$SAMC" --version | sed -n 's/^openblas core: //p')
    if [ "$loaded" = "$core" ]; then t_ok "$core: kernel loads"; else t_fail "$core: kernel loads" "got '$loaded'"; fi
    for prog in test_nn test_keys_fold test_image_encoder test_predictor test_reference test_everything; do
        "$bindir/test/$prog" >"$T_TMP/log" 2>&1
        line=$(tail -n 1 "$T_TMP/log")
        case "$line" in
        *" passed, 0 failed") t_ok "$core: $prog ($line)" ;;
        *) t_fail "$core: $prog" "$(grep -E '^(FAIL|    )' "$T_TMP/log" | head -n 8; echo "$line")" ;;
        esac
    done
    for t in 1 2 3; do
        mkdir -p "$T_TMP/$core/e$t" "$T_TMP/$core/p$t" "$T_TMP/$core/a$t"
        "$SAMC" encode --threads $t -m "$T_TMP/small.samw" -i $F/sam-small/image.png \
            -o "$T_TMP/$core/e$t/embedding.npy" >/dev/null 2>&1
        # shellcheck disable=SC2086
        "$SAMC" predict --threads $t -m "$T_TMP/demo.samw" -i $F/sam-demo/image.png $PR \
            -o "$T_TMP/$core/p$t" >/dev/null 2>&1
        # shellcheck disable=SC2086
        "$SAMC" everything --threads $t -m "$T_TMP/demo.samw" -i $F/sam-demo/image.png $AMG \
            -o "$T_TMP/$core/a$t" >/dev/null 2>&1
    done
    same_bytes "$core: encode, same bytes at 1, 2, 3 threads" "$T_TMP/$core/e1" "$T_TMP/$core/e2" "$T_TMP/$core/e3"
    same_bytes "$core: predict, same bytes at 1, 2, 3 threads" "$T_TMP/$core/p1" "$T_TMP/$core/p2" "$T_TMP/$core/p3"
    same_bytes "$core: everything, same bytes at 1, 2, 3 threads" "$T_TMP/$core/a1" "$T_TMP/$core/a2" "$T_TMP/$core/a3"
done
unset OPENBLAS_CORETYPE
t_summary
