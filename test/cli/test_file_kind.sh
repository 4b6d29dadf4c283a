# samc dump / samc info tell a file's format from its first bytes (cli/file_kind.c; a folder is a
# DICOM series): each kind
# reaches its own reader (the answer, or the error, is that reader's), anything else is
# refused as unrecognised, and a large file is not read whole just to look at its magic.
. test/cli/lib.sh
vol=test/fixtures/sam-demo/data/volume
png=test/fixtures/sam-tiny/image.png # its first IDAT chunk ends past 64 KiB: info_png grows its head

both() { # NAME CODE PATTERN FILE: info and dump of FILE
    t_exit "info $1" "$2" "$3" "$SAMC" info "$4"
    t_exit "dump $1" "$2" "$3" "$SAMC" dump "$4" -o "$T_TMP/out.npy"
}

# each kind of magic goes to its reader
t_exit "info PNG" 0 "^format: png$" "$SAMC" info "$png"
t_exit "info NIfTI-1 gzip" 0 "^format: NIfTI-1 single file, gzip, little-endian$" "$SAMC" info "$vol/ct_phantom.nii.gz"
printf '\211PNG\r\n\032\nrest' >"$T_TMP/sig.png"
both "PNG signature, then garbage" 1 "sig.png: truncated PNG" "$T_TMP/sig.png"
printf '\034\002\000\000rest' >"$T_TMP/n2.nii" # sizeof_hdr 540, little-endian
both "NIfTI-2 sizeof_hdr" 1 "n2.nii: truncated NIfTI-2 header" "$T_TMP/n2.nii"
printf '\000\000\001\134rest' >"$T_TMP/be.nii" # sizeof_hdr 348, big-endian
both "big-endian NIfTI-1 sizeof_hdr" 1 "be.nii: truncated NIfTI-1 header" "$T_TMP/be.nii"
printf '\037\213rest' >"$T_TMP/g.nii.gz"
both "gzip magic" 1 "g.nii.gz: gzip stream is corrupt" "$T_TMP/g.nii.gz"
printf 'text' >"$T_TMP/lone.hdr" # a pair is told by its name
both ".hdr name" 1 "lone.hdr: its pair file .*lone.img" "$T_TMP/lone.hdr"
printf 'text' >"$T_TMP/text.nii"
both "other bytes" 1 "text.nii: unrecognised file format" "$T_TMP/text.nii"
: >"$T_TMP/empty.png"
both "an empty file" 1 "empty.png: unrecognised file format" "$T_TMP/empty.png"
# a JPEG by its magic, DICOM by "DICM" at 128 or a first element in group 0008
printf '\377\330\377\340rest' >"$T_TMP/j.png"
both "JPEG magic, then garbage" 1 "j.png: JPEG: " "$T_TMP/j.png"
{ head -c 128 /dev/zero; printf 'DICMrest'; } >"$T_TMP/d.nii"
both "DICM at 128, then garbage" 1 "d.nii: truncated" "$T_TMP/d.nii"
printf '\010\000\005\000CS\012\000ISO_IR 100' >"$T_TMP/bare.png"
both "a DICOM data set without meta" 1 "bare.png: no \(7FE0,0010\) Pixel Data" "$T_TMP/bare.png"
# a folder is a DICOM series: here one without DICOM images, then one with a broken file
mkdir "$T_TMP/folder" && printf 'text' >"$T_TMP/folder/notes.txt"
both "a folder" 1 "folder: no DICOM image in the folder \(1 files skipped" "$T_TMP/folder"
cp "$T_TMP/d.nii" "$T_TMP/folder/"
both "a folder with a broken DICOM file" 1 "folder/d.nii: truncated" "$T_TMP/folder"
both "a missing file" 1 "nope.png: No such file" "$T_TMP/nope.png"
if [ ! -e "$T_TMP/out.npy" ]; then t_ok "no output from a refused file"; else t_fail "no output from a refused file"; fi

# Sparse 3 GB files (no disk blocks) with a small head. Run with allocations capped near 1 GB
# (ulimit -v; an ASan build reserves far more address space than that, so there ASan's own
# allocation cap): reading such a file whole would fail, sniffing it does not.
vm_cap() { (ulimit -v 1000000 && OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$@"); }
if { vm_cap "$SAMC" --version; } >/dev/null 2>&1; then capped() { vm_cap "$@"; }
else capped() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1000:allocator_may_return_null=1 "$@"; }; fi
printf 'not an image' >"$T_TMP/big.bin" && truncate -s 3G "$T_TMP/big.bin"
t_exit "info of a 3 GB unknown file: refused without reading it" 1 "big.bin: unrecognised file format" \
    capped "$SAMC" info "$T_TMP/big.bin"
t_exit "dump of a 3 GB unknown file: refused without reading it" 1 "big.bin: unrecognised file format" \
    capped "$SAMC" dump "$T_TMP/big.bin" -o "$T_TMP/out.npy"
cp "$png" "$T_TMP/big.png" && truncate -s 3G "$T_TMP/big.png"
t_exit "info of a PNG with 3 GB after it: header facts without reading it" 0 "^decoded: uint8 \(200, 300, 3\)$" \
    capped "$SAMC" info "$T_TMP/big.png"
rm -f "$T_TMP/big.bin" "$T_TMP/big.png"
t_summary
