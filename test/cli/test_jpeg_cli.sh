#!/usr/bin/env bash
# samc dump / info / encode on JPEG: files cjpeg makes here from a PPM and a PGM this script
# writes, in each coding cjpeg offers, decode to exactly the samples djpeg gives for them
# (Debian libjpeg-turbo-progs); damaged files are refused with exit 1 and no output.
set -u
. test/cli/lib.sh
SAMC=${SAMC:-build/samc}

check() { # NAME CONDITION...
    local n=$1; shift
    if "$@"; then t_ok "$n"; else t_fail "$n"; fi
}
if ! command -v cjpeg >/dev/null 2>&1 || ! command -v djpeg >/dev/null 2>&1; then
    t_fail "JPEG decoding compared with djpeg" "needs cjpeg and djpeg: apt-get install libjpeg-turbo-progs (or bash .ci/install-deps)"
    t_summary
    exit
fi

# a 53 x 31 RGB picture and a grey one (bytes, whatever the locale)
W=53 H=31
LC_ALL=C awk -v w=$W -v h=$H 'BEGIN { printf "P6\n%d %d\n255\n", w, h
    for (y = 0; y < h; y++) for (x = 0; x < w; x++)
        printf "%c%c%c", (x * 5 + y * 9) % 256, (x * y + 77) % 256, ((x - 26) * (x - 26) + (y - 15) * (y - 15)) % 256 }' >"$T_TMP/src.ppm"
LC_ALL=C awk -v w=$W -v h=$H 'BEGIN { printf "P5\n%d %d\n255\n", w, h
    for (y = 0; y < h; y++) for (x = 0; x < w; x++) printf "%c", (x * x + 3 * y) % 256 }' >"$T_TMP/src.pgm"

header_of() { local hl; hl=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' '); head -c $((hl + 10)) "$1" | tail -c +11; }
variant() { # NAME CHANNELS CJPEG-ARGS... (the last: the source)
    local n=$1 ch=$2; shift 2
    if ! cjpeg "$@" >"$T_TMP/$n.jpg" 2>"$T_TMP/err"; then t_fail "cjpeg $n" "$(cat "$T_TMP/err")"; return; fi
    djpeg -pnm "$T_TMP/$n.jpg" | tail -c $((W * H * ch)) >"$T_TMP/$n.djpeg"
    t_run "dump $n" "$SAMC" dump "$T_TMP/$n.jpg" -o "$T_TMP/$n.npy"
    check "dump $n: the samples djpeg gives" cmp -s <(tail -c $((W * H * ch)) "$T_TMP/$n.npy") "$T_TMP/$n.djpeg"
    local shape="($H, $W)"; [ "$ch" = 3 ] && shape="($H, $W, 3)"
    check "dump $n: uint8 $shape" grep -qF "'descr': '|u1', 'fortran_order': False, 'shape': $shape" <(header_of "$T_TMP/$n.npy")
}
variant baseline 3 -quality 85 "$T_TMP/src.ppm"
variant grayscale 1 -grayscale "$T_TMP/src.ppm"
variant grey_source 1 "$T_TMP/src.pgm"
variant progressive 3 -progressive "$T_TMP/src.ppm"
variant sample444 3 -sample 1x1 -quality 100 "$T_TMP/src.ppm"
variant arithmetic 3 -arithmetic "$T_TMP/src.ppm"
variant rgb_colorspace 3 -rgb "$T_TMP/src.ppm"
variant optimized_restart 3 -optimize -restart 2 -quality 20 "$T_TMP/src.ppm"

"$SAMC" info "$T_TMP/progressive.jpg" >"$T_TMP/info" 2>&1
for l in "format: jpeg" "width: $W" "height: $H" "components: 3 (YCbCr)" "precision: 8" "coding: progressive, huffman" \
    "decoded: uint8 ($H, $W, 3)"; do
    check "info: $l" grep -qxF "$l" "$T_TMP/info"
done
t_exit "info of a grey JPEG" 0 "^decoded: uint8 \($H, $W\)$" "$SAMC" info "$T_TMP/grayscale.jpg"

# damaged: exit 1, libjpeg's reason, no output
refused() { # NAME PATTERN FILE
    rm -f "$T_TMP/out.npy"
    t_exit "dump $1" 1 "$2" "$SAMC" dump "$3" -o "$T_TMP/out.npy"
    check "dump $1: no output file" [ ! -e "$T_TMP/out.npy" ]
    t_exit "info $1" 1 "$2" "$SAMC" info "$3"
}
size=$(stat -c %s "$T_TMP/baseline.jpg")
head -c $((size / 2)) "$T_TMP/baseline.jpg" >"$T_TMP/half.jpg"
rm -f "$T_TMP/out.npy"
t_exit "dump of a JPEG cut in half" 1 "half.jpg: JPEG: Premature end of JPEG file" "$SAMC" dump "$T_TMP/half.jpg" -o "$T_TMP/out.npy"
check "dump of a JPEG cut in half: no output file" [ ! -e "$T_TMP/out.npy" ]
head -c 100 "$T_TMP/baseline.jpg" >"$T_TMP/head.jpg"
refused "a JPEG cut in its header" "head.jpg: JPEG: " "$T_TMP/head.jpg"
printf '\377\330\377\340garbage, not a JPEG segment at all' >"$T_TMP/garbage.jpg"
refused "garbage after the JPEG magic" "garbage.jpg: JPEG: " "$T_TMP/garbage.jpg"
head -c $((size - 2)) "$T_TMP/baseline.jpg" >"$T_TMP/noeoi.jpg"
rm -f "$T_TMP/out.npy"
t_exit "dump of a JPEG without its end marker" 1 "noeoi.jpg: JPEG: Premature end of JPEG file" "$SAMC" dump \
    "$T_TMP/noeoi.jpg" -o "$T_TMP/out.npy"

# a JPEG is an image for SAM like a PNG
"$SAMC" convert --decoder-heads 4 test/fixtures/sam-demo/model.pth "$T_TMP/demo.samw" >/dev/null 2>&1 || t_fail "convert the demo model"
t_run "encode a JPEG" "$SAMC" encode -m "$T_TMP/demo.samw" -i "$T_TMP/baseline.jpg" -o "$T_TMP/e.npy"
t_run "preprocess a grey JPEG" "$SAMC" preprocess "$T_TMP/grayscale.jpg" --img-size $W -o "$T_TMP/pp"
check "preprocess: the grey samples djpeg gives, replicated to RGB" cmp -s <(tail -c $((W * H * 3)) "$T_TMP/pp/resized.npy") \
    <(LC_ALL=C od -An -v -tu1 -w1 "$T_TMP/grayscale.djpeg" | awk '{ printf "%c%c%c", $1, $1, $1 }')
t_rejects "--slice for a JPEG" "are for volumes \(NIfTI, DICOM\); this is a JPEG" "$SAMC" encode -m "$T_TMP/demo.samw" \
    -i "$T_TMP/baseline.jpg" --slice 2 -o "$T_TMP/bad.npy"
t_summary
