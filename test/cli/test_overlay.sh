#!/usr/bin/env bash
# Example overlays: samc eval --save-masks keeps each image and its ground truth beside the masks,
# samc report draws the best, median and worst example of each measurement and lists them in
# tables/examples.csv (and says so in one line when the masks were not saved), and samc predict
# --overlay draws one prediction of SAM or of a baseline at the image's size. The pixels
# themselves are checked by test/test_overlay.c.
. test/cli/lib.sh
case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
MODEL=$T_TMP/demo.samw
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
t_run "convert a RITM model" "$SAMC" convert test/fixtures/baselines/ritm/checkpoint/hrnet8_ocr16_itermask_RANDOM.pth \
    "$T_TMP/ritm.samw"

mkdir -p "$T_TMP/few/images" "$T_TMP/few/masks"
for f in $(ls $FIX/data/binary/images | head -n 3); do
    cp $FIX/data/binary/images/$f "$T_TMP/few/images/"; cp $FIX/data/binary/masks/$f "$T_TMP/few/masks/"
done
run() { # OUT [options]
    local o=$1; shift
    "$SAMC" eval -m "$MODEL" --images "$T_TMP/few/images" --masks "$T_TMP/few/masks" --task "Phantom: A" \
        --experiments modes,iterative "$@" -o "$o"
}
size_of() { "$SAMC" info "$1" | awk '/^width:/ { w = $2 } /^height:/ { h = $2 } END { print w "x" h }'; }

# with --save-masks: every example drawn, at the image's size
t_run "eval --save-masks with a baseline" run "$T_TMP/a" --save-masks --baseline "$T_TMP/ritm.samw"
for f in image.png gt.png modes_1_index0.png ritm_iterative_9.png; do
    if [ -s "$T_TMP/a/masks/phantom_000/$f" ]; then t_ok "eval saved masks/phantom_000/$f"
    else t_fail "eval saved masks/phantom_000/$f"; fi
done
t_run "report" "$SAMC" report "$T_TMP/a"
csv=$T_TMP/a/tables/examples.csv
h=$(head -n 1 "$csv" 2>/dev/null)
[ "$h" = "task,measurement,rank,image,class,iou,file" ] && t_ok "examples.csv header" || t_fail "examples.csv header" "$h"
# mode1, mode3, iterative9 and ritm_iterative9, each best, median and worst
n=$(tail -n +2 "$csv" | wc -l)
[ "$n" -eq 12 ] && t_ok "examples.csv: 12 examples" || t_fail "examples.csv: 12 examples" "$n rows"
for m in mode1 mode3 iterative9 ritm_iterative9; do
    for r in best median worst; do
        grep -q "^Phantom: A,$m,$r,phantom_00[0-2],1,[0-9.]*,figures/examples/" "$csv" || t_fail "examples.csv: $m $r" "$(cat "$csv")"
    done
done
bad=0
while IFS=, read -r _ _ _ _ _ _ file; do
    [ -f "$T_TMP/a/$file" ] && [ "$(size_of "$T_TMP/a/$file")" = 256x256 ] || bad=$((bad + 1))
done < <(tail -n +2 "$csv")
[ "$bad" -eq 0 ] && t_ok "each example drawn, 256 x 256 as its image" || t_fail "examples drawn" "$bad missing or of another size"
# mode 1's best and worst: the highest and lowest IoU of per_image.csv
ok=$(awk -F, 'FNR == NR { if ($4 == "modes" && $5 == 1 && $6 == "index0") { v[++n] = $7 } next }
              $2 == "mode1" && $3 == "best" { b = $6 } $2 == "mode1" && $3 == "worst" { w = $6 }
              END { lo = hi = v[1]; for (i = 2; i <= n; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
                    d1 = b - hi; d2 = w - lo; print (n == 3 && d1 * d1 < 1e-12 && d2 * d2 < 1e-12) ? 1 : 0 }' \
    "$T_TMP/a/per_image.csv" "$csv")
[ "$ok" = 1 ] && t_ok "best and worst are the highest and lowest IoU" || t_fail "best and worst" "$(head -n 4 "$csv")"

# masks missing for one image: its examples listed, not drawn, one note
rm -rf "$T_TMP/a/figures/examples" "$T_TMP/a/masks/phantom_001"
t_exit "report with one image's masks gone" 0 "note: [0-9]+ of 12 example overlays not drawn" "$SAMC" report "$T_TMP/a"
empty=$(awk -F, '$4 == "phantom_001" && $7 == ""' "$csv" | wc -l)
all=$(awk -F, '$4 == "phantom_001"' "$csv" | wc -l)
[ "$empty" -eq "$all" ] && t_ok "its rows have no file ($all)" || t_fail "its rows have no file" "$empty of $all"

# no masks at all: the table, no drawing, one note line
t_run "eval without --save-masks" run "$T_TMP/b"
t_exit "report without saved masks" 0 "note: no masks saved in .*: the 9 example overlays" "$SAMC" report "$T_TMP/b"
n=$(grep -c "example overlays" "$T_TMP/out")
[ "$n" -eq 1 ] && t_ok "one note line" || t_fail "one note line" "$n"
n=$(awk -F, 'NR > 1 && $7 == ""' "$T_TMP/b/tables/examples.csv" | wc -l)
[ "$n" -eq 9 ] && [ ! -e "$T_TMP/b/figures/examples" ] && t_ok "9 examples listed, none drawn" || t_fail "listed, none drawn" "$n"
t_run "report --no-figures" "$SAMC" report --no-figures "$T_TMP/a"

# two targets: each class's ground truth and masks by the class suffix
mkdir -p "$T_TMP/two/images" "$T_TMP/two/masks"
for f in $(ls $FIX/data/multiclass/images | head -n 3); do
    cp $FIX/data/multiclass/images/$f "$T_TMP/two/images/"; cp $FIX/data/multiclass/masks/$f "$T_TMP/two/masks/"
done
cat > "$T_TMP/two.conf" <<EOF
name = Two
layout = png
root = $T_TMP/two
class.1 = T: Largest
class.2 = T: Second
EOF
t_run "eval two classes --save-masks" "$SAMC" eval -m "$MODEL" --data "$T_TMP/two.conf" --experiments modes \
    --save-masks -o "$T_TMP/c"
if [ -s "$T_TMP/c/masks/phantom_000/gt_class1.png" ] && [ -s "$T_TMP/c/masks/phantom_000/gt_class2.png" ]; then
    t_ok "eval saved gt_class1.png and gt_class2.png"; else t_fail "eval saved the classes' ground truth"; fi
t_run "report two classes" "$SAMC" report "$T_TMP/c"
n=$(grep -cE ',figures/examples/T__(Largest|Second)-[0-9a-f]{8}_mode[13]_(best|median|worst)\.png$' \
    "$T_TMP/c/tables/examples.csv")
[ "$n" -eq 12 ] && t_ok "12 examples of two tasks drawn, names made safe" || t_fail "examples of two tasks" \
    "$(cat "$T_TMP/c/tables/examples.csv")"

# predict --overlay: SAM and a baseline, at the image's size
t_run "predict --overlay (SAM, box and points)" "$SAMC" predict -m "$MODEL" -i "$FIX/image.png" --box 84,82,253,202 \
    --point 223,100,1 --point 130,140,0 -o "$T_TMP/p" --overlay "$T_TMP/p.png"
[ "$(size_of "$T_TMP/p.png")" = 256x256 ] && t_ok "SAM overlay 256 x 256" || t_fail "SAM overlay size" "$(size_of "$T_TMP/p.png")"
t_run "predict --overlay (RITM)" "$SAMC" predict -m "$T_TMP/ritm.samw" -i "$FIX/image.png" --point 223,100,1 \
    -o "$T_TMP/q" --overlay "$T_TMP/q.png"
[ "$(size_of "$T_TMP/q.png")" = 256x256 ] && t_ok "RITM overlay 256 x 256" || t_fail "RITM overlay size" "$(size_of "$T_TMP/q.png")"
t_rejects "--overlay inside DIR" "outside" "$SAMC" predict -m "$MODEL" -i "$FIX/image.png" --point 223,100,1 \
    -o "$T_TMP/p" --overlay "$T_TMP/p/o.png"
t_rejects "--overlay in a missing folder" "no folder" "$SAMC" predict -m "$MODEL" -i "$FIX/image.png" \
    --point 223,100,1 -o "$T_TMP/r" --overlay "$T_TMP/nothere/o.png"
[ ! -e "$T_TMP/r" ] && t_ok "refused before any output" || t_fail "refused before any output"
t_summary
