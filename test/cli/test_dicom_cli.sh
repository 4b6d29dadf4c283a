#!/usr/bin/env bash
# samc info / dump / preprocess / predict on DICOM files and series folders (io/dicom.h).
#
# The files are pydicom's own test files (test/fixtures/dicom/, see its README.md) and files
# pydicom writes here. The expected samples, affines and orders come from pydicom + numpy (and
# nibabel for the label volume), never from samc: D[i, j, k] = pixel_array[k, j, i] * slope +
# intercept. Reading and refusing the fixtures needs no python; the comparisons need
# /usr/bin/python3 with pydicom, numpy and nibabel (Debian python3-pydicom, python3-nibabel), and
# fail with that message when they are missing.
set -u
. test/cli/lib.sh
SAMC=${SAMC:-build/samc}
F=test/fixtures/dicom
PY=/usr/bin/python3

check() { # NAME CONDITION...
    local n=$1; shift
    if "$@"; then t_ok "$n"; else t_fail "$n"; fi
}
# t_info NAME FILE PATTERN...: samc info FILE prints a line matching each ^PATTERN$
t_info() {
    local n=$1 f=$2 p; shift 2
    if ! "$SAMC" info "$f" >"$T_TMP/info" 2>&1; then t_fail "info $n" "$(head -c 300 "$T_TMP/info")"; return; fi
    for p in "$@"; do
        if ! grep -Eq -- "^$p\$" "$T_TMP/info"; then t_fail "info $n: /$p/" "$(cat "$T_TMP/info")"; return; fi
    done
    t_ok "info $n"
}
# refused NAME PATTERN FILE: dump and info exit 1 with the message and no output file
refused() {
    rm -f "$T_TMP/out.npy"
    t_exit "dump $1" 1 "$2" "$SAMC" dump "$3" -o "$T_TMP/out.npy"
    check "dump $1: no output file" [ ! -e "$T_TMP/out.npy" ]
    t_exit "info $1" 1 "$2" "$SAMC" info "$3"
}

# ---- reading the fixtures (no python needed) ----
readable="CT_small MR_small MR_small_implicit MR_small_bigendian MR_small_expb image_dfl SC_rgb_small_odd ExplVR_BigEnd
          SC_ybr_full_422_uncompressed rtdose rtdose_expb"
for f in $readable; do t_run "dump $f" "$SAMC" dump "$F/$f.dcm" -o "$T_TMP/$f.npy"; done

t_info "CT_small" "$F/CT_small.dcm" "format: DICOM Part 10 file" \
    "transfer_syntax: Explicit VR Little Endian \(1\.2\.840\.10008\.1\.2\.1\)" "modality: CT" "rows: 128" "columns: 128" \
    "bits: 16 allocated, 16 stored, signed" "rescale: slope 1, intercept -1024" "orientation: LPS" \
    "datatype: int16 \(values: raw \* slope \+ intercept\)" "decoded: float32 \(128, 128, 1\)"
t_info "MR_small_implicit" "$F/MR_small_implicit.dcm" "transfer_syntax: Implicit VR Little Endian \(1\.2\.840\.10008\.1\.2\)" \
    "window: center 600, width 1600" "photometric: MONOCHROME2"
t_info "MR_small_bigendian" "$F/MR_small_bigendian.dcm" "transfer_syntax: Explicit VR Big Endian \(1\.2\.840\.10008\.1\.2\.2\)"
t_info "image_dfl (deflated)" "$F/image_dfl.dcm" \
    "transfer_syntax: Deflated Explicit VR Little Endian \(1\.2\.840\.10008\.1\.2\.1\.99\)" "rows: 512" \
    "image_orientation: none \(axial 1\\\\0\\\\0\\\\0\\\\1\\\\0 assumed\)" "pixel_spacing: none \(1 mm assumed\)"
t_info "rtdose (multi-frame)" "$F/rtdose.dcm" "frames: 15" "slices: 15, 5 mm apart \(from Grid Frame Offset Vector\)" \
    "bits: 32 allocated, 32 stored, unsigned" "dims: 10 x 10 x 15 \(columns, rows, slices\)"
t_info "SC_ybr_full_422_uncompressed" "$F/SC_ybr_full_422_uncompressed.dcm" \
    "photometric: YBR_FULL_422 \(converted to RGB\)" "decoded: float32 \(100, 100, 1, 3\)"

# a data set without preamble and file meta: MR_small's, cut after its meta group (whose length
# is the UL value of (0002,0000) at offset 140), in implicit and in explicit VR
for f in MR_small_implicit MR_small; do
    meta=$(od -An -tu4 -j140 -N4 "$F/$f.dcm" | tr -d ' ')
    tail -c +$((144 + meta + 1)) "$F/$f.dcm" >"$T_TMP/${f}_nometa.dcm"
    t_info "$f without file meta" "$T_TMP/${f}_nometa.dcm" "format: DICOM data set without file meta"
    t_run "dump $f without file meta" "$SAMC" dump "$T_TMP/${f}_nometa.dcm" -o "$T_TMP/${f}_nometa.npy"
    check "$f without file meta: the same samples" cmp -s <(tail -c 16384 "$T_TMP/MR_small.npy") \
        <(tail -c 16384 "$T_TMP/${f}_nometa.npy")
done

# ---- refusals ----
refused "JPEG 2000" "not supported: JPEG 2000 Image Compression \(1\.2\.840\.10008\.1\.2\.4\.91\)" "$F/JPEG2000.dcm"
refused "RLE" "not supported: RLE Lossless \(1\.2\.840\.10008\.1\.2\.5\)" "$F/MR_small_RLE.dcm"
refused "JPEG baseline" "not supported: JPEG Baseline \(Process 1\) \(1\.2\.840\.10008\.1\.2\.4\.50\)" "$F/SC_rgb_jpeg_dcmtk.dcm"
refused "JPEG-LS" "not supported: JPEG-LS Lossless Image Compression \(1\.2\.840\.10008\.1\.2\.4\.80\)" \
    "$F/MR_small_jpeg_ls_lossless.dcm"
refused "MR_truncated" "MR_truncated.dcm: truncated: \(7FE0,0010\) Pixel Data at offset 1488 declares 8192 bytes, 8130 remain" \
    "$F/MR_truncated.dcm"
refused "badVR (Number of Frames '1A')" "\(0028,0008\) Number of Frames: '1A' is not an integer" "$F/badVR.dcm"
refused "no pixel data" "ExplVR_LitEndNoMeta.dcm: no \(7FE0,0010\) Pixel Data: not an image" "$F/ExplVR_LitEndNoMeta.dcm"
refused "liver_1frame (3 frame items, 1 frame)" "3 Plane Positions for 1 frames" "$F/liver_1frame.dcm"
head -c 700 "$F/CT_small.dcm" >"$T_TMP/cut.dcm"
refused "cut in the header" "cut.dcm: truncated" "$T_TMP/cut.dcm"
head -c 128 "$F/CT_small.dcm" >"$T_TMP/short.dcm"; printf 'DICM' >>"$T_TMP/short.dcm"
refused "only the preamble" "no \(7FE0,0010\) Pixel Data" "$T_TMP/short.dcm"
cp "$F/CT_small.dcm" "$T_TMP/compressed.dcm" # its transfer syntax UID patched to an unknown one
printf '1.2.840.10008.9.9' | dd of="$T_TMP/compressed.dcm" bs=1 seek=$((0x100)) conv=notrunc status=none
refused "unknown transfer syntax" "not supported: unknown transfer syntax \(1\.2\.840\.10008\.9\.9" "$T_TMP/compressed.dcm"

# ---- the same files through pydicom ----
if ! "$PY" -c "import pydicom, numpy, nibabel" 2>/dev/null; then
    t_fail "DICOM samples compared with pydicom" \
        "needs /usr/bin/python3 with pydicom, numpy and nibabel: apt-get install python3-pydicom python3-nibabel (or bash .ci/install-deps)"
    t_summary
    exit
fi

# compare DCM NPY: D[i, j, k(, c)] == pixel_array[k, j, i(, c)] * slope + intercept, YBR as RGB
cat >"$T_TMP/compare.py" <<'PYEOF'
import sys, warnings, numpy as np, pydicom
from pydicom.pixel_data_handlers.util import convert_color_space
warnings.simplefilter("ignore")

def expected(path):
    ds = pydicom.dcmread(path, force=True)
    if "TransferSyntaxUID" not in ds.file_meta:  # a data set without meta: as samc tells it
        ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian if ds.is_implicit_VR else pydicom.uid.ExplicitVRLittleEndian
    a = ds.pixel_array
    if ds.SamplesPerPixel == 3 and ds.PhotometricInterpretation.startswith("YBR"):
        a = convert_color_space(a, "YBR_FULL", "RGB")
    a = a.astype(np.float64)
    if ds.SamplesPerPixel == 1 and "RescaleSlope" in ds:
        a = a * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    if int(ds.get("NumberOfFrames", 1) or 1) == 1:
        a = a[None]
    return np.swapaxes(a, 0, 2)  # (frames, rows, cols[, 3]) -> (cols, rows, frames[, 3])

e, d = expected(sys.argv[1]), np.load(sys.argv[2])
if d.dtype != np.float32: print("dtype", d.dtype)
elif d.shape != e.shape: print("shape %s, pydicom %s" % (d.shape, e.shape))
elif not np.array_equal(d, e.astype(np.float32)): print("%d samples differ" % np.sum(d != e.astype(np.float32)))
else: print("ok")
PYEOF
compare() { # NAME DCM NPY
    local res; res=$("$PY" "$T_TMP/compare.py" "$2" "$3" 2>&1)
    if [ "$res" = ok ]; then t_ok "$1: the samples pydicom gives"; else t_fail "$1: the samples pydicom gives" "$res"; fi
}
for f in $readable; do compare "$f" "$F/$f.dcm" "$T_TMP/$f.npy"; done
compare "MR_small_implicit without file meta" "$T_TMP/MR_small_implicit_nometa.dcm" "$T_TMP/MR_small_implicit_nometa.npy"

# files pydicom writes: Bits Stored 12 (the bits above cleared / the sign extended: numpy), 1-bit
# segmentation frames, MONOCHROME1, an enhanced multi-frame image with per-frame positions
"$PY" - "$F" "$T_TMP" <<'PYEOF' || t_fail "write the pydicom test files"
import sys, copy, numpy as np, pydicom
F, T = sys.argv[1], sys.argv[2]
mr = pydicom.dcmread(F + "/MR_small.dcm")
raw = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) * 2654435761 % 65536).astype(np.uint16)
for rep in (0, 1):
    ds = copy.deepcopy(mr)
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, rep
    ds.PixelData = raw.tobytes()
    ds.save_as("%s/bits12_%d.dcm" % (T, rep))
    low = (raw & 0xFFF).astype(np.int64)
    exp = low if rep == 0 else (low ^ 0x800) - 0x800
    np.save("%s/bits12_%d_expected.npy" % (T, rep), exp.T[:, :, None].astype(np.float32))
seg = pydicom.dcmread(F + "/liver_1frame.dcm")
seg.PerFrameFunctionalGroupsSequence = seg.PerFrameFunctionalGroupsSequence[:1]
seg.save_as(T + "/seg_1bit.dcm")
m1 = copy.deepcopy(mr)
m1.PhotometricInterpretation = "MONOCHROME1"
m1.save_as(T + "/mono1.dcm")
# enhanced: 4 frames of CT_small (each changed), oblique plane, positions 2.5 mm apart going
# down the normal, rescale in the shared functional groups
ct = pydicom.dcmread(F + "/CT_small.dcm")
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
en = copy.deepcopy(ct)
for kw in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing", "RescaleSlope", "RescaleIntercept", "SliceThickness", "SpacingBetweenSlices"):
    if kw in en: delattr(en, kw)
base = ct.pixel_array.astype(np.int16)
frames = np.stack([base + 50 * k for k in range(4)])
en.NumberOfFrames = 4
en.PixelData = frames.tobytes()
a = np.radians(30)
row, col = np.array([np.cos(a), 0, -np.sin(a)]), np.array([0.0, 1.0, 0.0])
normal = np.cross(row, col)
def item(**kw):
    d = Dataset()
    for k, v in kw.items(): setattr(d, k, v)
    return d
shared = item(PlaneOrientationSequence=Sequence([item(ImageOrientationPatient=[float("%.8f" % v) for v in np.r_[row, col]])]),
              PixelMeasuresSequence=Sequence([item(PixelSpacing=[0.7, 0.9], SliceThickness=2.5)]),
              PixelValueTransformationSequence=Sequence([item(RescaleSlope=2, RescaleIntercept=-1000)]))
en.SharedFunctionalGroupsSequence = Sequence([shared])
origin = np.array([10.0, -20.0, 30.0])
pos = [origin - 2.5 * k * normal for k in range(4)]
en.PerFrameFunctionalGroupsSequence = Sequence([item(PlanePositionSequence=Sequence([item(ImagePositionPatient=[float("%.6f" % v) for v in p])])) for p in pos])
en.save_as(T + "/enhanced.dcm")
# its affine by hand: LPS columns row * column spacing, col * row spacing, step, origin; then RAS
A = np.eye(4)
A[:3, 0], A[:3, 1], A[:3, 2], A[:3, 3] = row * 0.9, col * 0.7, (pos[3] - pos[0]) / 3, pos[0]
A[:2] *= -1
np.save(T + "/enhanced_affine.npy", A)
exp = (frames.astype(np.float64) * 2 - 1000)
np.save(T + "/enhanced_expected.npy", np.swapaxes(exp, 0, 2).astype(np.float32))
PYEOF
for rep in 0 1; do
    t_run "dump Bits Stored 12, Pixel Representation $rep" "$SAMC" dump "$T_TMP/bits12_$rep.dcm" -o "$T_TMP/bits12_$rep.npy"
    check "Bits Stored 12, Pixel Representation $rep: only the low 12 bits, sign-extended when signed (numpy)" \
        "$PY" -c "import sys, numpy as np; sys.exit(not np.array_equal(np.load('$T_TMP/bits12_$rep.npy'), np.load('$T_TMP/bits12_${rep}_expected.npy')))"
done
t_run "dump a 1-bit segmentation" "$SAMC" dump "$T_TMP/seg_1bit.dcm" -o "$T_TMP/seg.npy"
compare "1-bit segmentation" "$T_TMP/seg_1bit.dcm" "$T_TMP/seg.npy"
t_info "1-bit segmentation" "$T_TMP/seg_1bit.dcm" "bits: 1 allocated, 1 stored, unsigned" "datatype: uint8"
t_run "dump an enhanced multi-frame image" "$SAMC" dump "$T_TMP/enhanced.dcm" -o "$T_TMP/enhanced.npy"
check "enhanced multi-frame: the frames in stored order, shared rescale applied (numpy)" \
    "$PY" -c "import sys, numpy as np; sys.exit(not np.array_equal(np.load('$T_TMP/enhanced.npy'), np.load('$T_TMP/enhanced_expected.npy')))"
t_info "enhanced multi-frame" "$T_TMP/enhanced.dcm" "slices: 4, 2\.5[0-9]* mm apart \(from Plane Position \(Patient\) of each frame\)" \
    "rescale: slope 2, intercept -1000"
res=$("$PY" - "$T_TMP/info" "$T_TMP/enhanced_affine.npy" <<'PYEOF'
import sys, numpy as np
lines = open(sys.argv[1]).read().split("\n")
i = lines.index("affine (sform):")
got = np.array([[float(x) for x in l.split()] for l in lines[i + 1:i + 4]])
exp = np.load(sys.argv[2])[:3]
print("ok" if np.allclose(got, exp, atol=1e-5) else "samc\n%s\nnumpy\n%s" % (got, exp))
PYEOF
)
check "enhanced multi-frame: the affine numpy computes from the functional groups" [ "$res" = ok ]

# what a slice looks like: an axial DICOM slice is shown as stored (row 0 at the top, column 0
# at the left), MONOCHROME1 inverted, colour as RGB. preprocess --img-size equal to the long
# side writes the slice itself as resized.npy; numpy computes minmax from pydicom's array.
display() { # NAME DCM SIZE MODE(grey|inverted|rgb) [OPTIONS...]
    local n=$1 dcm=$2 size=$3 mode=$4; shift 4
    rm -rf "$T_TMP/pp"
    if ! "$SAMC" preprocess "$dcm" --img-size "$size" --slice 0 "$@" -o "$T_TMP/pp" >"$T_TMP/out" 2>&1; then
        t_fail "$n: preprocess" "$(tail -n 3 "$T_TMP/out")"; return
    fi
    local r; r=$("$PY" - "$dcm" "$T_TMP/pp/resized.npy" "$mode" <<'PYEOF'
import sys, numpy as np, pydicom
ds, got, mode = pydicom.dcmread(sys.argv[1]), np.load(sys.argv[2]), sys.argv[3]
a = ds.pixel_array
if mode == "rgb": exp = a
else:
    x = a.astype(np.float64)
    g = ((x - x.min()) / (x.max() - x.min()) * 255).astype(np.uint8)
    if mode == "inverted": g = 255 - g
    exp = np.repeat(g[:, :, None], 3, axis=2)
print("ok" if got.shape == exp.shape and np.array_equal(got, exp) else "differs: %s vs %s" % (got.shape, exp.shape))
PYEOF
)
    if [ "$r" = ok ]; then t_ok "$n"; else t_fail "$n" "$r"; fi
}
display "MR_small axial slice: as stored, minmax" "$F/MR_small.dcm" 64 grey --intensity minmax
display "MONOCHROME1: the grey inverted" "$T_TMP/mono1.dcm" 64 inverted --intensity minmax
grep -q "MONOCHROME1: grey inverted" "$T_TMP/out" && t_ok "MONOCHROME1: says so" || t_fail "MONOCHROME1: says so"
display "RGB (big endian): its colours" "$F/ExplVR_BigEnd.dcm" 80 rgb
t_exit "RGB: --intensity refused" 1 "--intensity is for grey images" "$SAMC" preprocess "$F/ExplVR_BigEnd.dcm" \
    --slice 0 --intensity minmax -o "$T_TMP/pp2"

# ---- series folders ----
# make_series DIR KIND: 5 slices of CT_small (each changed) on an oblique plane, 2.5 mm apart,
# under shuffled names, plus a text file. KIND: plain, rescale (intercept differs per slice),
# mixed (one file of another series), gap (a slice missing), twice (two at one position)
make_series() {
    "$PY" - "$F/CT_small.dcm" "$@" <<'PYEOF'
import sys, os, copy, random, numpy as np, pydicom
src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out)
base = pydicom.dcmread(src)
a, b = np.radians(20), np.radians(15)
row = np.array([np.cos(a), np.sin(a), 0.0])
col = np.array([-np.sin(a) * np.cos(b), np.cos(a) * np.cos(b), np.sin(b)])
normal = np.cross(row, col)
ks = [0, 1, 2, 3, 4] if kind != "gap" else [0, 1, 3, 4]
names = ["s%03d" % (97 * k % 11) for k in range(5)]
random.Random(3).shuffle(names)
for k in ks:
    ds = copy.deepcopy(base)
    ds.ImageOrientationPatient = ["%.6f" % v for v in np.r_[row, col]]
    at = 2 if kind == "twice" and k == 3 else k
    ds.ImagePositionPatient = ["%.4f" % v for v in np.array([-100.0, -80.0, 30.0]) + 2.5 * at * normal]
    ds.InstanceNumber = k + 1
    ds.SOPInstanceUID = base.SOPInstanceUID + ".%d" % (k + 1)
    ds.PixelData = (base.pixel_array.astype(np.int16) + 40 * k).tobytes()
    if kind == "rescale": ds.RescaleIntercept = -1024 + 3 * k
    if kind == "mixed" and k == 4: ds.SeriesInstanceUID = base.SeriesInstanceUID + ".2"
    ds.save_as(os.path.join(out, names[k] + (".dcm" if k % 2 else "")))
open(os.path.join(out, "README.txt"), "w").write("not DICOM\n")
PYEOF
}
# the volume pydicom + numpy expect: files sorted along the normal, (cols, rows, slices), and the
# affine LPS (row * column spacing, col * row spacing, step, first position) -> RAS
cat >"$T_TMP/series.py" <<'PYEOF'
import sys, os, numpy as np, pydicom
d = sys.argv[1]
dss = [pydicom.dcmread(os.path.join(d, f)) for f in os.listdir(d) if f != "README.txt"]
iop = np.array(dss[0].ImageOrientationPatient, dtype=float)
normal = np.cross(iop[:3], iop[3:])
dss.sort(key=lambda ds: float(np.dot(np.array(ds.ImagePositionPatient, dtype=float), normal)))
vol = np.stack([ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in dss])
ps = np.array(dss[0].PixelSpacing, dtype=float)
P0, P1 = (np.array(dss[i].ImagePositionPatient, dtype=float) for i in (0, -1))
A = np.eye(4)
A[:3, 0], A[:3, 1], A[:3, 2], A[:3, 3] = iop[:3] * ps[1], iop[3:] * ps[0], (P1 - P0) / (len(dss) - 1), P0
A[:2] *= -1
if sys.argv[2] == "volume":
    got = np.load(sys.argv[3])
    exp = np.swapaxes(vol, 0, 2).astype(np.float32)
    print("ok" if got.shape == exp.shape and np.array_equal(got, exp) else "differs (%s vs %s)" % (got.shape, exp.shape))
else:  # the label volume of samc predict, read by nibabel
    import nibabel as nib
    out, k = sys.argv[3], int(sys.argv[4])
    m = nib.load(out + "/mask_0.nii.gz")
    masks = np.load(out + "/masks.npy")
    bad = []
    if m.shape != (vol.shape[2], vol.shape[1], vol.shape[0]): bad.append("shape %s" % (m.shape,))
    if not np.allclose(m.affine, A, atol=1e-4): bad.append("affine\n%s\nexpected\n%s" % (m.affine, A))
    if not np.allclose(m.header.get_qform(), A, atol=1e-3): bad.append("qform differs from the affine")
    if int(m.header["sform_code"]) != 1 or int(m.header["qform_code"]) != 1: bad.append("codes")
    dat = np.asanyarray(m.dataobj)
    nz = np.nonzero(dat)[2]
    if masks[0].sum() == 0: bad.append("empty mask")
    if len(nz) != masks[0].sum() or (len(nz) and (nz.min() != k or nz.max() != k)): bad.append("voxels outside slice %d" % k)
    print("ok" if not bad else "; ".join(bad))
PYEOF
make_series "$T_TMP/series" plain || t_fail "write the series"
t_run "dump a series folder" "$SAMC" dump "$T_TMP/series" -o "$T_TMP/series.npy"
res=$("$PY" "$T_TMP/series.py" "$T_TMP/series" volume "$T_TMP/series.npy" 2>&1)
check "series: the slices in pydicom's order along the normal, as (cols, rows, slices)" [ "$res" = ok ]
t_info "series folder" "$T_TMP/series" "format: DICOM series folder \(5 files, 1 others skipped\)" \
    "slices: 5, 2\.5[0-9]* mm apart \(from Image Position \(Patient\) of each file\)" "dims: 128 x 128 x 5 \(columns, rows, slices\)"

make_series "$T_TMP/rescale" rescale || t_fail "write the series"
t_run "dump a series whose rescale differs per slice" "$SAMC" dump "$T_TMP/rescale" -o "$T_TMP/rescale.npy"
res=$("$PY" "$T_TMP/series.py" "$T_TMP/rescale" volume "$T_TMP/rescale.npy" 2>&1)
check "series with per-slice rescale: each slice's own (pydicom)" [ "$res" = ok ]
t_info "series with per-slice rescale" "$T_TMP/rescale" "datatype: float32" \
    "rescale: differs between slices \(first: slope 1, intercept -1024\): float32 volume"

make_series "$T_TMP/mixed" mixed && refused "a folder mixing two series" \
    "mixes series 1\.3\.6\.1\.4\.1\.5962\.1\.3\.1\.1\.20040119072730\.12322 \(.*\) and 1\.3\.6\.1\.4\.1\.5962\.1\.3\.1\.1\.20040119072730\.12322\.2 \(.*\)" \
    "$T_TMP/mixed"
make_series "$T_TMP/gap" gap && refused "a series with a slice missing" "uneven slice spacing: [0-9.]+ mm from .*/s[0-9]+(\.dcm)? to .*/s[0-9]+(\.dcm)?, 3\.333[0-9]* mm on average" "$T_TMP/gap"
make_series "$T_TMP/twice" twice && refused "two slices at one position" "are at the same position along the slice normal" "$T_TMP/twice"
mkdir -p "$T_TMP/empty" && echo text >"$T_TMP/empty/a.txt"
refused "a folder without DICOM images" "no DICOM image in the folder \(1 files skipped" "$T_TMP/empty"

# predict on slice 2 of the series: the label volume has the series' geometry (nibabel)
"$SAMC" convert --decoder-heads 4 test/fixtures/sam-demo/model.pth "$T_TMP/demo.samw" >/dev/null 2>&1 || t_fail "convert the demo model"
t_run "predict on slice 2 of the series" "$SAMC" predict -m "$T_TMP/demo.samw" -i "$T_TMP/series" --slice 2 \
    --intensity window:40,400 --box 30,30,90,90 -o "$T_TMP/pred"
res=$("$PY" "$T_TMP/series.py" "$T_TMP/series" labels "$T_TMP/pred" 2 2>&1)
check "predict: mask_0.nii.gz has the series' LPS->RAS affine (nibabel) and the mask in slice 2" [ "$res" = ok ]
[ "$res" = ok ] || echo "    $res"
t_rejects "a series without --slice" "is a volume: give --slice K \(0 \.\. 4, axial plane\)" "$SAMC" predict \
    -m "$T_TMP/demo.samw" -i "$T_TMP/series" --point 5,5,1 -o "$T_TMP/bad"
t_summary
