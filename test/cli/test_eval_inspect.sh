# An eval you can inspect (issue 17): prompts.csv beside per_image.csv, checked against what the
# test recomputes itself (test/cli/eval_inspect_check.py: the click rule on the saved masks, mask
# counts, bounding boxes, label counts of the volume) and against samc predict / samc everything
# on the same prompt; --save-masks and resuming; results files of an older samc; progress lines
# in logs (eval of images and of a volume, everything).
. test/cli/lib.sh

case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
MODEL=$T_TMP/demo.samw
DATA=$T_TMP/data
CHECK="python3 test/cli/eval_inspect_check.py"
if ! python3 -c "import csv, gzip, json, zlib" 2>/dev/null; then
    t_fail "prompts.csv checked by test/cli/eval_inspect_check.py" "needs python3 (standard library only)"
    t_summary
    exit
fi
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
mkdir -p "$DATA/images" "$DATA/masks"
for i in 000 001 002; do
    cp "$FIX/data/binary/images/phantom_$i.png" "$DATA/images/"
    cp "$FIX/data/binary/masks/phantom_$i.png" "$DATA/masks/"
done
AMG="--amg-points-per-side 8 --amg-pred-iou-thresh 0.7 --amg-stability-thresh 0.6"
run() { "$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --threads 1 "$@"; }

# --- prompts.csv and the saved masks --------------------------------------------------------
t_run "eval --save-masks, every experiment" run -o "$T_TMP/a" --save-masks --experiments modes,iterative,placement,size,everything $AMG
t_run "report writes prompts.csv" "$SAMC" report --no-figures "$T_TMP/a"
res=$($CHECK prompts "$T_TMP/a" "$DATA/masks" phantom_001 2>&1)
if [ "$res" = ok ]; then
    t_ok "prompts.csv: per_image.csv's keys row for row; areas, boxes, centres, the click chain on the saved masks, their IoUs"
else t_fail "prompts.csv against the protocol recomputed" "$res"; fi
if [ -z "$(find "$T_TMP/a/masks" -name '*.tmp.*')" ]; then t_ok "no temporary files left under masks/"; else t_fail "no temporary files left under masks/"; fi

# the predicted IoU against samc predict with the same prompt on the same image (masks.json)
IMG=$DATA/images/phantom_002.png
# (an iterative sequence is one per selection rule, so is its prompt)
for m in "modes 1 all" "modes 3 all" "iterative 4 index0" "iterative 4 oracle" "iterative 3 best_predicted" \
         "placement point_q0.5 all" "placement box_j10 all"; do
    set -- $m
    args=$($CHECK args "$T_TMP/a/prompts.csv" phantom_002 "$1" "$2" "$3")
    rm -rf "$T_TMP/pr"
    # shellcheck disable=SC2086
    if "$SAMC" predict -m "$MODEL" -i "$IMG" $args --multimask --json -o "$T_TMP/pr" --threads 1 >/dev/null 2>&1 &&
        res=$($CHECK predict "$T_TMP/a/prompts.csv" phantom_002 "$1" "$2" "$3" "$T_TMP/pr" 2>&1) && [ "$res" = ok ]; then
        t_ok "pred_iou of $1 $2 ($3) is samc predict's for the same prompt ($args)"
    else t_fail "pred_iou of $1 $2 ($3) is samc predict's for the same prompt" "$args: $res"; fi
done
t_run "samc everything with the run's generator parameters" "$SAMC" everything -m "$MODEL" -i "$IMG" -o "$T_TMP/ev" \
    --points-per-side 8 --pred-iou-thresh 0.7 --stability-score-thresh 0.6 --threads 1
grep -v ',phantom_00[01],' "$T_TMP/a/prompts.csv" >"$T_TMP/p002.csv"
res=$($CHECK everything "$T_TMP/p002.csv" "$T_TMP/ev/annotations.json" 2>&1)
if [ "$res" = ok ]; then t_ok "everything best_mask: pred_iou is one of the generator's"; else t_fail "everything best_mask pred_iou" "$res"; fi

# --- --save-masks is not a setting of the run; masks only for the images computed with it ---
t_run "eval without --save-masks" run -o "$T_TMP/b" --experiments modes,size
cp "$T_TMP/b/run.conf" "$T_TMP/run.conf.b"
rm "$T_TMP/b/results/phantom_001.csv"
t_run "resume with --save-masks (same run)" run -o "$T_TMP/b" --experiments modes,size --save-masks
if grep -q "1 computed, 2 already done" "$T_TMP/out" && cmp -s "$T_TMP/b/run.conf" "$T_TMP/run.conf.b"; then
    t_ok "--save-masks leaves run.conf as it was"
else t_fail "--save-masks leaves run.conf as it was" "$(head -c 300 "$T_TMP/out")"; fi
if [ "$(ls "$T_TMP/b/masks")" = phantom_001 ] && [ "$(ls "$T_TMP/b/masks/phantom_001" | wc -l)" -eq 17 ] &&
    [ -s "$T_TMP/b/masks/phantom_001/modes_5_best_predicted.png" ] && [ -s "$T_TMP/b/masks/phantom_001/gt.png" ]; then
    t_ok "masks only for the image computed with --save-masks (15: modes x selections; gt.png, image.png)"
else t_fail "masks only for the image computed with --save-masks" "$(ls -R "$T_TMP/b/masks" 2>&1 | head -c 300)"; fi

# --- a results file of an older samc ----------------------------------------------------------
rm -rf "$T_TMP/o"; cp -r "$T_TMP/a" "$T_TMP/o"
python3 test/cli/eval_inspect_check.py make_old "$T_TMP/o/results/phantom_000.csv"
if head -n 1 "$T_TMP/o/results/phantom_000.csv" | grep -qx "task,image,class,experiment,setting,selection,iou,dice"; then
    t_ok "made a results file in the older format"
else t_fail "made a results file in the older format"; fi
t_exit "report of a folder with an older results file: exit 0, names the image" 0 \
    "note: 1 image computed by an older samc, whose results files do not record the prompts: phantom_000;" \
    "$SAMC" report --no-figures "$T_TMP/o"
if cmp -s "$T_TMP/a/per_image.csv" "$T_TMP/o/per_image.csv"; then t_ok "per_image.csv as before"; else t_fail "per_image.csv as before"; fi
res=$($CHECK old "$T_TMP/a" "$T_TMP/o" phantom_000 2>&1)
if [ "$res" = ok ]; then t_ok "prompts.csv: the older image's rows keyed with empty detail, the rest unchanged"
else t_fail "prompts.csv of the older results file" "$res"; fi
t_run "eval resumes over the older results file" run -o "$T_TMP/o" --save-masks --experiments modes,iterative,placement,size,everything $AMG
if grep -q "0 computed, 3 already done" "$T_TMP/out"; then t_ok "the older results file counts as done"; else t_fail "the older results file counts as done" "$(cat "$T_TMP/out")"; fi

# --- progress lines in logs ----------------------------------------------------------------------
LINE='^samc eval: ([0-9]+)/3 images \(([0-9]+)%\)(, [0-9]+\.[0-9] m?s/image, ETA ([0-9]+h)?[0-9]+m[0-9]{2}s)?$'
run -o "$T_TMP/g" --experiments modes,size --progress-every 0.000001 >"$T_TMP/g.out" 2>"$T_TMP/g.err"
got=$(grep -c '^samc eval: [0-9]*/' "$T_TMP/g.err")
if [ "$got" -eq 3 ] && [ "$(grep -Ec "$LINE" "$T_TMP/g.err")" -eq 3 ] &&
    [ "$(sed -E 's/^samc eval: ([0-9]+\/3 images \([0-9]+%\)), [0-9.]+ m?s\/image, ETA.*/\1/' "$T_TMP/g.err" | tr '\n' ' ')" = \
      "1/3 images (33%) 2/3 images (66%) 3/3 images (100%) " ] && grep -q 'ETA 0m00s$' "$T_TMP/g.err"; then
    t_ok "a line per image with a tiny interval: 1/3 (33%), 2/3 (66%), 3/3 (100%), rate, ETA 0m00s at the end"
else t_fail "progress lines of eval in a log" "$(head -c 400 "$T_TMP/g.err")"; fi
if ! grep -q '^samc eval: [0-9]*/' "$T_TMP/g.out"; then t_ok "progress lines go to stderr only"; else t_fail "progress lines go to stderr only"; fi
run -o "$T_TMP/g" --experiments modes,size --progress-every 0.000001 >/dev/null 2>"$T_TMP/g2.err"
if [ "$(grep -Exc '^samc eval: [123]/3 images \((33|66|100)%\)' "$T_TMP/g2.err")" -eq 3 ]; then
    t_ok "a resumed run (nothing computed): lines without rate or ETA"
else t_fail "a resumed run: lines without rate or ETA" "$(head -c 300 "$T_TMP/g2.err")"; fi
run -o "$T_TMP/h" --experiments modes,size --progress-every 0 >/dev/null 2>"$T_TMP/h.err"
if [ -d "$T_TMP/h/results" ] && ! grep -q '^samc eval: [0-9]*/' "$T_TMP/h.err"; then t_ok "--progress-every 0: no progress lines"
else t_fail "--progress-every 0: no progress lines" "$(head -c 300 "$T_TMP/h.err")"; fi
run -o "$T_TMP/h2" --experiments size >/dev/null 2>"$T_TMP/h2.err"
if ! grep -q '^samc eval: [0-9]*/' "$T_TMP/h2.err"; then t_ok "default interval (30 s): no line in a short run"
else t_fail "default interval (30 s): no line in a short run" "$(head -c 300 "$T_TMP/h2.err")"; fi
t_rejects "--progress-every refuses a negative interval" "progress-every" run -o "$T_TMP/x" --progress-every -1
t_rejects "--progress-every refuses a word" "progress-every" run -o "$T_TMP/x" --progress-every soon

# --- a volume: its slices' rows name volume, plane and slice; progress within the volume ------
V=$FIX/data/volume
cat >"$T_TMP/vol.conf" <<EOF
name = V
layout = nifti
root = $PWD/$V
volumes = ct_phantom.nii.gz
labels = .nii.gz -> _labels.nii.gz
intensity = abdomen
class.1 = CT-Phantom: Organ
class.2 = CT-Phantom: Lesion
EOF
"$SAMC" eval -m "$MODEL" --data "$T_TMP/vol.conf" --experiments modes,size --save-masks --threads 1 -o "$T_TMP/v" \
    --progress-every 0.000001 >"$T_TMP/v.out" 2>"$T_TMP/v.err"
"$SAMC" report --no-figures "$T_TMP/v" >/dev/null 2>&1
res=$($CHECK volume "$T_TMP/v/prompts.csv" "$V/ct_phantom_labels.nii.gz" ct_phantom 2>&1)
if [ "$res" = ok ]; then t_ok "volume rows: volume, plane, slice of the image; area = the label's count in that slice"
else t_fail "volume rows: volume, plane, slice, area" "$res"; fi
n=$(ls "$T_TMP/v/results" | grep -c '\.csv$')
VLINE='^samc eval: [01]/1 volumes \((0|100)%\), [0-9]+ slices?(, [0-9]+\.[0-9] m?s/volume, ETA ([0-9]+h)?[0-9]+m[0-9]{2}s)?$'
if [ "$n" -gt 1 ] && [ "$(grep -c '^samc eval: [0-9]*/' "$T_TMP/v.err")" -eq $((n + 1)) ] &&
    [ "$(grep -Ec "$VLINE" "$T_TMP/v.err")" -eq $((n + 1)) ] && grep -q "^samc eval: 0/1 volumes (0%), $n slices$" "$T_TMP/v.err" &&
    grep -Eq "^samc eval: 1/1 volumes \(100%\), $n slices, [0-9.]+ m?s/volume, ETA 0m00s$" "$T_TMP/v.err"; then
    t_ok "volume progress: a line per slice ($n) within the volume, then 1/1 with rate and ETA"
else t_fail "volume progress lines" "$n slices; $(head -c 400 "$T_TMP/v.err")"; fi
# slice K's prompt, given to samc predict on the same slice of the volume, gets the same score
row=$(grep '^CT-Phantom: Organ,.*,modes,1,index0,' "$T_TMP/v/prompts.csv" | head -n 1)
img=$(echo "$row" | cut -d, -f2); k=$(echo "$row" | awk -F, '{ print $(NF - 1) }')
args=$($CHECK args "$T_TMP/v/prompts.csv" "$img" modes 1 all)
rm -rf "$T_TMP/pr"
# shellcheck disable=SC2086
if [ -n "$k" ] && "$SAMC" predict -m "$MODEL" -i "$V/ct_phantom.nii.gz" --slice "$k" --plane axial --intensity abdomen \
        $args --multimask --json -o "$T_TMP/pr" --threads 1 >/dev/null 2>&1 &&
    res=$(grep -v '^CT-Phantom: Lesion,' "$T_TMP/v/prompts.csv" >"$T_TMP/organ.csv";
          $CHECK predict "$T_TMP/organ.csv" "$img" modes 1 all "$T_TMP/pr" 2>&1) && [ "$res" = ok ]; then
    t_ok "slice $k's mode 1 pred_iou is samc predict's on --slice $k --plane axial"
else t_fail "a slice's pred_iou against samc predict --slice" "$img $k $args: $res"; fi
if [ -s "$T_TMP/v/masks/$img/modes_1_index0_class1.png" ]; then t_ok "several targets: saved masks named _class1"
else t_fail "several targets: saved masks named _class1" "$(ls "$T_TMP/v/masks/$img" 2>&1 | head -c 300)"; fi

# --- samc everything: progress lines per batch of points -----------------------------------------
EV="--points-per-side 8 --points-per-batch 16 --pred-iou-thresh 0.7 --stability-score-thresh 0.6 --threads 1"
# shellcheck disable=SC2086
"$SAMC" everything -m "$MODEL" -i "$IMG" -o "$T_TMP/e1" $EV --progress-every 0.000001 >/dev/null 2>"$T_TMP/e1.err"
ELINE='^samc everything: (16|32|48|64)/64 points \((25|50|75|100)%\), [0-9]+\.[0-9] m?s/point, ETA ([0-9]+h)?[0-9]+m[0-9]{2}s$'
if [ "$(grep -c '^samc everything:' "$T_TMP/e1.err")" -eq 4 ] && [ "$(grep -Ec "$ELINE" "$T_TMP/e1.err")" -eq 4 ] &&
    [ "$(cut -d' ' -f3 "$T_TMP/e1.err" | tr '\n' ' ')" = "16/64 32/64 48/64 64/64 " ]; then
    t_ok "everything: a line per batch of 16 of the 64 grid points"
else t_fail "everything progress lines" "$(head -c 400 "$T_TMP/e1.err")"; fi
# shellcheck disable=SC2086
"$SAMC" everything -m "$MODEL" -i "$IMG" -o "$T_TMP/e0" $EV --progress-every 0 >/dev/null 2>"$T_TMP/e0.err"
if [ -s "$T_TMP/e0/annotations.json" ] && ! grep -q '^samc everything:' "$T_TMP/e0.err"; then
    t_ok "everything --progress-every 0: no lines"
else t_fail "everything --progress-every 0: no lines" "$(head -c 300 "$T_TMP/e0.err")"; fi
if cmp -s "$T_TMP/e0/annotations.json" "$T_TMP/e1/annotations.json"; then t_ok "everything: the same output with progress lines"
else t_fail "everything: the same output with progress lines"; fi
t_summary
