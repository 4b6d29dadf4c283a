# libsamc's link-time names: every global symbol an object of folder D defines carries D's
# prefix (nn_ for nn/, io_ for io/, ...), so a program linking libsamc beside another library
# (libpng's png_free, say) or a second model's code meets no collision; other names are the
# public API and must be declared in samc.h. Read from the objects of $SAMC's build.
. test/cli/lib.sh
obj=$(dirname "$SAMC")/obj
declare -A prefix=([util]="util_" [nn]="nn_" [io]="io_" [weights]="weights_ samw_" [sam]="sam_"
    [iseg]="iseg_" [ritm]="ritm_" [focalclick]="focalclick_" [simpleclick]="simpleclick_"
    [prompts]="prompts_" [metrics]="metrics_" [eval]="eval_" [audit]="audit_")
# $1: symbol, $2: the folder's prefixes; 0 when allowed
allowed() {
    local p
    for p in $2; do case $1 in "$p"*) return 0 ;; esac; done
    grep -Eq "\\b$1 *\\(" samc.h
}
lib_dirs=$(sed -n 's/^LIB_DIRS *= *//p' Makefile)
for d in $lib_dirs; do
    [ -n "${prefix[$d]:-}" ] || { t_fail "$d/ has a prefix in this test's table"; continue; }
    bad="" n=0
    for src in "$d"/*.c; do
        o="$obj/${src%.c}.o"
        # nn/gemm_<library>.c: only the library the build chose (make GEMM=...) is compiled
        case $src in nn/gemm_*.c) [ -f "$o" ] || continue ;; esac
        [ -f "$o" ] || { bad="$bad $o:not-built"; continue; }
        # names starting with __ are the compiler's (ASan's __odr_asan.X beside each global X)
        for s in $(nm -g --defined-only "$o" | awk 'NF == 3 && $3 !~ /^__/ {print $3}'); do
            n=$((n + 1))
            allowed "$s" "${prefix[$d]}" || bad="$bad $src:$s"
        done
    done
    if [ -z "$bad" ]; then t_ok "$d/: its $n global symbols prefixed ${prefix[$d]} or in samc.h"
    else t_fail "$d/: global symbols without ${prefix[$d]}" "$bad"; fi
done
# the check itself: an unprefixed name is refused, a prefixed one and samc.h's accepted
if allowed png_free "nn_"; then t_fail "png_free refused in nn/"; else t_ok "png_free refused in nn/"; fi
if allowed nn_softmax "nn_"; then t_ok "nn_softmax accepted in nn/"; else t_fail "nn_softmax accepted in nn/"; fi
if allowed sam_predict "nn_"; then t_ok "samc.h's sam_predict accepted"; else t_fail "samc.h's sam_predict accepted"; fi
t_summary
