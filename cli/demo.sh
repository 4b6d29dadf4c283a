#!/usr/bin/env bash
# `make demo`: the main job of samc on the embedded demo model (test/fixtures/sam-demo, a small
# SAM trained on synthetic grey phantoms): convert the checkpoint, segment an image from a box
# and a point, run the study's experiments on the demo data sets, write the reports, and compare
# SAM with the study's baselines (RITM, SimpleClick, FocalClick) on the phantoms.
# Usage: bash cli/demo.sh [path/to/samc]   (from anywhere; outputs go to build/demo/, or to
#        $DEMO_DIR/demo/ with the converted models in $DEMO_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
SAMC=${1:-build/samc}
case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
DIR=${DEMO_DIR:-build}
MODEL=$DIR/sam-demo.samw
OUT=$DIR/demo
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
"$SAMC" predict -m "$MODEL" -i "$FIX/image.png" --point 223,100,1 --multimask -o "$OUT/predict_point" --threads "$THREADS" \
    --overlay "$OUT/predict_point.png"
# a slice of a CT volume: the mask also comes back as a NIfTI volume in the scan's geometry
"$SAMC" predict -m "$MODEL" -i "$FIX/data/volume/ct_phantom.nii.gz" --slice 12 --box 66,45,132,101 \
    -o "$OUT/predict_ct" --threads "$THREADS"
# the same box on slices 8 to 16, each encoded once: one NIfTI volume holding all of them
"$SAMC" predict -m "$MODEL" -i "$FIX/data/volume/ct_phantom.nii.gz" --slices 8:16 --box 66,45,132,101 --best \
    -o "$OUT/predict_ct_slices" --threads "$THREADS" | tail -n 3

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

step "6. SAM against RITM, SimpleClick and FocalClick on the 12 phantoms (the study's Fig. 3 and 4)"
# The baselines: small models of the official classes trained on phantoms like these (in the
# repository, or beside it in ../shared); without them the reduced random-weight test models,
# which run the same code but segment nothing.
demo_models=(test/fixtures/baselines/*/demo/*.pth)
[ -e "${demo_models[0]}" ] || demo_models=(../shared/fixtures/baselines/*/demo/*.pth)
RANDOM_BASELINES=0
if [ ! -e "${demo_models[0]}" ]; then
    demo_models=(test/fixtures/baselines/*/checkpoint/*.pth)
    RANDOM_BASELINES=1
fi
BASELINES=()
for pth in "${demo_models[@]}"; do
    samw=$DIR/demo_$(basename "${pth%.pth}").samw
    if [ ! -f "$samw" ] || [ "$pth" -nt "$samw" ]; then "$SAMC" convert "$pth" "$samw"; fi
    BASELINES+=(--baseline "$samw")
done
# modes and clicks of SAM (the embeddings from step 3's cache) and the baselines' 9 clicks, with
# every mask saved for the example overlays
"$SAMC" eval -m "$MODEL" "${BASELINES[@]}" --images "$FIX/data/binary/images" --masks "$FIX/data/binary/masks" \
    --task Phantom --experiments modes,iterative --cache "$OUT/binary/cache" --save-masks -o "$OUT/compare" \
    --threads "$THREADS"
"$SAMC" report "$OUT/compare"
echo
echo "mean IoU after k clicks (tables/fig4_average.csv; the paper's columns are empty: its tasks are not phantoms):"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) keep[i] = $i !~ /paper|best predicted/ }
         { line = ""; for (i = 1; i <= NF; i++) if (keep[i]) line = line sprintf(i == 1 ? "%-14s" : " %12.12s", $i); print line }' \
    "$OUT/compare/tables/fig4_average.csv"
if [ "$RANDOM_BASELINES" = 1 ]; then
    echo "NOTE: no trained demo baselines found (test/fixtures/baselines/*/demo/): these are the reduced"
    echo "      random-weight test models; their numbers mean nothing, they only show the pipeline."
fi

step "done"
cat <<MSG
masks of step 2:   $OUT/predict_box/, $OUT/predict_point/, $OUT/predict_ct/ (mask_0.nii.gz: overlay it
                   on $FIX/data/volume/ct_phantom.nii.gz in ITK-SNAP or 3D Slicer), $OUT/predict_ct_slices/
                   (mask_0.nii.gz: slices 8 to 16; masks.csv)
per-image results: $OUT/{binary,multiclass,volume}/per_image.csv
tables:            $OUT/*/tables/ (fig2_modes_vs_paper.csv: ours beside the published numbers)
figures:           $OUT/*/figures/ (modes.png, iterative.png, placement_points.png, ...)
the comparison:    $OUT/compare/tables/ (fig4_average.csv, fig3_comparison.csv, compare_baselines.csv),
                   $OUT/compare/figures/comparison.png, and the example overlays (ground truth green,
                   prediction red, prompts blue) in $OUT/compare/figures/examples/ (tables/examples.csv);
                   $OUT/predict_point.png: step 2's point and mask drawn over the image
Run a step again and it resumes: finished images are not recomputed.
MSG
