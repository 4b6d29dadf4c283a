#!/usr/bin/env bash
# `samc dump` against libpng as an external reference: libpng writes a PNG of every colour
# type, bit depth, interlace and tRNS variant (test/cli/png_libpng_ref.c), and for those, the
# fixtures' real pictures and the fuzz seeds (some written by samc's own encoder) samc must
# give exactly the shape, dtype and samples of libpng's expand transforms.
# Needs libpng-dev (.ci/install-deps installs it); without it the check is skipped, except
# under CI=true where that is a failure.
set -u
source "$(dirname "$0")/lib.sh"
SAMC=${SAMC:-build/samc}
ref=$T_TMP/pngref
if ! ${CC:-cc} -O1 -o "$ref" test/cli/png_libpng_ref.c -lpng >"$T_TMP/ccerr" 2>&1; then
    if [ "${CI:-}" = true ]; then t_fail "build libpng reference" "$(tail -n 3 "$T_TMP/ccerr")"
    else echo "libpng-dev not installed: external reference check skipped"; fi
    t_summary; exit
fi

# same_as_libpng FILE: samc dump FILE equals libpng's decoding, shape and bytes
same_as_libpng() {
    local f=$1 n; n=$(basename "$1")
    local facts h w c d hl want_shape want_type
    if ! facts=$("$ref" read "$f" "$T_TMP/ref.raw" 2>"$T_TMP/referr"); then t_fail "$n" "libpng cannot read it"; return; fi
    if ! "$SAMC" dump "$f" -o "$T_TMP/out.npy" >"$T_TMP/err" 2>&1; then t_fail "$n" "$(cat "$T_TMP/err")"; return; fi
    read -r h w c d <<<"$facts"
    if [ "$c" -eq 1 ]; then want_shape="($h, $w)"; else want_shape="($h, $w, $c)"; fi
    if [ "$d" -eq 16 ]; then want_type="<u2"; else want_type="|u1"; fi
    hl=$(od -An -tu2 -j8 -N2 "$T_TMP/out.npy" | tr -d ' ')
    head -c $((hl + 10)) "$T_TMP/out.npy" | tail -c +11 >"$T_TMP/hdr"
    tail -c +$((hl + 11)) "$T_TMP/out.npy" >"$T_TMP/out.raw"
    if ! grep -qF "'shape': $want_shape" "$T_TMP/hdr" || ! grep -qF "'descr': '$want_type'" "$T_TMP/hdr"; then
        t_fail "$n" "header $(cat "$T_TMP/hdr"), libpng says $want_type $want_shape"
    elif ! cmp -s "$T_TMP/out.raw" "$T_TMP/ref.raw"; then
        t_fail "$n" "samples differ from libpng's ($want_type $want_shape)"
    else
        t_ok "$n same as libpng"
    fi
}

mkdir -p "$T_TMP/lib"
t_run "libpng writes the corpus" "$ref" write "$T_TMP/lib"
count=0
for f in "$T_TMP"/lib/*.png; do same_as_libpng "$f"; count=$((count + 1)); done
[ "$count" -eq 52 ] && t_ok "corpus has all 52 variants" || t_fail "corpus has $count files, expected 52"
for f in test/fixtures/*/image.png fuzz/corpus/png/*.png; do [ -f "$f" ] && same_as_libpng "$f"; done
t_summary
