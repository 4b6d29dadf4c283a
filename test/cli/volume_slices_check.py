# Independent checks of the label volumes of samc predict/everything --slices and of samc eval
# --save-masks on volumes (test/cli/test_volume_slices.sh). nibabel reads the volumes and turns
# them to the display orientation io/nifti.h documents (radiological: the axes to L, P, I, a
# slice's rows then along P or I, columns along L or P) by its own reorientation; the per-slice
# references are samc's single-slice outputs (masks.npy, mask_K.nii.gz, annotations.json) and
# eval's PNGs, decoded here. Each command prints "ok" or the problems found.
import json, os, sys

import nibabel as nib
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_inspect_check import read_png  # noqa: E402  (a PNG decoder on zlib only)

AXIS = {"axial": 2, "coronal": 1, "sagittal": 0}  # the normal's axis once reoriented to L, P, I


def display_slices(data, affine, plane):
    """{stored slice index: its display-oriented 2D array}, by nibabel's reorientation: a
    volume holding each voxel's stored index along the plane's normal goes through the same
    transform, so each reoriented slice says which stored slice it is."""
    t = nib.orientations.ornt_transform(nib.orientations.io_orientation(affine),
                                        nib.orientations.axcodes2ornt(("L", "P", "I")))
    r = nib.orientations.apply_orientation(data, t)
    ax = AXIS[plane]
    normal = [a for a in range(3) if int(t[a][0]) == ax][0]  # the stored axis that became ax
    ri = nib.orientations.apply_orientation(np.indices(data.shape[:3])[normal], t)
    out = {}
    for j in range(r.shape[ax]):
        k = int(np.take(ri, j, axis=ax).flat[0])
        out[k] = np.take(r, j, axis=ax).T
    return out


def same_geometry(src, vol, dtype, bad, what):
    if vol.shape != src.shape[:3]: bad.append("%s: shape %s != %s" % (what, vol.shape, src.shape))
    if not np.allclose(vol.affine, src.affine, atol=1e-5): bad.append("%s: affine differs" % what)
    for c in ("qform_code", "sform_code"):
        if int(vol.header[c]) != int(src.header[c]): bad.append("%s: %s differs" % (what, c))
    if vol.get_data_dtype() != dtype: bad.append("%s: dtype %s, expected %s" % (what, vol.get_data_dtype(), dtype))


def check_predict(src_path, out, first, last, n_masks, single_prefix):
    """out/mask_K.nii.gz of --slices FIRST:LAST is exactly the sum of the single-slice runs'
    mask_K.nii.gz (single_prefix + K: each filled in its slice only); masks.csv's rows say what
    those runs' iou_predictions.npy and masks.npy say."""
    first, last, n_masks = int(first), int(last), int(n_masks)
    src, bad = nib.load(src_path), []
    for m in range(n_masks):
        v = nib.load("%s/mask_%d.nii.gz" % (out, m))
        same_geometry(src, v, np.uint8, bad, "mask_%d" % m)
        want = sum(np.asanyarray(nib.load("%s%d/mask_%d.nii.gz" % (single_prefix, k, m)).dataobj).astype(int)
                   for k in range(first, last + 1))
        got = np.asanyarray(v.dataobj)
        if not want.any(): bad.append("mask_%d: the single-slice masks are empty (nothing to check)" % m)
        if not np.array_equal(got, want): bad.append("mask_%d: not the single-slice masks of slices %d..%d" % (m, first, last))
    if os.path.exists("%s/mask_%d.nii.gz" % (out, n_masks)): bad.append("more than %d masks" % n_masks)
    rows = [l.rstrip("\n").split(",") for l in open(out + "/masks.csv")]
    if rows[0] != ["slice", "mask", "index", "predicted_iou", "stability_score", "area"]: bad.append("csv header %r" % rows[0])
    rows = rows[1:]
    if len(rows) != n_masks * (last - first + 1): bad.append("%d csv rows" % len(rows))
    for r in rows:
        k, m = int(r[0]), int(r[1])
        d = "%s%d" % (single_prefix, k)
        iou, masks = np.load(d + "/iou_predictions.npy"), np.load(d + "/masks.npy")
        if np.float32(float(r[3])) != iou[m]: bad.append("slice %d mask %d: iou %s != %r" % (k, m, r[3], iou[m]))
        if int(r[5]) != int(masks[m].sum()): bad.append("slice %d mask %d: area %s != %d" % (k, m, r[5], masks[m].sum()))
    print("ok" if not bad else "; ".join(bad[:6]))


def paint(masks):
    """The documented label rule: 1 + the index of the smallest mask covering a pixel, the
    earlier on equal areas."""
    lab = np.zeros(masks.shape[1:], np.int64)
    area = masks.reshape(len(masks), -1).sum(1)
    for i in sorted(range(len(masks)), key=lambda i: (-area[i], -i)):
        lab[masks[i]] = i + 1
    return lab


def check_everything(src_path, out, plane, first, last, checked, single_prefix):
    """out/labels.nii.gz: uint16 in the source geometry, 0 outside slices FIRST..LAST; each
    checked slice (display-oriented by nibabel) is the label rule applied to the single-slice
    run's masks.npy, and annotations_KKK.json is that run's annotations.json."""
    first, last = int(first), int(last)
    src, bad = nib.load(src_path), []
    v = nib.load(out + "/labels.nii.gz")
    same_geometry(src, v, np.uint16, bad, "labels")
    sl = display_slices(np.asanyarray(v.dataobj), v.affine, plane)
    n_masks = 0
    for k, s in sl.items():
        ann = "%s/annotations_%03d.json" % (out, k)
        if not first <= k <= last:
            if s.any(): bad.append("slice %d outside the range is labelled" % k)
            if os.path.exists(ann): bad.append("annotations of slice %d outside the range" % k)
            continue
        recs = json.load(open(ann))
        if s.max() > len(recs): bad.append("slice %d: label %d, %d records" % (k, s.max(), len(recs)))
        if str(k) not in checked.split(","): continue
        d = "%s%d" % (single_prefix, k)
        masks = np.load(d + "/masks.npy")
        n_masks += len(masks)
        if open(ann, "rb").read() != open(d + "/annotations.json", "rb").read():
            bad.append("annotations_%03d.json is not the single run's" % k)
        if s.shape != masks.shape[1:] or not np.array_equal(s, paint(masks)):
            bad.append("slice %d: labels are not the rule applied to its masks" % k)
    if n_masks < 2: bad.append("fewer than 2 masks in the checked slices (nothing to check)")
    print("ok" if not bad else "; ".join(bad[:6]))


def check_eval(out, volume_id, src_path, plane):
    """out/masks/VOLUME/NAME.nii.gz: one per measurement PNG name of the volume's slice folders,
    in the source geometry; each slice (display-oriented by nibabel) is that slice folder's
    NAME.png, or 0 where the folder has no such PNG (or there is no folder)."""
    src, bad = nib.load(src_path), []
    vdir = "%s/masks/%s" % (out, volume_id)
    folders = {}
    for f in os.listdir(out + "/masks"):
        p = "%s_%s" % (volume_id, plane)
        if f.startswith(p) and f[len(p):].isdigit(): folders[int(f[len(p):])] = "%s/masks/%s" % (out, f)
    names = set()
    for d in folders.values():
        names |= {f[:-4] for f in os.listdir(d) if f.endswith(".png") and f != "image.png" and not f.startswith("gt")}
    got = {f[:-7] for f in os.listdir(vdir) if f.endswith(".nii.gz")} if os.path.isdir(vdir) else set()
    if got != names or not names: bad.append("NIfTI %s, PNG %s" % (sorted(got)[:4], sorted(names)[:4]))
    filled = 0
    for n in sorted(got & names):
        v = nib.load("%s/%s.nii.gz" % (vdir, n))
        same_geometry(src, v, np.uint8, bad, n)
        for k, s in display_slices(np.asanyarray(v.dataobj), v.affine, plane).items():
            png = "%s/%s.png" % (folders.get(k, "/nonexistent"), n)
            want = np.array(read_png(png), bool) if os.path.exists(png) else np.zeros(s.shape, bool)
            filled += os.path.exists(png)
            if s.shape != want.shape or not np.array_equal(s.astype(bool), want) or s.max() > 1:
                bad.append("%s slice %d is not %s" % (n, k, png))
    if not filled: bad.append("no slice filled")
    print("ok" if not bad else "; ".join(bad[:6]))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"predict": check_predict, "everything": check_everything, "eval": check_eval}[cmd](*args)
