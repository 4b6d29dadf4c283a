#!/usr/bin/env bash
# samc predict and samc trace with the study's baselines, against the official predictors'
# outputs (test/fixtures/baselines/*: reduced random-weight models, baselines.md): the
# probability map prob.npy within 1e-4 of the official one, the mask and outputs a baseline
# writes, and the prompts a baseline cannot take refused.
source test/cli/lib.sh
B=test/fixtures/baselines
IMG=$B/image_uint8_hwc.png
declare -A CKPT=([ritm]=$B/ritm/checkpoint/hrnet8_ocr16_itermask_RANDOM.pth
                 [focalclick]=$B/focalclick/checkpoint/segformerB0_S2_comb_RANDOM.pth
                 [simpleclick]=$B/simpleclick/checkpoint/plainvit_small448_RANDOM.pth)
# the fixtures' cases: (+, row 90, col 120); then (-, 144, 234), (+, 60, 108) -- X is the column
ONE="--point 120,90,1"
THREE="--point 120,90,1 --point 234,144,0 --point 108,60,1"

for fam in ritm focalclick simpleclick; do
    M=$T_TMP/$fam.samw
    t_run "$fam: converts" "$SAMC" convert "${CKPT[$fam]}" "$M"
    for case in 1click 3click; do
        clicks=$ONE; [ $case = 3click ] && clicks=$THREE
        # shellcheck disable=SC2086
        t_run "$fam $case: predicts" "$SAMC" predict -m "$M" -i $IMG $clicks -o "$T_TMP/$fam$case" --threads 2
        if grep -Eq "^$fam: [13] click\(s\), mask area [0-9]+ of 60000 pixels" "$T_TMP/out"; then t_ok "$fam $case: summary line"
        else t_fail "$fam $case: summary line" "$(cat "$T_TMP/out")"; fi
        mkdir -p "$T_TMP/ref$fam$case" "$T_TMP/our$fam$case"
        cp "$B/$fam/${case}_prob.npy" "$T_TMP/ref$fam$case/prob.npy"
        cp "$T_TMP/$fam$case/prob.npy" "$T_TMP/our$fam$case/prob.npy"
        t_run "$fam $case: prob.npy within 1e-4 of the official predictor's" \
            "$SAMC" diff "$T_TMP/our$fam$case" "$T_TMP/ref$fam$case" --threshold 1e-4
        files=$(cd "$T_TMP/$fam$case" && ls | tr '\n' ' ')
        if [ "$files" = "mask_0.png masks.npy prob.npy " ]; then t_ok "$fam $case: writes prob.npy, masks.npy, mask_0.png"
        else t_fail "$fam $case: output files" "$files"; fi
    done
done

M=$T_TMP/ritm.samw
t_rejects "a box is SAM's" "--box.*clicks only" "$SAMC" predict -m "$M" -i $IMG --box 1,2,30,40 -o "$T_TMP/x"
t_rejects "--multimask is SAM's" "--multimask.*clicks only" "$SAMC" predict -m "$M" -i $IMG $ONE --multimask -o "$T_TMP/x"
t_rejects "no click" "no click" "$SAMC" predict -m "$M" -i $IMG -o "$T_TMP/x"
t_rejects "a fractional click" "integer pixel" "$SAMC" predict -m "$M" -i $IMG --point 120.5,90,1 -o "$T_TMP/x"
t_rejects "a click outside the image" "integer pixel of the 300 x 200 image" "$SAMC" predict -m "$M" -i $IMG \
    --point 300,90,1 -o "$T_TMP/x"
t_rejects "--embedding is SAM's" "--embedding is for SAM models" "$SAMC" predict -m "$M" -i $IMG $ONE \
    --embedding "$T_TMP/e.npy" -o "$T_TMP/x"
if [ ! -e "$T_TMP/x" ]; then t_ok "nothing written on a refusal"; else t_fail "nothing written on a refusal"; fi
t_rejects "a baseline is not a SAM model (encode)" "a ritm model, not SAM" "$SAMC" encode -m "$M" -i $IMG -o "$T_TMP/e.npy"

# trace: the official module names, in forward order, batch element 0
t_run "ritm: trace" "$SAMC" trace -m "$M" -i $IMG $ONE -o "$T_TMP/tr"
if grep -q "feature_extractor.stage4.3" "$T_TMP/tr/manifest.tsv" && grep -q "feature_extractor.cls_head" "$T_TMP/tr/manifest.tsv"
then t_ok "ritm trace names the official modules"
else t_fail "ritm trace names the official modules" "$(head -n 5 "$T_TMP/tr/manifest.tsv")"; fi
t_summary
