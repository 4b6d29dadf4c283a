#!/usr/bin/env bash
# Several slices of a volume at once (issue 17): samc predict and samc everything with --slices
# A:B / --all-slices, and samc eval --save-masks gathering a volume's masks as NIfTI. nibabel
# (Debian python3-nibabel) reads every written volume (test/cli/volume_slices_check.py): the
# source's affine and codes, and in each slice exactly what a single-slice run (--slice K) of
# the same prompt gives, or eval's PNG of that slice. Also the refusals of the range options.
. test/cli/lib.sh
PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c "import nibabel, numpy" 2>/dev/null; then PY=$p; break; fi
done
F=test/fixtures/sam-demo
M=$T_TMP/demo.samw
CT=$F/data/volume/ct_phantom.nii.gz # 160 x 144 x 24, axial slices 0 .. 23
"$SAMC" convert --decoder-heads 4 $F/model.pth "$M" >/dev/null 2>&1 || t_fail "convert the demo model"
if [ -z "$PY" ]; then
    t_fail "label volumes checked by nibabel" "needs python3 with nibabel and numpy (Debian python3-nibabel; bash .ci/install-deps)"
    t_summary
    exit
fi
CHECK="$PY test/cli/volume_slices_check.py"
t_no_output() { if [ -e "$T_TMP/bad" ]; then t_fail "$1: no output"; else t_ok "$1: no output"; fi; }
check() { # NAME CHECK-ARGS...: passes when the check prints ok
    local n=$1 res; shift
    res=$($CHECK "$@" 2>&1)
    if [ "$res" = ok ]; then t_ok "$n"; else t_fail "$n" "$res"; fi
}
# the organ of slice 12 with a margin (the box of test_predict_volume.sh and make demo)
BOX=66,45,132,101
first=9 last=14
[ -n "${SAMC_SANITIZED:-}" ] && first=11 last=13

# --- predict --slices: three masks per slice, each as its --slice run's --------------------------
t_run "predict --slices $first:$last --multimask" "$SAMC" predict -m "$M" -i "$CT" --slices $first:$last --box $BOX \
    --multimask --json --progress-every 0.000001 -o "$T_TMP/p"
if grep -q "axial slices $first \.\. $last of 24 of .*prompt coordinates are in these pixels" "$T_TMP/out" &&
    [ "$(grep -Ec "^samc predict: [0-9]+/$((last - first + 1)) slices \([0-9]+%\), slice [0-9]+ done, [0-9.]+ m?s/slice, ETA" "$T_TMP/out")" -eq $((last - first + 1)) ] &&
    [ "$(grep -c "^slice [0-9]*: mask [012]: predicted IoU" "$T_TMP/out")" -eq $((3 * (last - first + 1))) ]; then
    t_ok "predict --slices: says the range, a progress line per slice (tiny interval), three mask lines per slice"
else t_fail "predict --slices: messages" "$(head -c 600 "$T_TMP/out")"; fi
for k in $(seq $first $last); do
    "$SAMC" predict -m "$M" -i "$CT" --slice "$k" --box $BOX --multimask -o "$T_TMP/one$k" >/dev/null 2>&1 ||
        t_fail "predict --slice $k"
done
check "predict --slices: mask_0..2.nii.gz are the --slice runs' masks (nibabel), masks.csv their IoU and area" \
    predict "$CT" "$T_TMP/p" $first $last 3 "$T_TMP/one"
if "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); s=d['slices']; \
sys.exit(not ([x['slice'] for x in s] == list(range($first, $last + 1)) and all(len(x['masks']) == 3 for x in s)))" \
    "$T_TMP/p/masks.json"; then t_ok "predict --slices --json: masks.json lists each slice's three masks"
else t_fail "predict --slices --json: masks.json" "$(head -c 300 "$T_TMP/p/masks.json")"; fi
if [ ! -e "$T_TMP/p/logits.npy" ] && [ ! -e "$T_TMP/p/masks.npy" ]; then t_ok "predict --slices: no per-slice arrays"
else t_fail "predict --slices: no per-slice arrays" "$(ls "$T_TMP/p")"; fi
# the set replaces a single-slice set in the same folder, and back
"$SAMC" predict -m "$M" -i "$CT" --slice 12 --box $BOX -o "$T_TMP/p" >/dev/null 2>&1
if [ -e "$T_TMP/p/masks.npy" ] && [ ! -e "$T_TMP/p/masks.csv" ] && [ ! -e "$T_TMP/p/mask_2.nii.gz" ]; then
    t_ok "a single-slice run in the folder replaces the range's set"
else t_fail "a single-slice run replaces the range's set" "$(ls "$T_TMP/p")"; fi

# --- --best on an oblique, flipped volume, sagittal plane --------------------------------------
"$PY" - "$T_TMP/obl.nii.gz" <<'PYEOF' || t_fail "make the oblique volume"
import sys, numpy as np, nibabel as nib
i, j, k = np.meshgrid(np.arange(40), np.arange(36), np.arange(30), indexing="ij")
data = (i * 7 + j * 3 + k * 11).astype(np.int16)
data[10:25, 8:20, 5:22] += 900
a, b = np.radians(25), np.radians(10)
rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
aff = np.eye(4)
aff[:3, :3] = rz @ rx @ np.diag([-0.8, 1.1, 2.5])
aff[:3, 3] = [12.5, -30.0, 7.25]
img = nib.Nifti1Image(data, aff)
img.header.set_qform(aff, code=1)
img.header.set_sform(aff, code=2)
nib.save(img, sys.argv[1])
PYEOF
t_run "predict --slices 14:17 --plane sagittal --best on an oblique volume" "$SAMC" predict -m "$M" -i "$T_TMP/obl.nii.gz" \
    --plane sagittal --slices 14:17 --box 2,2,20,20 --point 10,10,1 --multimask --best -o "$T_TMP/ob"
for k in 14 15 16 17; do
    "$SAMC" predict -m "$M" -i "$T_TMP/obl.nii.gz" --plane sagittal --slice $k --box 2,2,20,20 --point 10,10,1 \
        --multimask --best -o "$T_TMP/obone$k" >/dev/null 2>&1 || t_fail "predict --slice $k (oblique)"
done
check "--best on an oblique volume: mask_0.nii.gz is each slice's best mask, in the source geometry" \
    predict "$T_TMP/obl.nii.gz" "$T_TMP/ob" 14 17 1 "$T_TMP/obone"

# --- everything --all-slices: a uint16 label volume ---------------------------------------------
EV="--points-per-side 4 --pred-iou-thresh 0 --stability-score-thresh 0"
# shellcheck disable=SC2086
t_run "everything --all-slices" "$SAMC" everything -m "$M" -i "$CT" --all-slices $EV -o "$T_TMP/e"
if [ "$(grep -c '^slice [0-9]*: [0-9]* masks$' "$T_TMP/out")" -eq 24 ]; then t_ok "everything --all-slices: a line per slice"
else t_fail "everything --all-slices: a line per slice" "$(head -c 300 "$T_TMP/out")"; fi
for k in 0 12 17; do
    # shellcheck disable=SC2086
    "$SAMC" everything -m "$M" -i "$CT" --slice $k $EV -o "$T_TMP/eone$k" >/dev/null 2>&1 || t_fail "everything --slice $k"
done
check "everything --all-slices: labels.nii.gz (nibabel) holds each slice's masks by the documented rule" \
    everything "$CT" "$T_TMP/e" axial 0 23 0,12,17 "$T_TMP/eone"
# shellcheck disable=SC2086
t_run "everything --slices 12:13 --plane axial" "$SAMC" everything -m "$M" -i "$CT" --slices 12:13 $EV -o "$T_TMP/e2" \
    --progress-every 0.000001
if grep -Eq '^samc everything: [0-9]+/32 points \([0-9]+%\), slice 1[23] \([12] of 2\)' "$T_TMP/out"; then
    t_ok "everything on slices: progress in points of all slices, naming the slice"
else t_fail "everything on slices: progress lines" "$(head -c 400 "$T_TMP/out")"; fi
check "everything --slices 12:13: only those slices labelled" everything "$CT" "$T_TMP/e2" axial 12 13 12 "$T_TMP/eone"

# --- refusals: before any work, nothing written ---------------------------------------------------
t_rejects "--slices past the last slice" "--slices 20:24, but the axial plane has 24 slices \(0 \.\. 23\)" \
    "$SAMC" predict -m "$M" -i "$CT" --slices 20:24 --box $BOX -o "$T_TMP/bad"
t_no_output "--slices past the last slice"
t_rejects "--slices past the last (everything, coronal)" "--slices 0:144, but the coronal plane has 144 slices \(0 \.\. 143\)" \
    "$SAMC" everything -m "$M" -i "$CT" --plane coronal --slices 0:144 -o "$T_TMP/bad"
for bad in 5:3 3 a:b 3: :3 -1:2 "3:4 " 1:2:3; do
    t_exit "--slices '$bad' is refused as a usage error" 2 "--slices $bad: expected FIRST:LAST" \
        "$SAMC" predict -m "$M" -i "$CT" --slices "$bad" --box $BOX -o "$T_TMP/bad"
done
t_no_output "malformed --slices"
t_exit "--slice with --slices" 2 "give --slice K or --slices A:B, not both" \
    "$SAMC" predict -m "$M" -i "$CT" --slice 3 --slices 3:4 --box $BOX -o "$T_TMP/bad"
t_exit "--slice with --all-slices (everything)" 2 "give --slice K or --all-slices, not both" \
    "$SAMC" everything -m "$M" -i "$CT" --slice 3 --all-slices -o "$T_TMP/bad"
t_exit "--slices with --all-slices" 2 "give --slices A:B or --all-slices, not both" \
    "$SAMC" predict -m "$M" -i "$CT" --slices 3:4 --all-slices --box $BOX -o "$T_TMP/bad"
t_rejects "--slices for a PNG" "--slice, --slices, --all-slices, --plane and --intensity are for volumes" \
    "$SAMC" predict -m "$M" -i $F/image.png --slices 0:1 --point 5,5,1 -o "$T_TMP/bad"
t_exit "--slices with --overlay" 2 "--overlay draws one slice" \
    "$SAMC" predict -m "$M" -i "$CT" --slices 3:4 --box $BOX --overlay "$T_TMP/o.png" -o "$T_TMP/bad"
"$SAMC" encode -m "$M" -i "$CT" --slice 3 -o "$T_TMP/e3.npy" >/dev/null 2>&1
t_exit "--slices with --embedding" 2 "--embedding is the embedding of one slice" \
    "$SAMC" predict -m "$M" -i "$CT" --slices 3:4 --box $BOX --embedding "$T_TMP/e3.npy" -o "$T_TMP/bad"
t_no_output "the refused combinations"
t_rejects "a volume without a slice names the range options" "give --slice K \(0 \.\. 23, axial plane\), or --slices A:B or --all-slices" \
    "$SAMC" everything -m "$M" -i "$CT" -o "$T_TMP/bad"
t_exit "encode takes no --slices" 2 "unknown option '--slices'" "$SAMC" encode -m "$M" -i "$CT" --slices 1:2 -o "$T_TMP/bad.npy"

# --- eval --save-masks on a volume: NIfTI label volumes gathered from the slices' PNGs ----------
cat >"$T_TMP/vol.conf" <<EOF
name = V
layout = nifti
root = $PWD/$F/data/volume
volumes = ct_phantom.nii.gz
labels = .nii.gz -> _labels.nii.gz
intensity = abdomen
class.1 = CT-Phantom: Organ
class.2 = CT-Phantom: Lesion
EOF
ev() { "$SAMC" eval -m "$M" --data "$T_TMP/vol.conf" --experiments modes --threads 1 "$@"; }
t_run "eval --save-masks of a volume" ev --save-masks -o "$T_TMP/v"
check "eval: masks/ct_phantom/*.nii.gz (nibabel) hold each slice's PNG mask, source geometry" \
    eval "$T_TMP/v" ct_phantom "$CT" axial
# a resumed run after a kill: some slices' results and masks gone, the volume's set not built yet
ls "$T_TMP/v/results" | grep -E 'axial0(09|1[0-2])' | while read -r f; do rm "$T_TMP/v/results/$f"; done
rm -rf "$T_TMP/v/masks/ct_phantom" "$T_TMP/v/masks/ct_phantom_axial009" "$T_TMP/v/masks/ct_phantom_axial01"[0-2]
t_run "eval --save-masks resumed" ev --save-masks -o "$T_TMP/v"
if grep -q "(4 computed, " "$T_TMP/out"; then t_ok "the resumed run computes the 4 slices removed"
else t_fail "the resumed run computes the 4 slices removed" "$(head -c 300 "$T_TMP/out")"; fi
check "resumed: the volume's NIfTI masks from every slice, this run's and the first's" \
    eval "$T_TMP/v" ct_phantom "$CT" axial
ino=$(stat -c %i "$T_TMP/v/masks/ct_phantom/modes_1_index0_class1.nii.gz")
t_run "eval resumed with nothing to compute" ev --save-masks -o "$T_TMP/v"
if [ "$(stat -c %i "$T_TMP/v/masks/ct_phantom/modes_1_index0_class1.nii.gz")" = "$ino" ]; then
    t_ok "a finished volume's set is not built again"
else t_fail "a finished volume's set is not built again"; fi
# slices computed without --save-masks: no volume that would show them empty
t_run "eval without --save-masks" ev -o "$T_TMP/w"
ls "$T_TMP/w/results" | grep -E 'axial01[0-1]' | while read -r f; do rm "$T_TMP/w/results/$f"; done
t_run "resumed with --save-masks" ev --save-masks -o "$T_TMP/w"
if grep -q "warning: ct_phantom: 15 of its 17 slices were computed without --save-masks; its NIfTI masks are not written" \
    "$T_TMP/out" && [ ! -e "$T_TMP/w/masks/ct_phantom" ] && [ -e "$T_TMP/w/masks/ct_phantom_axial010/image.png" ]; then
    t_ok "slices without saved masks: the volume's NIfTI not written, a warning says why"
else t_fail "slices without saved masks: warning, no NIfTI" "$(head -c 400 "$T_TMP/out")"; fi
t_summary
