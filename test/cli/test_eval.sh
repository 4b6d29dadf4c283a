# samc eval / merge / report / hash on the sam-demo phantoms: the report's columns, resume after
# a real kill -9, shards merged equal one run, refusals.
. test/cli/lib.sh

case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
MODEL=$T_TMP/demo.samw
DATA=$T_TMP/data
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
mkdir -p "$DATA/images" "$DATA/masks"
for i in 000 001 002 003 004 005; do
    cp "$FIX/data/binary/images/phantom_$i.png" "$DATA/images/"
    cp "$FIX/data/binary/masks/phantom_$i.png" "$DATA/masks/"
done
EXP=modes,iterative,placement,size
run() { "$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --experiments $EXP --threads 1 "$@"; }

# --- one uninterrupted run ---------------------------------------------------------------
t_run "eval runs" run -o "$T_TMP/a"
t_run "report runs" "$SAMC" report "$T_TMP/a"
if [ "$(head -n 1 "$T_TMP/a/per_image.csv")" = "task,image,class,experiment,setting,selection,iou,dice,method" ]; then
    t_ok "per_image.csv has exactly the specified columns"
else t_fail "per_image.csv has exactly the specified columns" "$(head -n 1 "$T_TMP/a/per_image.csv")"; fi
# per image: modes 5 x 3 selections, iterative 9 x 3, placement (10 + 5) x 3, size 2 = 89 rows
rows=$(($(wc -l < "$T_TMP/a/per_image.csv") - 1))
if [ "$rows" -eq $((6 * 89)) ]; then t_ok "one row per measurement"; else t_fail "one row per measurement" "$rows rows"; fi
bad=$(awk -F, 'NR > 1 && ($4 == "modes" || $4 == "iterative" || $4 == "placement") && !($7 >= 0 && $7 <= 1 && $8 >= 0 && $8 <= 1 && $6 ~ /^(index0|oracle|best_predicted)$/)' "$T_TMP/a/per_image.csv" | wc -l)
if [ "$bad" -eq 0 ]; then t_ok "IoU and Dice in [0, 1], known selections"; else t_fail "IoU and Dice in [0, 1], known selections" "$bad bad rows"; fi
# the demo model segments its phantoms: box prompts (mode 3) well above chance
m3=$(awk -F, '$4 == "modes" && $5 == 3 && $6 == "oracle" { s += $7; n++ } END { printf "%d", 100 * s / n }' "$T_TMP/a/per_image.csv")
if [ "$m3" -ge 50 ]; then t_ok "mode 3 oracle IoU is meaningful ($m3%)"; else t_fail "mode 3 oracle IoU is meaningful" "$m3%"; fi
for f in tables/summary.csv tables/fig2_modes.csv tables/fig34_sam.csv tables/fig4_average.csv tables/wilcoxon_modes.csv \
         figures/modes.png figures/iterative.png figures/placement_points.png figures/placement_boxes.png figures/size.png figures/modes_per_task.png; do
    if [ -s "$T_TMP/a/$f" ]; then t_ok "report wrote $f"; else t_fail "report wrote $f"; fi
done

# --- same bits again; a finished run resumes instantly ------------------------------------
t_run "eval again (nothing to do)" run -o "$T_TMP/a"
if grep -q "0 computed, 6 already done" "$T_TMP/out"; then t_ok "finished images are not recomputed"; else t_fail "finished images are not recomputed" "$(cat "$T_TMP/out")"; fi
rm -rf "$T_TMP/a2"
run -o "$T_TMP/a2" --no-cache >/dev/null 2>&1 && "$SAMC" report "$T_TMP/a2" >/dev/null 2>&1
if cmp -s "$T_TMP/a/per_image.csv" "$T_TMP/a2/per_image.csv" && cmp -s "$T_TMP/a/prompts.csv" "$T_TMP/a2/prompts.csv"; then
    t_ok "a second run gives the same bits (per_image.csv, prompts.csv)"
else t_fail "a second run gives the same bits (per_image.csv, prompts.csv)"; fi
# a damaged cache (one byte of each entry's data changed, headers intact) is never used: each
# entry is recomputed with a warning, and the results are those of the intact run
rm -rf "$T_TMP/a3"; cp -r "$T_TMP/a/cache" "$T_TMP/cache3"
for f in "$T_TMP"/cache3/*.npy; do printf '\x5a' | dd of="$f" bs=1 seek=4000 conv=notrunc 2>/dev/null; done
run -o "$T_TMP/a3" --cache "$T_TMP/cache3" >"$T_TMP/out" 2>&1 && "$SAMC" report "$T_TMP/a3" >/dev/null 2>&1
n=$(grep -c "embedding cache entry unusable (.*does not match its checksum" "$T_TMP/out")
if [ "$n" -eq 6 ] && cmp -s "$T_TMP/a/per_image.csv" "$T_TMP/a3/per_image.csv"; then
    t_ok "damaged cache entries: 6 warnings, recomputed, the intact run's results"
else t_fail "damaged cache entries: recomputed" "$n warnings; $(head -c 300 "$T_TMP/out")"; fi

# --- kill -9 in the middle, then resume ------------------------------------------------------
rm -rf "$T_TMP/k"
# samc itself in the background (not a shell function: $! must be samc's pid)
"$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --experiments $EXP --threads 1 \
    -o "$T_TMP/k" --feedback-logits >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do
    n=$(ls "$T_TMP/k/results" 2>/dev/null | grep -c '\.csv$' || true)
    [ "$n" -ge 1 ] && break
    sleep 0.01
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(ls "$T_TMP/k/results" 2>/dev/null | grep -c '\.csv$' || true)
if [ "$n" -ge 1 ] && [ "$n" -lt 6 ]; then t_ok "killed mid-run with $n of 6 images written"; else t_fail "killed mid-run" "$n of 6 images written"; fi
# the report of the killed run works, and says what it lacks
"$SAMC" report --no-figures "$T_TMP/k" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "incomplete: $((6 - n)) images\? without results" "$T_TMP/out" &&
    grep -q "incomplete: $((6 - n)) images\? without results" "$T_TMP/k/tables/incomplete.txt" 2>/dev/null; then
    t_ok "report of a killed run: incomplete, $((6 - n)) images without results"
else t_fail "report of a killed run: incomplete" "exit $rc: $(head -c 300 "$T_TMP/out")"; fi
t_run "resume after kill -9" run -o "$T_TMP/k" --feedback-logits
if grep -Eq "\($n already done\)|, $n already done" "$T_TMP/out"; then t_ok "resume skips the $n finished images"; else t_fail "resume skips the finished images" "$(cat "$T_TMP/out")"; fi
rm -rf "$T_TMP/full"
run -o "$T_TMP/full" --feedback-logits >/dev/null 2>&1
"$SAMC" report "$T_TMP/k" >/dev/null 2>&1; "$SAMC" report "$T_TMP/full" >/dev/null 2>&1
if [ -s "$T_TMP/k/per_image.csv" ] && cmp -s "$T_TMP/k/per_image.csv" "$T_TMP/full/per_image.csv" &&
    cmp -s "$T_TMP/k/prompts.csv" "$T_TMP/full/prompts.csv"; then
    t_ok "resumed run equals an uninterrupted run"
else t_fail "resumed run equals an uninterrupted run"; fi
if grep -q ',iterative,fb9,' "$T_TMP/full/per_image.csv"; then t_ok "feedback-logits rows recorded"; else t_fail "feedback-logits rows recorded"; fi

# --- shards ---------------------------------------------------------------------------------
for i in 0 1 2; do run -o "$T_TMP/s$i" --shard $i/3 >/dev/null 2>&1 || t_fail "shard $i/3"; done
t_run "merge shards" "$SAMC" merge "$T_TMP/s0" "$T_TMP/s1" "$T_TMP/s2" -o "$T_TMP/m"
if ! grep -q incomplete "$T_TMP/out" && grep -q '^shards = 3$' "$T_TMP/m/shards.conf" 2>/dev/null &&
    [ "$(grep -c '^shard = [012]$' "$T_TMP/m/shards.conf" 2>/dev/null)" -eq 3 ]; then
    t_ok "merge of all 3 shards: complete, recorded in shards.conf"
else t_fail "merge of all 3 shards: complete, recorded in shards.conf" "$(head -c 300 "$T_TMP/out")"; fi
"$SAMC" report "$T_TMP/m" >"$T_TMP/rep_m" 2>&1
if cmp -s "$T_TMP/a/per_image.csv" "$T_TMP/m/per_image.csv"; then t_ok "merged shards equal a single run"; else t_fail "merged shards equal a single run"; fi
if [ -s "$T_TMP/m/prompts.csv" ] && cmp -s "$T_TMP/a/prompts.csv" "$T_TMP/m/prompts.csv"; then
    t_ok "merged shards: prompts.csv equals the single run's"
else t_fail "merged shards: prompts.csv equals the single run's"; fi
if [ -s "$T_TMP/m/shards.conf" ] && ! grep -q incomplete "$T_TMP/rep_m" && [ ! -e "$T_TMP/m/tables/incomplete.txt" ]; then
    t_ok "report of the complete merge: no 'incomplete'"
else t_fail "report of the complete merge: no 'incomplete'" "$(head -c 300 "$T_TMP/rep_m")"; fi
(cd "$T_TMP/a" && "$SAMC" hash results) > "$T_TMP/ha"; (cd "$T_TMP/m" && "$SAMC" hash results) > "$T_TMP/hm"
if [ -s "$T_TMP/ha" ] && cmp -s "$T_TMP/ha" "$T_TMP/hm"; then t_ok "samc hash: merged results files identical"; else t_fail "samc hash: merged results files identical"; fi
total=0; for i in 0 1 2; do total=$((total + $(ls "$T_TMP/s$i/results" | grep -c '\.csv$'))); done
if [ "$total" -eq 6 ]; then t_ok "each image in exactly one shard"; else t_fail "each image in exactly one shard" "$total files"; fi

# --- incomplete runs: merge and report say what is missing; merge respects the eval lock --------
missing=$(ls "$T_TMP/s2/results" | sed 's/\.csv$//')
t_exit "merge of 2 of 3 shards exits 3: incomplete, shard 2/3 missing" 3 "samc merge: incomplete: shard 2/3 missing" \
    "$SAMC" merge "$T_TMP/s0" "$T_TMP/s1" -o "$T_TMP/p"
named=1; for f in $missing; do grep -q "without results: .*$f" "$T_TMP/out" || named=0; done
if [ -n "$missing" ] && [ $named = 1 ]; then t_ok "incomplete merge names the images without results ($(echo $missing))"
else t_fail "incomplete merge names the images without results" "$(head -c 300 "$T_TMP/out")"; fi
if [ "$(ls "$T_TMP/p/results" | grep -c '\.csv$')" -eq $((6 - $(echo "$missing" | wc -w))) ] &&
    grep -q '^shard = 0$' "$T_TMP/p/shards.conf" 2>/dev/null && ! grep -q '^shard = 2$' "$T_TMP/p/shards.conf"; then
    t_ok "incomplete merge still merged what is there, recorded in shards.conf"
else t_fail "incomplete merge still merged what is there, recorded in shards.conf"; fi
"$SAMC" report --no-figures "$T_TMP/p" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "incomplete: shard 2/3 missing" "$T_TMP/out" && [ -s "$T_TMP/p/tables/summary.csv" ] &&
    grep -q "^incomplete: shard 2/3 missing" "$T_TMP/p/tables/incomplete.txt" 2>/dev/null; then
    t_ok "report of the incomplete merge: tables, and 'incomplete' printed and in tables/incomplete.txt"
else t_fail "report of the incomplete merge: 'incomplete' printed and recorded" "exit $rc: $(head -c 300 "$T_TMP/out")"; fi
t_exit "merge --allow-incomplete exits 0 and still says so" 0 "incomplete: shard 2/3 missing" \
    "$SAMC" merge "$T_TMP/s0" "$T_TMP/s1" -o "$T_TMP/p2" --allow-incomplete
"$SAMC" report --no-figures "$T_TMP/s1" >"$T_TMP/out" 2>&1
if grep -q "incomplete: shards 0/3, 2/3 missing" "$T_TMP/out"; then t_ok "report of one shard names the other shards"
else t_fail "report of one shard names the other shards" "$(head -c 300 "$T_TMP/out")"; fi
t_run "merging the last shard into the incomplete OUT" "$SAMC" merge "$T_TMP/s2" -o "$T_TMP/p"
"$SAMC" report --no-figures "$T_TMP/p" >"$T_TMP/rep_p" 2>&1
if ! grep -q incomplete "$T_TMP/out" "$T_TMP/rep_p" && grep -q '^shard = 2$' "$T_TMP/p/shards.conf" 2>/dev/null &&
    [ ! -e "$T_TMP/p/tables/incomplete.txt" ]; then
    t_ok "the completed OUT: no 'incomplete' from merge or report"
else t_fail "the completed OUT: no 'incomplete' from merge or report" "$(head -c 300 "$T_TMP/rep_p")"; fi
run -o "$T_TMP/t0" --shard 0/2 --experiments size >/dev/null 2>&1 || t_fail "shard 0/2"
run -o "$T_TMP/t1" --shard 1/3 --experiments size >/dev/null 2>&1 || t_fail "shard 1/3"
t_rejects "merge refuses shards of different shard counts" "2 shards, not 3|3 shards, not 2" \
    "$SAMC" merge "$T_TMP/t0" "$T_TMP/t1" -o "$T_TMP/bad3"
if [ ! -e "$T_TMP/bad3" ]; then t_ok "nothing written after refusing other shard counts"; else t_fail "nothing written after refusing other shard counts"; fi
# run folders of an older samc (no shards.conf): merged and reported as before, with a note
for i in 0 1; do rm -rf "$T_TMP/o$i"; cp -r "$T_TMP/s$i" "$T_TMP/o$i"; rm -f "$T_TMP/o$i/shards.conf"; done
t_exit "merge of shards of an older samc: exit 0 as before, with a note" 0 "note: .*o0 has no shards.conf" \
    "$SAMC" merge "$T_TMP/o0" "$T_TMP/o1" -o "$T_TMP/om"
"$SAMC" report --no-figures "$T_TMP/om" >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "note: .*om has no shards.conf" "$T_TMP/out" && ! grep -q "incomplete:" "$T_TMP/out"; then
    t_ok "report of a folder of an older samc: as before, with a note"
else t_fail "report of a folder of an older samc: as before, with a note" "exit $rc: $(head -c 300 "$T_TMP/out")"; fi
# a live samc eval holds OUT/lock (flock, exclusive) while it writes; here a sleep holds it
if command -v flock >/dev/null; then
    lock="$T_TMP/s2/lock"
    (exec 9>>"$lock"; flock 9; exec sleep 30) &
    holder=$!
    for _ in $(seq 1 500); do flock -n "$lock" true 2>/dev/null || break; sleep 0.01; done
    t_rejects "merge refuses a shard whose eval lock is held by a live process" "s2: a samc eval is still writing" \
        "$SAMC" merge "$T_TMP/s0" "$T_TMP/s1" "$T_TMP/s2" -o "$T_TMP/locked"
    if [ ! -e "$T_TMP/locked" ]; then t_ok "nothing written while a shard is locked"; else t_fail "nothing written while a shard is locked"; fi
    kill $holder 2>/dev/null; wait $holder 2>/dev/null
    if [ -e "$lock" ] && "$SAMC" merge "$T_TMP/s0" "$T_TMP/s1" "$T_TMP/s2" -o "$T_TMP/locked" >"$T_TMP/out" 2>&1 &&
        grep -q '^shard = 2$' "$T_TMP/locked/shards.conf" 2>/dev/null; then
        t_ok "the lock file of a dead process is not held: merged"
    else t_fail "the lock file of a dead process is not held" "$(head -c 300 "$T_TMP/out")"; fi
else t_fail "merge refuses a locked shard" "flock(1) (util-linux) is needed for this test"; fi

# --- everything mode: two rows per image, and the other experiments' bits unchanged ---------
t_run "eval with everything" "$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom \
    --experiments modes,everything --amg-points-per-side 8 --amg-pred-iou-thresh 0.7 --amg-stability-thresh 0.6 \
    --threads 1 -o "$T_TMP/ev"
"$SAMC" report "$T_TMP/ev" >/dev/null 2>&1
nev=$(awk -F, '$4 == "everything" && $6 == "oracle" && $7 >= 0 && $7 <= 1' "$T_TMP/ev/per_image.csv" | wc -l)
if [ "$nev" -eq 12 ]; then t_ok "everything: best_mask and union per image"; else t_fail "everything: best_mask and union per image" "$nev rows"; fi
if [ "$(grep -c ',modes,' "$T_TMP/ev/per_image.csv")" -eq 90 ] && cmp -s <(grep ',modes,' "$T_TMP/ev/per_image.csv") <(grep ',modes,' "$T_TMP/a/per_image.csv"); then
    t_ok "modes rows identical with everything on"
else t_fail "modes rows identical with everything on"; fi

# --- refusals ---------------------------------------------------------------------------------
t_rejects "resume with other options" "other settings" run -o "$T_TMP/a" --clicks 5
run -o "$T_TMP/c5" --clicks 5 >/dev/null 2>&1
t_rejects "merge of runs with other options" "differs" "$SAMC" merge "$T_TMP/a" "$T_TMP/c5" -o "$T_TMP/bad"
if [ ! -e "$T_TMP/bad" ]; then t_ok "a refused merge writes nothing"; else t_fail "a refused merge writes nothing"; fi
# a damaged results file in one input: refused before anything is written
cp -r "$T_TMP/s0" "$T_TMP/s0bad"; f=$(ls "$T_TMP/s0bad/results" | head -n 1); printf 'x' >> "$T_TMP/s0bad/results/$f"
t_rejects "merge refuses a damaged shard" "$f" "$SAMC" merge "$T_TMP/s1" "$T_TMP/s0bad" -o "$T_TMP/bad2"
if [ ! -e "$T_TMP/bad2" ]; then t_ok "nothing written after the refusal"; else t_fail "nothing written after the refusal"; fi
t_run "merging the same shard twice is harmless" "$SAMC" merge "$T_TMP/s0" "$T_TMP/s0" "$T_TMP/s1" "$T_TMP/s2" -o "$T_TMP/m2"
if grep -q "note: shard 0/3 is in both" "$T_TMP/out"; then t_ok "merge names a shard given twice"; else t_fail "merge names a shard given twice" "$(head -c 300 "$T_TMP/out")"; fi
t_run "merging again into the same OUT is harmless" "$SAMC" merge "$T_TMP/s0" -o "$T_TMP/m2"
t_rejects "missing model" "nope.samw" run -o "$T_TMP/nomodel" -m "$T_TMP/nope.samw"
# one byte of the model's tensor data changed: eval checks the data once per run and stops
cp "$MODEL" "$T_TMP/flip.samw"
printf '\x40' | dd of="$T_TMP/flip.samw" bs=1 seek=$(($(stat -c %s "$MODEL") - 1000)) conv=notrunc 2>/dev/null
t_rejects "a model with damaged tensor data" "flip.samw: tensor data checksum mismatch" run -o "$T_TMP/flipped" \
    -m "$T_TMP/flip.samw"
if [ "$(ls "$T_TMP/flipped/results" 2>/dev/null | grep -c '\.csv$')" -eq 0 ]; then t_ok "no results from a damaged model"
else t_fail "no results from a damaged model"; fi
if [ ! -e "$T_TMP/nomodel" ]; then t_ok "no output folder after a refusal"; else t_fail "no output folder after a refusal"; fi
t_rejects "bad shard" "shard" run -o "$T_TMP/x" --shard 3/3
t_rejects "unknown experiment" "unknown experiment" run -o "$T_TMP/x" --experiments modes,nope
t_rejects "bad generator threshold" "thresh" run -o "$T_TMP/x" --amg-pred-iou-thresh 1.5
t_rejects "images without masks" "together|either" "$SAMC" eval -m "$MODEL" --images "$DATA/images" -o "$T_TMP/x"
t_rejects "report of a non-run" "no results folder" "$SAMC" report "$T_TMP/data"
cp "$T_TMP/a/results/phantom_000.csv" "$T_TMP/dmg.csv"; truncate -s 100 "$T_TMP/a/results/phantom_000.csv"
t_rejects "report refuses a damaged results file" "phantom_000.csv" "$SAMC" report "$T_TMP/a"
t_run "eval recomputes the damaged file" run -o "$T_TMP/a"
if cmp -s "$T_TMP/dmg.csv" "$T_TMP/a/results/phantom_000.csv"; then t_ok "recomputed file identical"; else t_fail "recomputed file identical"; fi
# samc hash prints what sha256sum prints (an independent implementation)
if command -v sha256sum >/dev/null; then
    if [ "$("$SAMC" hash "$FIX/image.png" "$MODEL")" = "$(sha256sum "$FIX/image.png" "$MODEL" | sort -k 2)" ]; then
        t_ok "samc hash agrees with sha256sum"
    else t_fail "samc hash agrees with sha256sum"; fi
fi
t_rejects "hash of a missing file" "nope" "$SAMC" hash "$T_TMP/nope"
t_run "hash -h" "$SAMC" hash -h
t_run "eval -h" "$SAMC" eval -h
t_run "merge -h" "$SAMC" merge -h
t_run "report -h" "$SAMC" report -h
t_summary
