# samc eval / report on awkward data sets (issue 16, item 9): upper-case extensions, file names
# with line breaks and CSV characters, a label volume on another grid, a class that never
# occurs, unreadable files with and without --skip-bad.
. test/cli/lib.sh

case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
BIN=$FIX/data/binary
MODEL=$T_TMP/demo.samw
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
ev() { "$SAMC" eval -m "$MODEL" --threads 1 "$@"; }
# pair DIR NAME I: phantom I as DIR/images/NAME and its mask as DIR/masks/NAME
# lines FILE: its line count, 0 when there is no such file
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
pair() { mkdir -p "$1/images" "$1/masks"; cp "$BIN/images/phantom_$3.png" "$1/images/$2"; cp "$BIN/masks/phantom_$3.png" "$1/masks/$2"; }

# --- 1. the extension in any case; a mask in two cases is refused, naming both -----------------
D=$T_TMP/upper
pair "$D" A.PNG 000; pair "$D" b.Png 001
t_run "upper-case .PNG images and masks are read" ev --images "$D/images" --masks "$D/masks" --task T --experiments size -o "$T_TMP/up"
t_run "report of the upper-case run" "$SAMC" report --no-figures "$T_TMP/up"
if [ "$(grep -c '^T,A,1,size,' "$T_TMP/up/per_image.csv" 2>&1)" = 2 ] && [ "$(grep -c '^T,b,1,size,' "$T_TMP/up/per_image.csv" 2>&1)" = 2 ]; then
    t_ok "images A (A.PNG) and b (b.Png) have their rows"
else t_fail "images A and b have their rows" "$(head -c 300 "$T_TMP/up/per_image.csv" 2>&1)"; fi
cp "$BIN/masks/phantom_000.png" "$D/masks/A.png"
t_rejects "a mask in two cases (A.PNG, A.png) is refused, naming both" "two masks for this image, .*masks/A\.PNG and .*masks/A\.png" \
    ev --images "$D/images" --masks "$D/masks" --experiments size -o "$T_TMP/up2"
if [ ! -e "$T_TMP/up2" ]; then t_ok "nothing written after the refusal"; else t_fail "nothing written after the refusal"; fi

# --- 2. file names with a line break, commas and quotes round-trip through results and report --
D=$T_TMP/names
pair "$D" "p
1.png" 002
pair "$D" 'q,"2".png' 002
pair "$D" plain.png 002
t_run "eval of names with a line break and CSV characters" ev --images "$D/images" --masks "$D/masks" --task Phantom \
    --experiments modes,size -o "$T_TMP/nm"
t_run "report reads them back" "$SAMC" report --no-figures "$T_TMP/nm"
# the same pixels under three names give the same measurements: compare each quoted name's rows
# (RFC 4180: the line break inside quotes, quotes doubled) with those of the plain name
grep '^Phantom,plain,' "$T_TMP/nm/per_image.csv" | sed 's/^Phantom,plain,//' >"$T_TMP/plain_rows"
sed -n 's/^1",//p' "$T_TMP/nm/per_image.csv" >"$T_TMP/nl_rows"
grep -F 'Phantom,"q,""2""",' "$T_TMP/nm/per_image.csv" | sed 's/^Phantom,"q,""2""",//' >"$T_TMP/q_rows"
if [ "$(wc -l <"$T_TMP/plain_rows")" -eq 17 ] && [ "$(grep -c '^Phantom,"p$' "$T_TMP/nm/per_image.csv")" -eq 17 ] &&
    cmp -s "$T_TMP/plain_rows" "$T_TMP/nl_rows" && cmp -s "$T_TMP/plain_rows" "$T_TMP/q_rows"; then
    t_ok "per_image.csv: 17 rows per name, quoted per RFC 4180, the same values as the plain name"
else t_fail "per_image.csv: names quoted per RFC 4180" "$(wc -l <"$T_TMP/plain_rows") $(wc -l <"$T_TMP/nl_rows") $(wc -l <"$T_TMP/q_rows")"; fi
t_run "eval again: every name is found done" ev --images "$D/images" --masks "$D/masks" --task Phantom \
    --experiments modes,size -o "$T_TMP/nm"
if grep -q "0 computed, 3 already done" "$T_TMP/out"; then t_ok "names with a line break resume"; else t_fail "names with a line break resume" "$(head -c 300 "$T_TMP/out")"; fi
t_rejects "a task name with a line break is refused" "control character" ev --images "$D/images" --masks "$D/masks" \
    --task "a
b" -o "$T_TMP/badtask"
if [ ! -e "$T_TMP/badtask" ]; then t_ok "nothing written for a task name with a line break"; else t_fail "nothing written for a task name with a line break"; fi

# --- 3. a label volume whose affine differs from its image's is refused ------------------------
V=$T_TMP/vol
mkdir -p "$V"
cp "$FIX/data/volume/ct_phantom.nii.gz" "$V/"
gzip -dc "$FIX/data/volume/ct_phantom_labels.nii.gz" >"$V/ct_phantom_labels.nii"
cat >"$T_TMP/vol.conf" <<EOF
name = V
layout = nifti
root = vol
volumes = ct_phantom.nii.gz
labels = .nii.gz -> _labels.nii
intensity = abdomen
class.1 = CT-Phantom: Organ
EOF
t_run "eval of a volume and its labels on the same grid" ev --data "$T_TMP/vol.conf" --experiments size -o "$T_TMP/v_ok"
# srow_x[0] (header offset 280, float32) from 0.8 to -0.8: the labels' x axis flipped
printf '\xcd\xcc\x4c\xbf' | dd of="$V/ct_phantom_labels.nii" bs=1 seek=280 conv=notrunc status=none
t_rejects "labels with x flipped in their affine are refused, naming both files and the entry" \
    "vol/ct_phantom\.nii\.gz and its labels .*vol/ct_phantom_labels\.nii lie on different voxel grids: affine entry \[0\]\[0\] is 0\.8 in the image \(sform\) but -0\.8" \
    ev --data "$T_TMP/vol.conf" --experiments size -o "$T_TMP/v_flip"
if [ "$(ls "$T_TMP/v_flip/results" 2>/dev/null | grep -c '\.csv$')" -eq 0 ]; then t_ok "no results from the flipped labels"
else t_fail "no results from the flipped labels"; fi
# a translation by 1 mm (qoffset/srow_x[3], offset 292) is another grid too
printf '\xcd\xcc\x4c\x3f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x3f' |
    dd of="$V/ct_phantom_labels.nii" bs=1 seek=280 conv=notrunc status=none
t_rejects "labels shifted by 1 mm are refused" "affine entry \[0\]\[3\] is 0 in the image \(sform\) but 1 in the labels" \
    ev --data "$T_TMP/vol.conf" --experiments size -o "$T_TMP/v_shift"

# --- 4. a class that never occurs: counted, warned of by eval, named by report -----------------
D=$T_TMP/c7
pair "$D" phantom_000.png 000; pair "$D" phantom_001.png 001
printf 'name = C7\nlayout = png\nroot = c7\nclass.7 = Phantom: Seven\n' >"$T_TMP/c7.conf"
printf 'name = C17\nlayout = png\nroot = c7\nclass.1 = Phantom: One\nclass.7 = Phantom: Seven\n' >"$T_TMP/c17.conf"
ev --data "$T_TMP/c7.conf" --experiments size -o "$T_TMP/o7" >"$T_TMP/o7.out" 2>"$T_TMP/o7.err"; rc=$?
if [ $rc -eq 0 ] && grep -q "^samc eval: task 'Phantom: Seven', class 7: the target is in 0 of the 2 images$" "$T_TMP/o7.out" &&
    grep -q "warning: class 7 of task 'Phantom: Seven' never occurs in the masks (of the 2 images read)" "$T_TMP/o7.err"; then
    t_ok "eval: class 7 in 0 of 2 images, with a warning"
else t_fail "eval: class 7 in 0 of 2 images, with a warning" "exit $rc: $(cat "$T_TMP/o7.out" "$T_TMP/o7.err" | head -c 400)"; fi
t_rejects "report: no results because class 7 never occurs (not 'no results yet')" \
    "no results: class 7 of task 'Phantom: Seven' never occurs in the masks" "$SAMC" report --no-figures "$T_TMP/o7"
ev --data "$T_TMP/c17.conf" --experiments size -o "$T_TMP/o17" >"$T_TMP/out" 2>&1
if grep -q "task 'Phantom: One', class 1: the target is in 2 of the 2 images" "$T_TMP/out" &&
    grep -q "task 'Phantom: Seven', class 7: the target is in 0 of the 2 images" "$T_TMP/out" &&
    [ "$(grep -c 'never occurs' "$T_TMP/out")" -eq 1 ]; then
    t_ok "eval: per class, the images holding the target (1: 2 of 2, 7: 0 of 2)"
else t_fail "eval: per class, the images holding the target" "$(head -c 400 "$T_TMP/out")"; fi
t_exit "report of classes 1 and 7: tables, and a note that class 7 never occurs" 0 \
    "note: class 7 of task 'Phantom: Seven' never occurs in the masks" "$SAMC" report --no-figures "$T_TMP/o17"
# in a volume: slices without a target are not kept, so with classes 7 and 2 every kept slice
# holds class 2, and class 7 is in none
printf 'name = V7\nlayout = nifti\nroot = %s\nvolumes = ct_phantom.nii.gz\nlabels = .nii.gz -> _labels.nii.gz\nintensity = abdomen\nclass.7 = CT: Seven\nclass.2 = CT: Lesion\n' \
    "$PWD/$FIX/data/volume" >"$T_TMP/v7.conf"
ev --data "$T_TMP/v7.conf" --experiments size -o "$T_TMP/ov7" >"$T_TMP/out" 2>&1
n=$(sed -n "s/^samc eval: task 'CT: Lesion', class 2: the target is in \([0-9]*\) of the \1 slices kept from 1 volume$/\1/p" "$T_TMP/out")
if [ -n "$n" ] && [ "$n" -gt 0 ] && grep -q "task 'CT: Seven', class 7: the target is in 0 of the $n slices kept from 1 volume" "$T_TMP/out" &&
    grep -q "warning: class 7 of task 'CT: Seven' never occurs in the masks (of the 1 volume read)" "$T_TMP/out"; then
    t_ok "eval of a volume: class 2 in all $n kept slices, class 7 in none, with a warning"
else t_fail "eval of a volume: class counts" "$(head -c 400 "$T_TMP/out")"; fi
t_exit "report of the volume: class 7 never occurs" 0 "note: class 7 of task 'CT: Seven' never occurs in the masks" \
    "$SAMC" report --no-figures "$T_TMP/ov7"
# one shard of the two images: whether class 7 occurs in the other shard's images is not known
ev --data "$T_TMP/c17.conf" --experiments size -o "$T_TMP/o17s" --shard 0/2 >/dev/null 2>&1
ev --data "$T_TMP/c17.conf" --experiments size -o "$T_TMP/o17s1" --shard 1/2 >/dev/null 2>&1
for s in o17s o17s1; do
    if [ "$(ls "$T_TMP/$s/results" | wc -l)" -eq 1 ]; then one=$s; fi
done
"$SAMC" report --no-figures "$T_TMP/$one" >"$T_TMP/out" 2>&1
if grep -q "no rows for class 7 of task 'Phantom: Seven' (in none of the images with results)" "$T_TMP/out" &&
    ! grep -q "never occurs" "$T_TMP/out"; then t_ok "report of one shard: class 7 has no rows yet, not 'never occurs'"
else t_fail "report of one shard: class 7 has no rows yet" "$(head -c 400 "$T_TMP/out")"; fi

# --- 5. unreadable files: stop, or --skip-bad and go on ------------------------------------------
D=$T_TMP/bad
pair "$D" phantom_000.png 000; pair "$D" phantom_001.png 001; pair "$D" phantom_002.png 002
printf 'not a png' >"$D/images/phantom_001.png"
run5() { ev --images "$D/images" --masks "$D/masks" --task Phantom --experiments size "$@"; }
t_rejects "without --skip-bad an unreadable image stops the run" "images/phantom_001\.png: not a PNG" run5 -o "$T_TMP/sk"
cp "$T_TMP/sk/run.conf" "$T_TMP/run.conf.before"
run5 -o "$T_TMP/sk" --skip-bad >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "skipped image phantom_001 (--skip-bad): .*phantom_001\.png: not a PNG" "$T_TMP/out" &&
    grep -q "1 image skipped (could not be read), see .*sk/skipped.txt" "$T_TMP/out"; then
    t_ok "--skip-bad: the image is logged and the run goes on"
else t_fail "--skip-bad: the image is logged and the run goes on" "exit $rc: $(head -c 400 "$T_TMP/out")"; fi
if [ "$(lines "$T_TMP/sk/skipped.txt")" -eq 1 ] && grep -q '^image phantom_001: .*images/phantom_001\.png: not a PNG' "$T_TMP/sk/skipped.txt"; then
    t_ok "skipped.txt: one line, name and error"
else t_fail "skipped.txt: one line, name and error" "$(cat "$T_TMP/sk/skipped.txt" 2>&1)"; fi
if [ "$(ls "$T_TMP/sk/results" 2>/dev/null | grep -c '\.csv$')" -eq 2 ]; then t_ok "the other two images have results"; else t_fail "the other two images have results"; fi
if cmp -s "$T_TMP/run.conf.before" "$T_TMP/sk/run.conf"; then t_ok "run.conf is the same with --skip-bad"; else t_fail "run.conf is the same with --skip-bad"; fi
"$SAMC" report --no-figures "$T_TMP/sk" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "samc report: 1 image skipped (could not be read), see .*sk/skipped.txt" "$T_TMP/out" &&
    grep -q "^skipped: 1 image could not be read, see skipped.txt$" "$T_TMP/sk/tables/incomplete.txt" 2>/dev/null &&
    grep -q "^incomplete: 1 image without results: phantom_001$" "$T_TMP/sk/tables/incomplete.txt"; then
    t_ok "report: skipped images on stderr and in tables/incomplete.txt"
else t_fail "report: skipped images on stderr and in tables/incomplete.txt" "exit $rc: $(head -c 400 "$T_TMP/out")"; fi
t_rejects "resumed without --skip-bad: the same run, stopped by the same image" "phantom_001\.png: not a PNG" run5 -o "$T_TMP/sk"
# shards run with --skip-bad: merge carries skipped.txt, and report of the merge counts it
for i in 0 1; do run5 -o "$T_TMP/skm$i" --shard $i/2 --skip-bad >/dev/null 2>&1; done
"$SAMC" merge "$T_TMP/skm0" "$T_TMP/skm1" -o "$T_TMP/skm" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 3 ] && grep -q "incomplete: 1 image without results: phantom_001" "$T_TMP/out" &&
    [ "$(lines "$T_TMP/skm/skipped.txt")" -eq 1 ] && grep -q '^image phantom_001: .*not a PNG' "$T_TMP/skm/skipped.txt"; then
    t_ok "merge of --skip-bad shards: skipped.txt carried, exit 3 (incomplete)"
else t_fail "merge of --skip-bad shards: skipped.txt carried" "exit $rc: $(head -c 300 "$T_TMP/out"); $(cat "$T_TMP/skm/skipped.txt" 2>&1)"; fi
"$SAMC" report --no-figures "$T_TMP/skm" >"$T_TMP/out" 2>&1
if grep -q "1 image skipped (could not be read)" "$T_TMP/out"; then t_ok "report of the merge counts the skipped image"
else t_fail "report of the merge counts the skipped image" "$(head -c 300 "$T_TMP/out")"; fi
# a damaged mask is skipped the same way
printf 'junk' >"$T_TMP/junkmask.png"; cp "$D/masks/phantom_002.png" "$T_TMP/mask2.png"; cp "$T_TMP/junkmask.png" "$D/masks/phantom_002.png"
rm -rf "$T_TMP/sk2"
run5 -o "$T_TMP/sk2" --skip-bad >/dev/null 2>&1
if [ "$(lines "$T_TMP/sk2/skipped.txt")" -eq 2 ] && grep -q '^image phantom_002: .*masks/phantom_002\.png: ' "$T_TMP/sk2/skipped.txt"; then
    t_ok "an unreadable mask is skipped too"
else t_fail "an unreadable mask is skipped too" "$(cat "$T_TMP/sk2/skipped.txt" 2>&1)"; fi
# the files repaired: resumed without the flag, the run completes and skipped.txt goes away
cp "$BIN/images/phantom_001.png" "$D/images/"; cp "$T_TMP/mask2.png" "$D/masks/phantom_002.png"
t_run "resumed after repair, without --skip-bad" run5 -o "$T_TMP/sk"
if grep -q "1 computed, 2 already done" "$T_TMP/out" && [ ! -e "$T_TMP/sk/skipped.txt" ]; then
    t_ok "the repaired image computed, skipped.txt removed"
else t_fail "the repaired image computed, skipped.txt removed" "$(head -c 300 "$T_TMP/out")"; fi
"$SAMC" report --no-figures "$T_TMP/sk" >"$T_TMP/out" 2>&1
if ! grep -q "skipped\|incomplete" "$T_TMP/out" && [ ! -e "$T_TMP/sk/tables/incomplete.txt" ]; then
    t_ok "report after repair: nothing skipped or missing"
else t_fail "report after repair: nothing skipped or missing" "$(head -c 300 "$T_TMP/out")"; fi
# the shards resumed after the repair and merged again into the same OUT: the entry goes
for i in 0 1; do run5 -o "$T_TMP/skm$i" --shard $i/2 >/dev/null 2>&1; done
"$SAMC" merge "$T_TMP/skm0" "$T_TMP/skm1" -o "$T_TMP/skm" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ ! -e "$T_TMP/skm/skipped.txt" ]; then t_ok "merge after the repair: complete, skipped.txt gone"
else t_fail "merge after the repair: complete, skipped.txt gone" "exit $rc: $(head -c 300 "$T_TMP/out")"; fi
# an unreadable volume (cut short): skipped as a volume, the other volume computed
gzip -dc "$FIX/data/volume/ct_phantom_labels.nii.gz" >"$V/ct_phantom_labels.nii"
head -c 3000 "$V/ct_phantom.nii.gz" >"$V/broken.nii.gz"
printf 'ct_phantom.nii.gz ct_phantom_labels.nii\nbroken.nii.gz ct_phantom_labels.nii\n' >"$V/pairs.txt"
printf 'name = V\nlayout = nifti\nroot = vol\nlist = pairs.txt\nintensity = abdomen\nclass.1 = CT-Phantom: Organ\n' >"$T_TMP/vlist.conf"
ev --data "$T_TMP/vlist.conf" --experiments size -o "$T_TMP/vs" --skip-bad >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^volume broken: .*broken\.nii\.gz' "$T_TMP/vs/skipped.txt" 2>/dev/null &&
    grep -q "1 volume skipped" "$T_TMP/out" && [ "$(ls "$T_TMP/vs/results" 2>/dev/null | grep -c '^ct_phantom_axial')" -gt 0 ]; then
    t_ok "--skip-bad: an unreadable volume is skipped, the other computed"
else t_fail "--skip-bad: an unreadable volume is skipped" "exit $rc: $(head -c 400 "$T_TMP/out")"; fi
t_exit "report: 1 volume skipped" 0 "samc report: 1 volume skipped" "$SAMC" report --no-figures "$T_TMP/vs"
"$SAMC" eval -h >"$T_TMP/out" 2>&1
if grep -q -- "--skip-bad" "$T_TMP/out"; then t_ok "eval -h documents --skip-bad"; else t_fail "eval -h documents --skip-bad"; fi
t_summary
