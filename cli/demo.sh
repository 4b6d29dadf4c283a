#!/usr/bin/env bash
# `make demo`: the main job of samc on the embedded demo model (test/fixtures/sam-demo, a small
# SAM trained on synthetic grey phantoms): convert the checkpoint, segment an image from a box
# and a point, run the study's experiments on the demo data sets, and write the reports.
# Usage: bash cli/demo.sh [path/to/samc]   (from anywhere; outputs go to build/demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
SAMC=${1:-build/samc}
case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
MODEL=build/sam-demo.samw
OUT=build/demo
# one thread: the demo model is tiny, so per-call OpenMP start-up would cost more than it saves
THREADS=${THREADS:-1}
mkdir -p "$OUT"

step() { printf '\n== %s\n' "$*"; }

step "1. convert the checkpoint to .samw (once)"
if [ ! -f "$MODEL" ] || [ "$FIX/model.pth" -nt "$MODEL" ]; then
    "$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL"
else
    echo "$MODEL is up to date"
fi

step "2. segment $FIX/image.png from a box and from a point, and axial slice 12 of a CT volume"
"$SAMC" predict -m "$MODEL" -i "$FIX/image.png" --box 84,82,253,202 --multimask -o "$OUT/predict_box" --threads "$THREADS"
"$SAMC" predict -m "$MODEL" -i "$FIX/image.png" --point 223,100,1 --multimask -o "$OUT/predict_point" --threads "$THREADS"
# a slice of a CT volume: the mask also comes back as a NIfTI volume in the scan's geometry
"$SAMC" predict -m "$MODEL" -i "$FIX/data/volume/ct_phantom.nii.gz" --slice 12 --box 66,45,132,101 \
    -o "$OUT/predict_ct" --threads "$THREADS"

step "3. the study's experiments on 12 binary phantoms (authors' layout: images/ + masks/)"
# everything mode with the thresholds this small model's scores reach (fixture README)
"$SAMC" eval -m "$MODEL" --images "$FIX/data/binary/images" --masks "$FIX/data/binary/masks" --task Phantom \
    --experiments modes,iterative,placement,size,everything \
    --amg-points-per-side 16 --amg-pred-iou-thresh 0.7 --amg-stability-thresh 0.6 \
    -o "$OUT/binary" --threads "$THREADS"
"$SAMC" report "$OUT/binary"

step "4. the same images as a two-class data set (eval/demo/phantom_multiclass.conf)"
"$SAMC" eval -m "$MODEL" --data eval/demo/phantom_multiclass.conf -o "$OUT/multiclass" \
    --experiments modes,iterative,size --threads "$THREADS"
"$SAMC" report "$OUT/multiclass"

step "5. a CT volume cut into axial slices (eval/demo/ct_phantom.conf)"
"$SAMC" eval -m "$MODEL" --data eval/demo/ct_phantom.conf -o "$OUT/volume" --experiments modes,iterative,size \
    --threads "$THREADS"
"$SAMC" report "$OUT/volume"

step "done"
cat <<MSG
masks of step 2:   $OUT/predict_box/, $OUT/predict_point/, $OUT/predict_ct/ (mask_0.nii.gz: overlay it
                   on $FIX/data/volume/ct_phantom.nii.gz in ITK-SNAP or 3D Slicer)
per-image results: $OUT/{binary,multiclass,volume}/per_image.csv
tables:            $OUT/*/tables/ (fig2_modes_vs_paper.csv: ours beside the published numbers)
figures:           $OUT/*/figures/ (modes.png, iterative.png, placement_points.png, ...)
Run a step again and it resumes: finished images are not recomputed.
MSG
