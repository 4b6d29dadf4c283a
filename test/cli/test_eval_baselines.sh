#!/usr/bin/env bash
# samc eval --baseline: the study's comparison on the demo phantoms. The baselines are the small
# models trained on the phantoms (test/fixtures/baselines/*/demo/, official checkpoints); their
# rows must equal the official predictors' run through the authors' 9-click protocol
# (protocol_ref.csv, made with PyTorch) within 1e-3 IoU, SAM's rows must be those of a run
# without baselines, and a run killed in the middle, resumed, or split into shards and merged
# must give the same per_image.csv as one run.
. test/cli/lib.sh
case $SAMC in /*) ;; *) SAMC="$PWD/$SAMC" ;; esac
FIX=test/fixtures/sam-demo
B=test/fixtures/baselines
MODEL=$T_TMP/demo.samw
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$MODEL" >/dev/null 2>&1 || t_fail "convert the demo model"
t_run "convert the RITM demo" "$SAMC" convert $B/ritm/demo/hrnet8_ocr16_itermask_demo.pth "$T_TMP/ritm.samw"
t_run "convert the FocalClick demo" "$SAMC" convert $B/focalclick/demo/segformerB0_S2_comb_demo.pth "$T_TMP/focal.samw"
t_run "convert the SimpleClick demo" "$SAMC" convert $B/simpleclick/demo/plainvit_small448_demo.pth "$T_TMP/simple.samw"
BASE=(--baseline "$T_TMP/ritm.samw" --baseline "$T_TMP/focal.samw" --baseline "$T_TMP/simple.samw")
ONE=(--baseline "$T_TMP/ritm.samw") # the kill and merge checks: the mechanism, not each model

# all 12 phantoms; under the sanitizers (10x slower) the first 3
mkdir -p "$T_TMP/data/images" "$T_TMP/data/masks" "$T_TMP/few/images" "$T_TMP/few/masks"
n_img=12; [ -n "${SAMC_SANITIZED:-}" ] && n_img=3
for f in $(ls $FIX/data/binary/images | head -n $n_img); do
    cp $FIX/data/binary/images/$f "$T_TMP/data/images/"; cp $FIX/data/binary/masks/$f "$T_TMP/data/masks/"
done
for f in $(ls $FIX/data/binary/images | head -n 3); do
    cp $FIX/data/binary/images/$f "$T_TMP/few/images/"; cp $FIX/data/binary/masks/$f "$T_TMP/few/masks/"
done
run() { # DATA OUT [options]
    local d=$1 o=$2; shift 2
    "$SAMC" eval -m "$MODEL" --images "$d/images" --masks "$d/masks" --task task --experiments iterative "$@" -o "$o"
}

t_run "eval with three baselines" run "$T_TMP/data" "$T_TMP/a" "${BASE[@]}"
t_run "report" "$SAMC" report "$T_TMP/a"
# every baseline row against the official protocol's (the ref's image names carry .png)
cat > "$T_TMP/cmp.py" <<'PY'
import csv, sys
ours = {(r["image"], r["method"], r["setting"], r["selection"]): r for r in csv.DictReader(open(sys.argv[1]))}
refs, n_img = sys.argv[3:], int(sys.argv[2])
total = close = 0
for ref in refs:
    for r in csv.DictReader(open(ref)):
        key = (r["image"].rsplit(".", 1)[0], r["method"], r["setting"], r["selection"])
        if int(r["image"][8:11]) >= n_img: continue  # phantom_NNN.png beyond the images run
        total += 1
        o = ours.get(key)
        close += o is not None and abs(float(o["iou"]) - float(r["iou"])) <= 1e-3 and o["experiment"] == "iterative"
n_ours = sum(1 for k in ours if k[1] != "sam")
print("%d %d %d" % (total, close, n_ours))
PY
read -r total close n_ours < <(python3 "$T_TMP/cmp.py" "$T_TMP/a/per_image.csv" $n_img \
    $B/ritm/demo/protocol_ref.csv $B/focalclick/demo/protocol_ref.csv $B/simpleclick/demo/protocol_ref.csv)
if [ "$total" -eq $((3 * 9 * n_img)) ] && [ "$n_ours" -eq "$total" ] && [ $((100 * close)) -ge $((95 * total)) ]; then
    t_ok "baseline rows equal the official protocol's within 1e-3: $close of $total"
else t_fail "baseline rows against the official protocol" "$close of $total within 1e-3, $n_ours baseline rows"; fi
for f in tables/fig34_ritm.csv tables/fig34_focalclick_vs_paper.csv tables/fig3_comparison.csv \
         tables/compare_baselines.csv figures/comparison.png; do
    if [ -s "$T_TMP/a/$f" ]; then t_ok "report wrote $f"; else t_fail "report wrote $f"; fi
done
h=$(head -n 1 "$T_TMP/a/tables/fig4_average.csv")
case $h in *",ritm,simpleclick,focalclick") t_ok "fig4_average: the baselines' columns, in the paper's order" ;;
    *) t_fail "fig4_average: the baselines' columns" "$h" ;; esac

# SAM's rows are those of a run without baselines
t_run "eval without baselines" run "$T_TMP/few" "$T_TMP/s"
"$SAMC" report "$T_TMP/s" >/dev/null 2>&1
grep ',sam$' "$T_TMP/a/per_image.csv" | grep -E '^task,phantom_00[0-2],' >"$T_TMP/a_sam"
grep ',sam$' "$T_TMP/s/per_image.csv" >"$T_TMP/s_sam"
if [ -s "$T_TMP/s_sam" ] && cmp -s "$T_TMP/a_sam" "$T_TMP/s_sam"; then t_ok "SAM's rows unchanged by the baselines"
else t_fail "SAM's rows unchanged by the baselines" "$(diff "$T_TMP/a_sam" "$T_TMP/s_sam" | head -n 4)"; fi
t_rejects "a resumed run must name the same baselines" "run.conf" run "$T_TMP/few" "$T_TMP/s" "${BASE[@]}"
t_rejects "--baseline of a SAM model" "a SAM model, not a baseline" run "$T_TMP/few" "$T_TMP/x" --baseline "$MODEL"
t_rejects "two baselines of one name" "two baselines named 'ritm'" run "$T_TMP/few" "$T_TMP/x" \
    --baseline "$T_TMP/ritm.samw" --baseline "$T_TMP/ritm.samw"
t_rejects "a reserved name" "reserved" run "$T_TMP/few" "$T_TMP/x" --baseline "oracle=$T_TMP/ritm.samw"

# one run of the few, for the kill and merge checks
t_run "eval (3 images)" run "$T_TMP/few" "$T_TMP/f" "${ONE[@]}"
"$SAMC" report --no-figures "$T_TMP/f" >/dev/null 2>&1

# kill -9 while the baselines run, then resume: nothing lost, nothing twice
rm -rf "$T_TMP/k"
"$SAMC" eval -m "$MODEL" --images "$T_TMP/few/images" --masks "$T_TMP/few/masks" --task task --experiments iterative \
    "${ONE[@]}" -o "$T_TMP/k" --threads 1 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 6000); do
    n=$(ls "$T_TMP/k/results" 2>/dev/null | grep -c '\.csv$' || true)
    [ "$n" -ge 1 ] && break
    sleep 0.01
done
sleep 0.2 # into the next image's work
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
n=$(ls "$T_TMP/k/results" 2>/dev/null | grep -c '\.csv$' || true)
if [ "$n" -ge 1 ] && [ "$n" -lt 3 ]; then t_ok "killed mid-run with $n of 3 images written"; else t_fail "killed mid-run" "$n of 3 written"; fi
t_run "resume" run "$T_TMP/few" "$T_TMP/k" "${ONE[@]}"
"$SAMC" report --no-figures "$T_TMP/k" >/dev/null 2>&1
if cmp -s "$T_TMP/k/per_image.csv" "$T_TMP/f/per_image.csv"; then t_ok "killed and resumed = one run (per_image.csv)"
else t_fail "killed and resumed = one run" "$(diff "$T_TMP/k/per_image.csv" "$T_TMP/f/per_image.csv" | head -n 4)"; fi

# shards merged: the method column through merge and report
t_run "shard 0/2" run "$T_TMP/few" "$T_TMP/h0" "${ONE[@]}" --shard 0/2
t_run "shard 1/2" run "$T_TMP/few" "$T_TMP/h1" "${ONE[@]}" --shard 1/2
t_run "merge" "$SAMC" merge "$T_TMP/h0" "$T_TMP/h1" -o "$T_TMP/m"
"$SAMC" report --no-figures "$T_TMP/m" >/dev/null 2>&1
if cmp -s "$T_TMP/m/per_image.csv" "$T_TMP/f/per_image.csv" && cmp -s "$T_TMP/m/tables/fig34_ritm.csv" "$T_TMP/f/tables/fig34_ritm.csv"
then t_ok "merged shards = one run (per_image.csv, fig34_ritm.csv)"
else t_fail "merged shards = one run" "$(diff "$T_TMP/m/per_image.csv" "$T_TMP/f/per_image.csv" | head -n 4)"; fi
t_summary
