#!/usr/bin/env bash
# samc dump / samc info on PNG files: usage, output format, and a clear error with exit 1
# and no output file for each kind of broken input. (Sample values are checked against
# libpng in test_png_libpng.sh and against hand-expanded pixels in test/test_png.c.)
set -u
source "$(dirname "$0")/lib.sh"
SAMC=${SAMC:-build/samc}
img=test/fixtures/sam-tiny/image.png

# hex_bytes HEX: the bytes written as hex digits
hex_bytes() { printf "$(printf '%s' "$1" | sed 's/../\\x&/g')"; }
# chunk TYPE HEXDATA: a PNG chunk with its length and CRC (gzip's trailer holds the CRC-32)
chunk() {
    local type=$1 hex=$2
    hex_bytes "$(printf '%08x' $((${#hex} / 2)))"
    { printf '%s' "$type"; hex_bytes "$hex"; } >"$T_TMP/chunk"
    cat "$T_TMP/chunk"
    hex_bytes "$(gzip -c <"$T_TMP/chunk" | tail -c 8 | head -c 4 | od -An -tx1 | awk '{print $4 $3 $2 $1}')"
}
# png_with_ihdr W_HEX H_HEX DEPTH_HEX TYPE_HEX: a whole file around that IHDR (1x1 grey data)
png_with_ihdr() {
    hex_bytes 89504e470d0a1a0a
    chunk IHDR "$1$2${3}${4}000000"
    chunk IDAT 78da6360000000020001
    chunk IEND ""
}
# header_of NPY: the .npy header text
header_of() { local hl; hl=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' '); head -c $((hl + 10)) "$1" | tail -c +11; }

t_run "dump -h" "$SAMC" dump -h
t_run "info -h" "$SAMC" info -h
t_rejects "dump without -o is a usage error" "no output file" "$SAMC" dump "$img"
"$SAMC" dump >/dev/null 2>&1; [ $? -eq 2 ] && t_ok "dump without arguments exits 2" || t_fail "dump without arguments exits 2"
"$SAMC" info --bogus "$img" >/dev/null 2>&1; [ $? -eq 2 ] && t_ok "info with an unknown option exits 2" || t_fail "info with an unknown option exits 2"

# the fixture photo: 300x200 RGB, 8 bits
t_run "dump fixture" "$SAMC" dump "$img" -o "$T_TMP/img.npy" --threads 1
hdr=$(header_of "$T_TMP/img.npy")
case "$hdr" in *"'descr': '|u1'"*"'shape': (200, 300, 3)"*) t_ok "dump fixture: uint8 (200, 300, 3)" ;;
    *) t_fail "dump fixture: uint8 (200, 300, 3)" "$hdr" ;; esac
size=$(wc -c <"$T_TMP/img.npy"); hl=$(od -An -tu2 -j8 -N2 "$T_TMP/img.npy" | tr -d ' ')
[ "$size" -eq $((hl + 10 + 200 * 300 * 3)) ] && t_ok "dump fixture: data size" || t_fail "dump fixture: data size" "$size bytes"
"$SAMC" info "$img" >"$T_TMP/info" 2>&1
grep -qx "width: 300" "$T_TMP/info" && grep -qx "height: 200" "$T_TMP/info" && grep -qx "color_type: 2 (rgb)" "$T_TMP/info" &&
    grep -qx "decoded: uint8 (200, 300, 3)" "$T_TMP/info" && t_ok "info fixture" || t_fail "info fixture" "$(cat "$T_TMP/info")"

# a 16-bit grey seed with tRNS: grey + alpha, uint16; 1-bit mask: 2-D uint8
t_run "dump 16-bit" "$SAMC" dump fuzz/corpus/png/grey16_trns.png -o "$T_TMP/g16.npy"
case "$(header_of "$T_TMP/g16.npy")" in *"'<u2'"*"(5, 5, 2)"*) t_ok "16-bit grey+tRNS: uint16 (5, 5, 2)" ;;
    *) t_fail "16-bit grey+tRNS: uint16 (5, 5, 2)" "$(header_of "$T_TMP/g16.npy")" ;; esac
t_run "dump mask" "$SAMC" dump fuzz/corpus/png/encoder_mask1.png -o "$T_TMP/m.npy"
case "$(header_of "$T_TMP/m.npy")" in *"'|u1'"*"(4, 11)"*) t_ok "1-bit mask: uint8 (4, 11)" ;;
    *) t_fail "1-bit mask: uint8 (4, 11)" "$(header_of "$T_TMP/m.npy")" ;; esac
"$SAMC" info fuzz/corpus/png/pal4_trns.png >"$T_TMP/info" 2>&1
grep -qx "palette_entries: 16" "$T_TMP/info" && grep -qx "interlace: adam7" "$T_TMP/info" &&
    grep -qx "transparency: tRNS" "$T_TMP/info" && t_ok "info palette" || t_fail "info palette" "$(cat "$T_TMP/info")"

# a valid hand-made file first, so the broken ones below fail for the reason they name
png_with_ihdr 00000001 00000001 08 00 >"$T_TMP/ok.png"
t_run "hand-made 1x1 grey decodes" "$SAMC" dump "$T_TMP/ok.png" -o "$T_TMP/ok.npy"

# broken inputs: exit 1, a message naming the problem, no output file
rejects() { # NAME PATTERN FILE
    rm -f "$T_TMP/bad.npy"
    t_rejects "dump: $1" "$2" "$SAMC" dump "$3" -o "$T_TMP/bad.npy"
    if [ -e "$T_TMP/bad.npy" ] || ls "$T_TMP" | grep -q 'bad.npy.tmp'; then t_fail "dump: $1 leaves no output"
    else t_ok "dump: $1 leaves no output"; fi
}
head -c 5000 "$img" >"$T_TMP/trunc.png"
rejects "truncated file" "truncated" "$T_TMP/trunc.png"
head -c 5 "$img" >"$T_TMP/short.png"
rejects "5-byte file" "unrecognised file format" "$T_TMP/short.png"
cp "$img" "$T_TMP/crc.png"
printf 'Z' | dd of="$T_TMP/crc.png" bs=1 seek=200 conv=notrunc status=none
rejects "bad CRC" "bad CRC" "$T_TMP/crc.png"
printf 'not a png at all' >"$T_TMP/text.png"
rejects "not a PNG" "unrecognised file format" "$T_TMP/text.png"
rejects "missing file" "no_such_file" "$T_TMP/no_such_file.png"
{ hex_bytes 89504e470d0a1a0a; chunk IHDR 00000001000000010800000000; chunk IDAT 78da6360000000020002; chunk IEND ""; } >"$T_TMP/adler.png"
rejects "bad zlib stream" "zlib" "$T_TMP/adler.png"
png_with_ihdr 00000002 00000001 08 00 >"$T_TMP/lie.png"
rejects "IHDR lies about the width" "ends early" "$T_TMP/lie.png"
png_with_ihdr 00000000 00000001 08 00 >"$T_TMP/w0.png"
rejects "width 0" "invalid image size 0x1" "$T_TMP/w0.png"
png_with_ihdr 00000001 80000000 08 00 >"$T_TMP/h2g.png"
rejects "height 2^31" "invalid image size 1x2147483648" "$T_TMP/h2g.png"
png_with_ihdr 7fffffff 7fffffff 10 06 >"$T_TMP/huge.png"
rejects "dims whose byte count overflows" "too large" "$T_TMP/huge.png"
png_with_ihdr 00000001 00000001 03 00 >"$T_TMP/bd3.png"
rejects "bit depth 3" "bit depth 3" "$T_TMP/bd3.png"
t_rejects "info: missing file" "no_such_file" "$SAMC" info "$T_TMP/no_such_file.png"
head -c 20 "$img" >"$T_TMP/hdr20.png"
t_rejects "info: file cut inside IHDR" "truncated" "$SAMC" info "$T_TMP/hdr20.png"
t_rejects "info: not a PNG" "unrecognised" "$SAMC" info "$T_TMP/text.png"
t_summary
