#!/usr/bin/env bash
# samc dump / samc info on NIfTI files: the nibabel-written fixtures dump to the same samples
# nibabel gives, pairs and plain .nii work, and each kind of broken file is refused with
# exit 1, a message naming the problem, and no output file.
set -u
source "$(dirname "$0")/lib.sh"
SAMC=${SAMC:-build/samc}
vol=test/fixtures/sam-demo/data/volume

# SHA-256 of np.ascontiguousarray(nib.load(F).get_fdata().astype(np.float32)).tobytes(),
# computed once with nibabel 5.0 (Debian python3-nibabel).
SHA_CT=b4db00f830ed64d9dd165174fa7ca79b50bac81b2e861bfe9a111cc6191e7ab0
SHA_LABELS=9576fe01f7631841372220da98c38673963a84007bf4259ec953a7b12cbbd701
NBYTES=$((160 * 144 * 24 * 4))
data_sha() { tail -c "$NBYTES" "$1" | sha256sum | cut -d' ' -f1; }
header_of() { local hl; hl=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' '); head -c $((hl + 10)) "$1" | tail -c +11; }
# poke FILE OFFSET HEX: overwrite bytes in place
poke() { printf "$(printf '%s' "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

check() { # NAME CONDITION...
    local n=$1; shift
    if "$@"; then t_ok "$n"; else t_fail "$n"; fi
}

t_run "dump -h" "$SAMC" dump -h
t_run "info -h" "$SAMC" info -h

# the fixtures against nibabel
t_run "dump ct_phantom.nii.gz" "$SAMC" dump "$vol/ct_phantom.nii.gz" -o "$T_TMP/ct.npy"
check "dump ct: same float32 samples as nibabel" [ "$(data_sha "$T_TMP/ct.npy")" = "$SHA_CT" ]
check "dump ct: shape (160, 144, 24) float32" grep -q "'descr': '<f4', 'fortran_order': False, 'shape': (160, 144, 24)" <(header_of "$T_TMP/ct.npy")
t_run "dump labels" "$SAMC" dump "$vol/ct_phantom_labels.nii.gz" -o "$T_TMP/lab.npy"
check "dump labels: same samples as nibabel" [ "$(data_sha "$T_TMP/lab.npy")" = "$SHA_LABELS" ]

"$SAMC" info "$vol/ct_phantom.nii.gz" >"$T_TMP/info" 2>&1
check "info: dims" grep -q "^dims: 160 x 144 x 24$" "$T_TMP/info"
check "info: datatype" grep -q "^datatype: int16" "$T_TMP/info"
check "info: orientation" grep -q "^orientation: RAS$" "$T_TMP/info"
check "info: axial slices" grep -q "^axial: 24 slices of 144 x 160$" "$T_TMP/info"
check "info: format" grep -q "^format: NIfTI-1 single file, gzip, little-endian$" "$T_TMP/info"

# the same volume uncompressed, and as a .hdr/.img pair (magic ni1, data at offset 0 of .img)
gzip -dc "$vol/ct_phantom_labels.nii.gz" >"$T_TMP/lab.nii"
t_run "dump .nii" "$SAMC" dump "$T_TMP/lab.nii" -o "$T_TMP/lab2.npy"
check "dump .nii: same samples" [ "$(data_sha "$T_TMP/lab2.npy")" = "$SHA_LABELS" ]
head -c 348 "$T_TMP/lab.nii" >"$T_TMP/pair.hdr"
poke "$T_TMP/pair.hdr" 344 6e6931       # magic "ni1"
poke "$T_TMP/pair.hdr" 108 00000000     # vox_offset 0
tail -c +353 "$T_TMP/lab.nii" >"$T_TMP/pair.img"
t_run "dump .hdr" "$SAMC" dump "$T_TMP/pair.hdr" -o "$T_TMP/pair.npy"
check "dump .hdr/.img: same samples" [ "$(data_sha "$T_TMP/pair.npy")" = "$SHA_LABELS" ]
t_run "info .img" "$SAMC" info "$T_TMP/pair.img"

# broken files: exit 1, the reason, no output
broken() { # NAME PATTERN FILE
    rm -f "$T_TMP/out.npy"
    t_rejects "dump $1" "$2" "$SAMC" dump "$3" -o "$T_TMP/out.npy"
    check "dump $1: no output file" [ ! -e "$T_TMP/out.npy" ]
    t_rejects "info $1" "$2" "$SAMC" info "$3"
}
mk() { cp "$T_TMP/lab.nii" "$T_TMP/$1"; }
head -c 300 "$T_TMP/lab.nii" >"$T_TMP/short_hdr.nii"
broken "truncated header" "truncated NIfTI-1 header" "$T_TMP/short_hdr.nii"
head -c 100000 "$T_TMP/lab.nii" >"$T_TMP/short.nii"
broken "truncated data" "truncated" "$T_TMP/short.nii"
head -c 3000 "$vol/ct_phantom_labels.nii.gz" >"$T_TMP/short.nii.gz"
broken "truncated gzip" "gzip stream is truncated" "$T_TMP/short.nii.gz"
cp "$vol/ct_phantom_labels.nii.gz" "$T_TMP/bad.nii.gz"
poke "$T_TMP/bad.nii.gz" 2000 ffffffffffffffffffffffff
broken "bad gzip data" "gzip" "$T_TMP/bad.nii.gz"
mk dim0.nii; poke "$T_TMP/dim0.nii" 40 0000
broken "dim[0] = 0" "dim\[0\] = 0" "$T_TMP/dim0.nii"
mk dimz.nii; poke "$T_TMP/dimz.nii" 44 0000
broken "zero dimension" "dim\[2\] = 0" "$T_TMP/dimz.nii"
mk neg.nii; poke "$T_TMP/neg.nii" 42 fbff
broken "negative dimension" "dim\[1\] = -5" "$T_TMP/neg.nii"
mk big.nii; poke "$T_TMP/big.nii" 42 ff7fff7fff7f; poke "$T_TMP/big.nii" 70 40004000
broken "dims over the size limit" "more than 8 GiB" "$T_TMP/big.nii"
mk off.nii; poke "$T_TMP/off.nii" 108 286b6e4e   # vox_offset 1e9 (float32)
broken "vox_offset past the end" "past the end" "$T_TMP/off.nii"
mk type.nii; poke "$T_TMP/type.nii" 70 0300
broken "unknown datatype" "unsupported datatype 3" "$T_TMP/type.nii"
mk magic.nii; poke "$T_TMP/magic.nii" 344 41424300
broken "no magic" "magic" "$T_TMP/magic.nii"
rm "$T_TMP/pair.img"
broken "pair without .img" "does not exist" "$T_TMP/pair.hdr"

t_summary
