#!/usr/bin/env bash
# samc predict on a slice of a NIfTI volume: the mask comes back as a label volume in the scan's
# geometry. nibabel (Debian python3-nibabel), not samc, says where the voxels are: for each plane
# and for a flipped, oblique affine, the written volume has the source's affine and codes, is 0
# outside the slice given (the array index as stored, along the axis nibabel calls S/I, A/P or
# L/R), and its slice, turned to the display orientation by nibabel's own reorientation, is
# exactly the mask samc returned (masks.npy). Also the refusals of the volume options.
. test/cli/lib.sh
PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c "import nibabel, numpy" 2>/dev/null; then PY=$p; break; fi
done
F=test/fixtures/sam-demo
"$SAMC" convert --decoder-heads 4 $F/model.pth "$T_TMP/demo.samw" >/dev/null 2>&1 || t_fail "convert the demo model"

if [ -z "$PY" ]; then
    t_fail "label volumes checked by nibabel" "needs python3 with nibabel and numpy (Debian python3-nibabel; bash .ci/install-deps)"
    t_summary
    exit
fi

t_no_output() { if [ -e "$T_TMP/bad" ]; then t_fail "$1: no output"; else t_ok "$1: no output"; fi; }

# make_volume FILE KIND: a 40 x 36 x 30 int16 volume (a bright block and a ramp, so no two slices
# are alike) with affine KIND: ras (1 mm, plain) or oblique (x flipped, 0.8 x 1.1 x 2.5 mm voxels,
# rotated 25 degrees about z and 10 about x, offset)
make_volume() {
    "$PY" - "$@" <<'PYEOF'
import sys, numpy as np, nibabel as nib
path, kind = sys.argv[1], sys.argv[2]
i, j, k = np.meshgrid(np.arange(40), np.arange(36), np.arange(30), indexing="ij")
data = (i * 7 + j * 3 + k * 11).astype(np.int16)
data[10:25, 8:20, 5:22] += 900
if kind == "ras":
    aff = np.diag([1.0, 1.0, 1.0, 1.0])
else:
    a, b = np.radians(25), np.radians(10)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    aff = np.eye(4)
    aff[:3, :3] = rz @ rx @ np.diag([-0.8, 1.1, 2.5])
    aff[:3, 3] = [12.5, -30.0, 7.25]
img = nib.Nifti1Image(data, aff)
img.header.set_qform(aff, code=1)
img.header.set_sform(aff, code=2)
nib.save(img, path)
PYEOF
}

# check_volume SRC OUTDIR PLANE SLICE: prints "ok" or what is wrong
check_volume() {
    "$PY" - "$@" <<'PYEOF'
import sys, numpy as np, nibabel as nib
src, out, plane, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
s, m = nib.load(src), nib.load(out + "/mask_0.nii.gz")
masks = np.load(out + "/masks.npy")
bad = []
if m.shape != s.shape: bad.append("shape %s != %s" % (m.shape, s.shape))
if not np.allclose(m.affine, s.affine, atol=1e-5): bad.append("affine differs")
if int(m.header["qform_code"]) != int(s.header["qform_code"]) or int(m.header["sform_code"]) != int(s.header["sform_code"]):
    bad.append("qform/sform codes differ")
if m.get_data_dtype() != np.uint8: bad.append("dtype %s" % m.get_data_dtype())
d = np.asanyarray(m.dataobj)
letters = {"axial": "SI", "coronal": "AP", "sagittal": "LR"}[plane]
codes = nib.aff2axcodes(s.affine)
axis = [n for n, c in enumerate(codes) if c in letters][0]
nz = np.nonzero(d)[axis]
if masks[0].sum() == 0: bad.append("the predicted mask is empty (nothing to check)")
if len(nz) != int(masks[0].sum()): bad.append("%d voxels set, the mask has %d" % (len(nz), masks[0].sum()))
if len(nz) and (nz.min() != k or nz.max() != k): bad.append("voxels outside stored slice %d along axis %d" % (k, axis))
# the display orientation of io/nifti.h, by nibabel: axes to (L, P, I), then rows/columns
t = nib.orientations.ornt_transform(nib.orientations.io_orientation(s.affine),
                                    nib.orientations.axcodes2ornt(("L", "P", "I")))
r = nib.orientations.apply_orientation(d, t)
ax = {"axial": 2, "coronal": 1, "sagittal": 0}[plane]
idx = [n for n in range(r.shape[ax]) if np.take(r, n, axis=ax).any()]
if len(idx) != 1: bad.append("set voxels in %d reoriented slices" % len(idx))
else:
    disp = np.take(r, idx[0], axis=ax).T  # rows: P or I, columns: L or P
    if disp.shape != masks[0].shape: bad.append("display shape %s != mask %s" % (disp.shape, masks[0].shape))
    elif not np.array_equal(disp.astype(bool), masks[0]): bad.append("the slice is not the mask in display orientation")
print("ok" if not bad else "; ".join(bad))
PYEOF
}

for kind in ras oblique; do
    make_volume "$T_TMP/$kind.nii.gz" $kind || t_fail "make the $kind volume"
    for plane in axial coronal sagittal; do
        case $plane in axial) k=13 ;; coronal) k=17 ;; sagittal) k=21 ;; esac
        rm -rf "$T_TMP/o"
        # any prompt that gives a non-empty mask will do: the check is where its voxels go
        t_run "predict on $kind $plane slice $k" "$SAMC" predict -m "$T_TMP/demo.samw" -i "$T_TMP/$kind.nii.gz" \
            --plane $plane --slice $k --box 2,2,20,20 --point 10,10,1 -o "$T_TMP/o"
        if grep -q "$plane slice $k of .*prompt coordinates are in these pixels" "$T_TMP/out"; then
            t_ok "$kind $plane: says which slice and that coordinates are its pixels"
        else t_fail "$kind $plane: says which slice" "$(cat "$T_TMP/out")"; fi
        res=$(check_volume "$T_TMP/$kind.nii.gz" "$T_TMP/o" $plane $k 2>&1)
        if [ "$res" = ok ]; then t_ok "$kind $plane: nibabel finds the mask in slice $k, source geometry"
        else t_fail "$kind $plane: nibabel check of mask_0.nii.gz" "$res"; fi
    done
done

# end to end on the demo CT phantom: a box around label 1 in axial slice 12 (found by nibabel in
# the display orientation) segments it; nibabel then compares mask_0.nii.gz with the label
# volume in the scanner's voxels. The demo model segments its phantoms well (test_eval.sh), so
# a slice or mask turned or flipped anywhere on the way would show as a low IoU.
CT=$F/data/volume/ct_phantom.nii.gz LAB=$F/data/volume/ct_phantom_labels.nii.gz
box=$("$PY" - "$LAB" <<'PYEOF'
import sys, numpy as np, nibabel as nib
l = nib.load(sys.argv[1])
t = nib.orientations.ornt_transform(nib.orientations.io_orientation(l.affine), nib.orientations.axcodes2ornt(("L", "P", "I")))
r = nib.orientations.apply_orientation(np.asanyarray(l.dataobj), t)
k = r.shape[2] - 1 - 12 if nib.aff2axcodes(l.affine)[2] == "S" else 12  # stored slice 12 after the I flip
rows, cols = np.nonzero(r[:, :, k].T == 1)
print("%d,%d,%d,%d" % (cols.min() - 4, rows.min() - 4, cols.max() + 4, rows.max() + 4))
PYEOF
)
t_run "predict on CT phantom slice 12 from a box ($box)" "$SAMC" predict -m "$T_TMP/demo.samw" -i "$CT" --slice 12 \
    --box "$box" -o "$T_TMP/ct"
iou=$("$PY" - "$LAB" "$T_TMP/ct/mask_0.nii.gz" <<'PYEOF'
import sys, numpy as np, nibabel as nib
l, m = nib.load(sys.argv[1]), nib.load(sys.argv[2])
a = np.asanyarray(l.dataobj)[:, :, 12] == 1
b = np.asanyarray(m.dataobj)[:, :, 12] > 0
print("%.3f" % ((a & b).sum() / (a | b).sum()) if np.allclose(l.affine, m.affine) else "affine differs")
PYEOF
)
if awk -v x="$iou" 'BEGIN { exit !(x + 0 >= 0.8) }'; then t_ok "CT phantom: IoU $iou with label 1 in scanner space (>= 0.8)"
else t_fail "CT phantom: IoU with label 1 in scanner space >= 0.8" "$iou"; fi

# the options of a volume
V="$T_TMP/ras.nii.gz"
t_rejects "a volume without --slice" "is a volume: give --slice K \(0 .. 29, axial plane\)" "$SAMC" predict \
    -m "$T_TMP/demo.samw" -i "$V" --point 5,5,1 -o "$T_TMP/bad"
t_no_output "a volume without --slice"
t_rejects "--slice past the last" "--slice 30, but the axial plane has 30 slices" "$SAMC" predict \
    -m "$T_TMP/demo.samw" -i "$V" --slice 30 --point 5,5,1 -o "$T_TMP/bad"
t_rejects "a bad --plane" "plane" "$SAMC" predict -m "$T_TMP/demo.samw" -i "$V" --slice 3 --plane oblique \
    --point 5,5,1 -o "$T_TMP/bad"
t_rejects "a bad --intensity" "intensity|window" "$SAMC" predict -m "$T_TMP/demo.samw" -i "$V" --slice 3 \
    --intensity window:40,0 --point 5,5,1 -o "$T_TMP/bad"
t_rejects "--slice for a PNG" "are for volumes" "$SAMC" predict -m "$T_TMP/demo.samw" -i $F/image.png --slice 3 \
    --point 5,5,1 -o "$T_TMP/bad"
t_no_output "--slice for a PNG"
t_rejects "--max-pixels bounds a slice" "40 x 36 = 1440 pixels, more than --max-pixels 1000" "$SAMC" predict \
    -m "$T_TMP/demo.samw" -i "$V" --slice 3 --max-pixels 1000 --point 5,5,1 -o "$T_TMP/bad"
# the other commands take a slice too
t_run "encode a coronal slice" "$SAMC" encode -m "$T_TMP/demo.samw" -i "$V" --plane coronal --slice 5 -o "$T_TMP/e.npy"
t_run "preprocess a sagittal slice" "$SAMC" preprocess "$V" --plane sagittal --slice 7 --intensity minmax -o "$T_TMP/pp"
t_run "everything on an axial slice" "$SAMC" everything -m "$T_TMP/demo.samw" -i "$V" --slice 9 \
    --points-per-side 4 -o "$T_TMP/ev"
t_summary
