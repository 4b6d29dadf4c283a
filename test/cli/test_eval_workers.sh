#!/usr/bin/env bash
# samc eval --workers W on the sam-demo phantoms: the results are the bits of one process
# (2 workers x 1 thread against 1 worker x 2 threads), a command killed with -9 takes its
# workers with it and resumes with nothing lost, a worker killed makes the command fail naming
# it, the lock is held while the workers run, --skip-bad / --save-masks / --shard / --baseline /
# volumes / progress lines work with workers, bad --workers values are refused.
. test/cli/lib.sh

case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
MODEL=$T_TMP/demo.samw
DATA=$T_TMP/data
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
# 8 phantoms; under the sanitizers (10x slower) 4
n_img=8; [ -n "${SAMC_SANITIZED:-}" ] && n_img=4
mkdir -p "$DATA/images" "$DATA/masks"
for f in $(ls $FIX/data/binary/images | head -n $n_img); do
    cp "$FIX/data/binary/images/$f" "$DATA/images/"; cp "$FIX/data/binary/masks/$f" "$DATA/masks/"
done
EXP=modes,iterative,placement,size
run() { "$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --experiments $EXP "$@"; }
n_results() { ls "$1/results" 2>/dev/null | grep -c '\.csv$'; }
same_report() { # A B: per_image.csv and prompts.csv of both run folders identical (and not empty)
    "$SAMC" report --no-figures "$1" >/dev/null 2>&1 && "$SAMC" report --no-figures "$2" >/dev/null 2>&1 &&
        [ -s "$1/per_image.csv" ] && cmp -s "$1/per_image.csv" "$2/per_image.csv" && cmp -s "$1/prompts.csv" "$2/prompts.csv"
}
# children PID: the worker processes of a samc eval
children() { pgrep -P "$1" | tr '\n' ' '; }
# wait_results OUT N: until OUT holds at least N results files (at most 30 s)
wait_results() { for _ in $(seq 1 3000); do [ "$(n_results "$1")" -ge "$2" ] && return 0; sleep 0.01; done; return 1; }

# --- the same bits: 2 workers x 1 thread against 1 worker x 2 threads -------------------------------
t_run "eval --workers 1 --threads 2" run -o "$T_TMP/one" --workers 1 --threads 2
t_run "eval --workers 2 --threads 1" run -o "$T_TMP/two" --workers 2 --threads 1
if grep -q "$n_img images ($n_img computed, 0 already done) in .*two (2 workers x 1 thread)" "$T_TMP/out"; then
    t_ok "the summary names the split"
else t_fail "the summary names the split" "$(head -c 300 "$T_TMP/out")"; fi
if same_report "$T_TMP/one" "$T_TMP/two"; then t_ok "per_image.csv and prompts.csv byte-identical: 2x1 and 1x2"
else t_fail "per_image.csv and prompts.csv byte-identical: 2x1 and 1x2"; fi
if [ "$(n_results "$T_TMP/two")" -eq "$n_img" ] && [ -z "$(ls "$T_TMP/two/results" | grep -v '\.csv$')" ]; then
    t_ok "one results file per image, no temporary files left"
else t_fail "one results file per image, no temporary files left" "$(ls "$T_TMP/two/results")"; fi
# the cache entries written by the workers are the embeddings: a run from them gives the same bits
t_run "a 1-worker run from the workers' cache" run -o "$T_TMP/fromcache" --threads 1 --cache "$T_TMP/two/cache"
if same_report "$T_TMP/one" "$T_TMP/fromcache"; then t_ok "the workers' cache entries give the same results"
else t_fail "the workers' cache entries give the same results"; fi
t_run "a finished 2-worker run resumes with nothing to do" run -o "$T_TMP/two" --workers 2
if grep -q "0 computed, $n_img already done" "$T_TMP/out"; then t_ok "resumed: 0 computed, $n_img already done"
else t_fail "resumed: 0 computed" "$(head -c 300 "$T_TMP/out")"; fi
# without --threads the workers share the cores
per=$(( $(nproc) / 2 )); [ $per -ge 1 ] || per=1
if grep -Eq "\(2 workers x $per threads?\)" "$T_TMP/out"; then t_ok "--workers 2 without --threads: $per thread(s) each"
else t_fail "--workers 2 without --threads: the cores shared" "$(head -c 300 "$T_TMP/out")"; fi

# --- kill -9 the command in the middle: the workers go with it; resume loses nothing -------------
# samc itself in the background (not a shell function: $! must be samc's pid)
"$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --experiments $EXP \
    --workers 2 --threads 1 -o "$T_TMP/k" >/dev/null 2>&1 &
pid=$!
wait_results "$T_TMP/k" 1
kids=$(children $pid)
# the lock is held while the workers write: another eval, and merge, are refused
t_rejects "a second eval on the folder is refused while the workers run" "another samc eval is writing" \
    run -o "$T_TMP/k" --workers 2 --threads 1
t_rejects "merge refuses the folder while the workers run" "a samc eval is still writing" \
    "$SAMC" merge "$T_TMP/k" -o "$T_TMP/km"
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
gone=1
for _ in $(seq 1 500); do
    gone=1; for k in $kids; do kill -0 "$k" 2>/dev/null && gone=0; done
    [ $gone = 1 ] && break; sleep 0.01
done
if [ -n "$kids" ] && [ $gone = 1 ]; then t_ok "the command killed: its workers ($kids) end too"
else t_fail "the command killed: its workers end too" "workers '$kids' still alive"; fi
n=$(n_results "$T_TMP/k")
if [ "$n" -ge 1 ] && [ "$n" -lt "$n_img" ]; then t_ok "killed mid-run with $n of $n_img images written"
else t_fail "killed mid-run" "$n of $n_img images written"; fi
t_run "resume after kill -9, 2 workers" run -o "$T_TMP/k" --workers 2 --threads 1
if grep -q "$((n_img - n)) computed, $n already done" "$T_TMP/out"; then t_ok "resume computes the $((n_img - n)) missing images only"
else t_fail "resume computes the missing images only" "$(head -c 300 "$T_TMP/out")"; fi
if same_report "$T_TMP/one" "$T_TMP/k"; then t_ok "killed and resumed: the uninterrupted run's per_image.csv"
else t_fail "killed and resumed: the uninterrupted run's per_image.csv"; fi

# --- a worker killed: the command fails naming it, what finished stays -------------------------------
"$SAMC" eval -m "$MODEL" --images "$DATA/images" --masks "$DATA/masks" --task Phantom --experiments $EXP \
    --workers 2 --threads 1 -o "$T_TMP/w" >"$T_TMP/w.out" 2>&1 &
pid=$!
wait_results "$T_TMP/w" 1
victim=$(children $pid | cut -d' ' -f1)
[ -n "$victim" ] && kill -9 "$victim"
wait $pid; rc=$?
if [ -n "$victim" ] && [ $rc -eq 1 ] &&
    grep -Eq "^samc eval: worker [12] of 2 \(pid $victim\) was killed by signal 9 .*what finished is kept" "$T_TMP/w.out"; then
    t_ok "a worker killed: exit 1, the message names it (pid $victim, signal 9)"
else t_fail "a worker killed: the command fails naming it" "exit $rc, victim '$victim': $(head -c 400 "$T_TMP/w.out")"; fi
n=$(n_results "$T_TMP/w")
t_run "resume after a worker died" run -o "$T_TMP/w" --workers 2 --threads 1
if grep -q "$((n_img - n)) computed, $n already done" "$T_TMP/out" && same_report "$T_TMP/one" "$T_TMP/w"; then
    t_ok "the $n finished images kept; resumed, the uninterrupted run's results"
else t_fail "a worker died: finished images kept, resumed equal" "$(head -c 300 "$T_TMP/out")"; fi

# --- the other options with workers ----------------------------------------------------------------
# --shard: a worker count inside a shard
t_run "shard 0/2 with 2 workers" run -o "$T_TMP/s0w" --shard 0/2 --workers 2 --threads 1
t_run "shard 0/2 with 1 worker" run -o "$T_TMP/s0" --shard 0/2 --threads 1
(cd "$T_TMP/s0w" && "$SAMC" hash results) >"$T_TMP/h0w"; (cd "$T_TMP/s0" && "$SAMC" hash results) >"$T_TMP/h0"
if [ -s "$T_TMP/h0" ] && cmp -s "$T_TMP/h0" "$T_TMP/h0w" && cmp -s "$T_TMP/s0/shards.conf" "$T_TMP/s0w/shards.conf"; then
    t_ok "--shard with workers: the shard's results files and shards.conf as one process's"
else t_fail "--shard with workers: the shard's results as one process's"; fi
# --save-masks: each image's masks, written by its worker
t_run "--save-masks with 2 workers" run -o "$T_TMP/sm" --experiments modes --save-masks --workers 2 --threads 1
t_run "--save-masks with 1 worker" run -o "$T_TMP/sm1" --experiments modes --save-masks --threads 1
if [ "$(ls "$T_TMP/sm/masks" | wc -l)" -eq "$n_img" ] && diff -r "$T_TMP/sm/masks" "$T_TMP/sm1/masks" >/dev/null; then
    t_ok "--save-masks: the same mask files as one process"
else t_fail "--save-masks: the same mask files as one process"; fi
# --skip-bad: an unreadable image is logged and skipped by the command, the rest computed
BAD=$T_TMP/bad
cp -r "$DATA" "$BAD"
f=$(ls "$BAD/images" | sed -n 2p); printf 'not a png' >"$BAD/images/$f"
badrun() { "$SAMC" eval -m "$MODEL" --images "$BAD/images" --masks "$BAD/masks" --task Phantom --experiments size \
    --workers 2 --threads 1 "$@"; }
t_rejects "without --skip-bad the unreadable image stops the 2-worker run" "${f%.png}\.png: not a PNG" badrun -o "$T_TMP/sk"
badrun -o "$T_TMP/sk" --skip-bad >"$T_TMP/out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q "skipped image ${f%.png} (--skip-bad): .*not a PNG" "$T_TMP/out" &&
    [ "$(wc -l <"$T_TMP/sk/skipped.txt")" -eq 1 ] && [ "$(n_results "$T_TMP/sk")" -eq $((n_img - 1)) ]; then
    t_ok "--skip-bad with workers: logged, one line in skipped.txt, the other images computed"
else t_fail "--skip-bad with workers" "exit $rc: $(head -c 400 "$T_TMP/out")"; fi
# progress lines for logs: one per image, counted by the command
run -o "$T_TMP/g" --experiments size --workers 2 --threads 1 --progress-every 0.000001 >/dev/null 2>"$T_TMP/g.err"
if [ "$(grep -Ec "^samc eval: [0-9]+/$n_img images \([0-9]+%\)" "$T_TMP/g.err")" -eq "$n_img" ] &&
    grep -q "^samc eval: $n_img/$n_img images (100%)" "$T_TMP/g.err"; then
    t_ok "progress lines: one per image, up to $n_img/$n_img (100%)"
else t_fail "progress lines with workers" "$(head -c 400 "$T_TMP/g.err")"; fi
# two volumes: each one's slices are one worker's, their slices recorded in shards.conf by the command
# (in the order the volumes finish)
mkdir -p "$T_TMP/vol"
for v in ct_a ct_b; do
    cp "$FIX/data/volume/ct_phantom.nii.gz" "$T_TMP/vol/$v.nii.gz"
    cp "$FIX/data/volume/ct_phantom_labels.nii.gz" "$T_TMP/vol/${v}_labels.nii.gz"
done
printf 'name = V\nlayout = nifti\nroot = %s\nvolumes = ct_?.nii.gz\nlabels = .nii.gz -> _labels.nii.gz\nintensity = abdomen\nclass.2 = CT: Lesion\n' \
    "$T_TMP/vol" >"$T_TMP/v.conf"
"$SAMC" eval -m "$MODEL" --data "$T_TMP/v.conf" --experiments size --threads 1 -o "$T_TMP/v1" >/dev/null 2>&1
"$SAMC" eval -m "$MODEL" --data "$T_TMP/v.conf" --experiments size --workers 2 --threads 1 -o "$T_TMP/v2" >"$T_TMP/out" 2>&1
if [ "$(grep -c "^slices = ct_[ab]: " "$T_TMP/v2/shards.conf" 2>/dev/null)" -eq 2 ] && cmp -s <(sort "$T_TMP/v1/shards.conf") <(sort "$T_TMP/v2/shards.conf") &&
    same_report "$T_TMP/v1" "$T_TMP/v2"; then
    t_ok "two volumes with 2 workers: shards.conf's slices and per_image.csv as one process's"
else t_fail "two volumes with 2 workers" "$(head -c 300 "$T_TMP/out")"; fi
# a baseline: each worker loads it too (on 2 images: RITM takes a few seconds per image)
B=test/fixtures/baselines/ritm/demo/hrnet8_ocr16_itermask_demo.pth
mkdir -p "$T_TMP/two_img/images" "$T_TMP/two_img/masks"
for f in $(ls "$DATA/images" | head -n 2); do
    cp "$DATA/images/$f" "$T_TMP/two_img/images/"; cp "$DATA/masks/$f" "$T_TMP/two_img/masks/"
done
if "$SAMC" convert "$B" "$T_TMP/ritm.samw" >/dev/null 2>&1; then
    brun() { "$SAMC" eval -m "$MODEL" --images "$T_TMP/two_img/images" --masks "$T_TMP/two_img/masks" --task Phantom \
        --experiments iterative --clicks 3 --baseline "$T_TMP/ritm.samw" "$@"; }
    brun -o "$T_TMP/b1" --threads 1 >/dev/null 2>&1
    brun -o "$T_TMP/b2" --workers 2 --threads 1 >"$T_TMP/out" 2>&1
    if same_report "$T_TMP/b1" "$T_TMP/b2" && grep -q ',ritm$' "$T_TMP/b2/per_image.csv"; then
        t_ok "--baseline with 2 workers: the rows of one process"
    else t_fail "--baseline with 2 workers" "$(head -c 300 "$T_TMP/out")"; fi
else t_fail "convert the RITM demo"; fi

# --- refusals ----------------------------------------------------------------------------------------
cores=$(nproc)
for w in 0 -1 x 2x 1.5 ""; do
    t_exit "--workers '$w' refused (usage error)" 2 "--workers: expected a number of worker processes \(1 to $cores\), got '$w'" \
        run -o "$T_TMP/bad_w" --workers "$w"
done
for w in 100000 99999999999999999999 $((cores + 1)); do
    t_exit "--workers $w refused (more than the $cores cores)" 2 "--workers $w: more workers than the $cores cores" \
        run -o "$T_TMP/bad_w" --workers "$w"
done
if [ ! -e "$T_TMP/bad_w" ]; then t_ok "nothing written after the refusals"; else t_fail "nothing written after the refusals"; fi
"$SAMC" eval -h >"$T_TMP/out" 2>&1
if grep -q -- "--workers W" "$T_TMP/out" && ! grep -q -- "--eval-worker" "$T_TMP/out"; then
    t_ok "eval -h documents --workers (and not the workers' own option)"
else t_fail "eval -h documents --workers"; fi
t_summary
