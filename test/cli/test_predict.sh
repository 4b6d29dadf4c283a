# samc predict and samc preprocess: outputs against the official fixtures, bad input.
. test/cli/lib.sh
F=test/fixtures/sam-tiny
C=$F/cases
"$SAMC" convert --decoder-heads 4 $F/model.pth "$T_TMP/tiny.samw" >/dev/null 2>&1 || t_fail "convert sam-tiny"

# t_matches NAME OUT CASE: every tensor samc wrote is within 1e-3 x max|reference| of the case's
t_matches() {
    if "$SAMC" diff "$2" "$3" --threshold 1e-3 >"$T_TMP/diff" 2>&1; then t_ok "$1"
    else t_fail "$1" "$(grep -E 'over|differ|not in|error' "$T_TMP/diff" | head -5)"; fi
}

# box + clicks, single mask, from the cached embedding
BP="--point 294.99067328585267,156.92197053453592,1 --point 94.681046993481942,141.06674091789074,0"
BOX="--box 86.045162726266611,120.62963001031237,261.0747611910254,155.50681658403576"
t_run "predict box_points" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --embedding $F/embedding.npy --plain-embedding \
    $BP $BOX -o "$T_TMP/bp"
t_matches "box_points matches the reference" "$T_TMP/bp" $C/box_points
if [ -f "$T_TMP/bp/mask_0.png" ] && [ ! -e "$T_TMP/bp/mask_1.png" ]; then t_ok "one mask png"; else t_fail "one mask png"; fi

# multimask on the image's first and last pixels
t_run "predict point_corner" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --embedding $F/embedding.npy --plain-embedding \
    --point 0,0,1 --point 299,199,0 --multimask --threads 2 -o "$T_TMP/pc"
t_matches "point_corner matches the reference" "$T_TMP/pc" $C/point_corner
if [ -f "$T_TMP/pc/mask_2.png" ]; then t_ok "three mask pngs"; else t_fail "three mask pngs"; fi

# mask input fed back, at one thread: the same bits as at two
IM="--point 214.82238888106957,183.0760240981015,1 --point 89.754321959474012,148.14969657514973,0"
t_run "predict iterative_mask_input" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png \
    --embedding $F/embedding.npy --plain-embedding $IM --mask-input $C/iterative_mask_input/mask_input.npy --threads 1 -o "$T_TMP/im1"
t_matches "iterative_mask_input matches the reference" "$T_TMP/im1" $C/iterative_mask_input
"$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --embedding $F/embedding.npy --plain-embedding $IM \
    --mask-input $C/iterative_mask_input/mask_input.npy --threads 2 -o "$T_TMP/im2" >/dev/null 2>&1
if cmp -s "$T_TMP/im1/logits.npy" "$T_TMP/im2/logits.npy" && cmp -s "$T_TMP/im1/masks.npy" "$T_TMP/im2/masks.npy"
then t_ok "same bits at 1 and 2 threads"; else t_fail "same bits at 1 and 2 threads"; fi

# end to end from the image (resize, preprocess, image encoder), a box, one mask
t_run "predict box from the image" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $BOX -o "$T_TMP/box"
t_matches "box from the image matches the reference" "$T_TMP/box" $C/box

# preprocess: Pillow-exact resize and normalisation
t_run "preprocess" "$SAMC" preprocess $F/image.png --img-size 256 -o "$T_TMP/pre"
if cmp -s <(tail -c 131328 "$T_TMP/pre/resized.npy") <(tail -c 131328 $F/resized.npy); then t_ok "resized bit-exact"
else t_fail "resized bit-exact"; fi
if "$SAMC" diff "$T_TMP/pre" $F --threshold 1e-6 >"$T_TMP/diff" 2>&1; then t_ok "preprocessed matches"
else t_fail "preprocessed matches" "$(tail -3 "$T_TMP/diff")"; fi

# bad input: a clear message, exit 1 (bad data) or 2 (usage), and no output folder
t_no_output() { if [ ! -e "$T_TMP/bad" ]; then t_ok "$1: no output"; else t_fail "$1: no output"; rm -rf "$T_TMP/bad"; fi; }
t_rejects "missing model" "no-such.samw" "$SAMC" predict -m "$T_TMP/no-such.samw" -i $F/image.png \
    --point 10,10,1 -o "$T_TMP/bad"
t_no_output "missing model"
t_rejects "bad --point syntax" "expected 3 comma-separated numbers" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --point 10,10 \
    -o "$T_TMP/bad"
t_no_output "bad --point syntax"
t_rejects "point label not 0/1" "label must be 1" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png \
    --point 10,10,2 -o "$T_TMP/bad"
t_no_output "point label not 0/1"
t_rejects "mask input of the wrong shape" "mask input .*shape" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png --embedding $F/embedding.npy --plain-embedding --point 10,10,1 --mask-input $F/embedding.npy -o "$T_TMP/bad"
t_no_output "mask input of the wrong shape"
t_rejects "embedding of the wrong shape" "embedding .*shape" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png --embedding $C/iterative_mask_input/mask_input.npy --point 10,10,1 -o "$T_TMP/bad"
t_no_output "embedding of the wrong shape"
t_rejects "missing image" "no-such.png" "$SAMC" predict -m "$T_TMP/tiny.samw" -i "$T_TMP/no-such.png" \
    --point 10,10,1 -o "$T_TMP/bad"
t_no_output "missing image"
t_rejects "no output folder" "no output folder" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --point 1,1,1
t_rejects "preprocess: missing image" "no-such.png" "$SAMC" preprocess "$T_TMP/no-such.png" -o "$T_TMP/bad"
t_no_output "preprocess: missing image"
"$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --point 10,10,3 -o "$T_TMP/bad" >/dev/null 2>&1
if [ $? -eq 2 ]; then t_ok "usage errors exit 2"; else t_fail "usage errors exit 2"; fi
"$SAMC" predict -m "$T_TMP/no-such.samw" -i $F/image.png --point 10,10,1 -o "$T_TMP/bad" >/dev/null 2>&1
if [ $? -eq 1 ]; then t_ok "bad input exits 1"; else t_fail "bad input exits 1"; fi
# coordinates that would overflow the positional encoding's float32 to NaN, non-finite inputs,
# odd boxes: refused with a message, never an all-NaN answer with exit 0
E="--embedding $F/embedding.npy --plain-embedding"
for bad in "--point 1e39,5,1" "--point 1e300,5,1" "--point 5,-2e6,0" "--box 0,0,1e39,10"; do
    # shellcheck disable=SC2086
    t_rejects "coordinates out of range ($bad)" "finite and within \+-1e\+06 pixels" "$SAMC" predict \
        -m "$T_TMP/tiny.samw" -i $F/image.png $E $bad -o "$T_TMP/bad"
    t_no_output "coordinates out of range ($bad)"
done
t_rejects "box corners out of order" "X0 <= X1 and Y0 <= Y1" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png $E --box 200,80,100,300 -o "$T_TMP/bad"
t_no_output "box corners out of order"
t_rejects "two boxes" "--box given twice" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $E \
    --box 1,2,30,40 --box 1,2,30,40 -o "$T_TMP/bad"
t_no_output "two boxes"
# a NaN in the mask input, an infinity in the embedding (first value of the .npy's data)
poison() { # SRC DST FLOAT_BYTES: DST is SRC with its first float32 replaced
    python3 -c "import sys, struct
d = bytearray(open(sys.argv[1], 'rb').read()); h = 10 + struct.unpack('<H', d[8:10])[0]
d[h:h + 4] = bytes.fromhex(sys.argv[3]); open(sys.argv[2], 'wb').write(d)" "$@"
}
poison $C/iterative_mask_input/mask_input.npy "$T_TMP/nan_mask.npy" 0000c07f
poison $F/embedding.npy "$T_TMP/inf_embedding.npy" 0000807f
t_rejects "NaN in the mask input" "mask input holds a non-finite value" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png $E --point 10,10,1 --mask-input "$T_TMP/nan_mask.npy" -o "$T_TMP/bad"
t_no_output "NaN in the mask input"
t_rejects "infinity in the embedding" "embedding holds a non-finite value" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png --embedding "$T_TMP/inf_embedding.npy" --plain-embedding --point 10,10,1 -o "$T_TMP/bad"
t_no_output "infinity in the embedding"
# outside the image but in range: used as given (as the official code does), with a warning
t_run "a point outside the image" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $E --point 400,-3,1 \
    -o "$T_TMP/outside"
if grep -q "warning: point 400,-3 lies outside the 300 x 200 image" "$T_TMP/out"; then t_ok "outside: warned"
else t_fail "outside: warned" "$(cat "$T_TMP/out")"; fi

# --- an embedding records what it belongs to (issue 16, item 4) ----------------------------------
PT="--point 120,80,1"
"$SAMC" encode -m "$T_TMP/tiny.samw" -i $F/image.png -o "$T_TMP/e.npy" >/dev/null 2>&1 || t_fail "encode for provenance"
t_run "predict with samc encode's embedding of the same image" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png \
    --embedding "$T_TMP/e.npy" $PT -o "$T_TMP/pe"
"$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $PT -o "$T_TMP/pi" >/dev/null 2>&1
if [ -s "$T_TMP/pi/logits.npy" ] && cmp -s "$T_TMP/pe/logits.npy" "$T_TMP/pi/logits.npy"; then
    t_ok "the stored embedding gives the bits of encoding the image in the same run"
else t_fail "the stored embedding gives the bits of encoding the image in the same run"; fi
# another image (another size and pixels)
"$SAMC" encode -m "$T_TMP/tiny.samw" -i test/fixtures/sam-small/image.png -o "$T_TMP/e_other.npy" >/dev/null 2>&1
t_rejects "embedding of another image" "is the embedding of another image" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png --embedding "$T_TMP/e_other.npy" $PT -o "$T_TMP/bad"
t_no_output "embedding of another image"
"$SAMC" convert --decoder-heads 2 $F/model.pth "$T_TMP/tiny2.samw" >/dev/null 2>&1 || t_fail "convert sam-tiny, 2 heads"
t_rejects "embedding of another model" "computed by another model" "$SAMC" predict -m "$T_TMP/tiny2.samw" \
    -i $F/image.png --embedding "$T_TMP/e.npy" $PT -o "$T_TMP/bad"
t_no_output "embedding of another model"
t_rejects "embedding computed in the other arithmetic" "computed in fast arithmetic, this run uses reference" \
    "$SAMC" predict --reference -m "$T_TMP/tiny.samw" -i $F/image.png --embedding "$T_TMP/e.npy" $PT -o "$T_TMP/bad"
t_no_output "embedding computed in the other arithmetic"
# one float of the data changed (header and note intact)
cp "$T_TMP/e.npy" "$T_TMP/e_bad.npy"
printf '\x01' | dd of="$T_TMP/e_bad.npy" bs=1 seek=1000 conv=notrunc 2>/dev/null
t_rejects "damaged embedding" "does not match its checksum" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png \
    --embedding "$T_TMP/e_bad.npy" $PT -o "$T_TMP/bad"
t_no_output "damaged embedding"
t_rejects "a plain .npy needs --plain-embedding" "records no model or image.*--plain-embedding" "$SAMC" predict \
    -m "$T_TMP/tiny.samw" -i $F/image.png --embedding $F/embedding.npy $PT -o "$T_TMP/bad"
t_no_output "a plain .npy needs --plain-embedding"
t_rejects "--plain-embedding without --embedding" "goes with --embedding" "$SAMC" predict -m "$T_TMP/tiny.samw" \
    -i $F/image.png --plain-embedding $PT -o "$T_TMP/bad"
# bytes after the data that are not a samc note: refused, not ignored
cp $F/embedding.npy "$T_TMP/e_tail.npy"; printf 'garbage' >>"$T_TMP/e_tail.npy"
t_rejects "unexpected bytes after an embedding's data" "unexpected bytes after the .npy data" "$SAMC" predict \
    -m "$T_TMP/tiny.samw" -i $F/image.png --embedding "$T_TMP/e_tail.npy" --plain-embedding $PT -o "$T_TMP/bad"
t_no_output "unexpected bytes after an embedding's data"

# --- limits (issue 16, item 10): a small PNG may declare a huge image ---------------------------
# big_png FILE W H DEPTH COLOR_TYPE: a valid header (CRCs right) with a tiny IDAT
big_png() {
    python3 -c "import sys, struct, zlib
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
w, h, depth, ctype = (int(v) for v in sys.argv[2:6])
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
open(sys.argv[1], 'wb').write(png + chunk(b'IDAT', zlib.compress(bytes(1000))) + chunk(b'IEND', b''))" "$@"
}
big_png "$T_TMP/big.png" 20000 20000 8 0
# 20000 x 20000, one mask: 1.6 GB of float32 logits + 0.4 GB of bool masks, said before the work
t_rejects "a 20000 x 20000 header: outputs announced before any work" \
    "note: the 20000 x 20000 image gives 1 full-size mask\(s\): about 2.00 GB of output \(logits.npy 1.60 GB, masks.npy 0.40 GB\)" \
    "$SAMC" predict -m "$T_TMP/tiny.samw" -i "$T_TMP/big.png" --point 1,1,1 -o "$T_TMP/bad"
t_no_output "a 20000 x 20000 header"
for cmd in "predict -m $T_TMP/tiny.samw --point 1,1,1" "encode -m $T_TMP/tiny.samw" "everything -m $T_TMP/tiny.samw" \
    "trace -m $T_TMP/tiny.samw --point 1,1,1"; do
    # shellcheck disable=SC2086
    t_rejects "--max-pixels refuses from the header (${cmd%% *})" "20000 x 20000 = 400000000 pixels, more than --max-pixels 1000000" \
        "$SAMC" $cmd -i "$T_TMP/big.png" --max-pixels 1000000 -o "$T_TMP/bad"
    t_no_output "--max-pixels (${cmd%% *})"
done
t_rejects "--max-pixels refuses from the header (preprocess)" "more than --max-pixels 1000000" \
    "$SAMC" preprocess "$T_TMP/big.png" --max-pixels 1000000 -o "$T_TMP/bad"
t_no_output "--max-pixels (preprocess)"
t_run "--max-pixels at the image's size is no bound" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png \
    --max-pixels 60000 --point 10,10,1 -o "$T_TMP/mp"
t_rejects "--max-pixels one below the image's size" "300 x 200 = 60000 pixels, more than --max-pixels 59999" \
    "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --max-pixels 59999 --point 10,10,1 -o "$T_TMP/bad"
t_rejects "--max-pixels 0" "max-pixels" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png --max-pixels 0 \
    --point 10,10,1 -o "$T_TMP/bad"
# info: the facts of a header too large to decode, then an error (not exit 0)
big_png "$T_TMP/huge.png" 40000 40000 16 2
t_rejects "info of a PNG too large to decode: exit 1" "too large to decode" "$SAMC" info "$T_TMP/huge.png"
if grep -q "^width: 40000" "$T_TMP/out" && ! grep -q "^decoded:" "$T_TMP/out"; then t_ok "info: the facts first, no 'decoded' line"
else t_fail "info: the facts first, no 'decoded' line" "$(cat "$T_TMP/out")"; fi

# --- what predict says about its masks; --best, --json, --mask-index (issue 17) -------------------
PY=""
for p in python3 /usr/bin/python3; do "$p" -c "import numpy" 2>/dev/null && { PY=$p; break; }; done
Q="--point 150,100,1 --point 40,30,0"
t_run "predict --multimask --json" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $Q --multimask --json -o "$T_TMP/mm"
cp "$T_TMP/out" "$T_TMP/mm_out"
if [ -z "$PY" ]; then t_fail "mask report checked with numpy" "needs python3 with numpy (python3-numpy)"; else
    # the printed lines and masks.json against the arrays predict wrote: IoU from iou_predictions.npy,
    # area from masks.npy, stability recomputed from logits.npy (official: (l > 1).sum / (l > -1).sum)
    res=$("$PY" - "$T_TMP/mm" "$T_TMP/mm_out" <<'PYEOF'
import sys, json, re, numpy as np
d, out = sys.argv[1], open(sys.argv[2]).read()
iou, masks, logits = np.load(d + "/iou_predictions.npy"), np.load(d + "/masks.npy"), np.load(d + "/logits.npy")
js = json.load(open(d + "/masks.json"))
bad = []
lines = re.findall(r"mask (\d): predicted IoU (-?[0-9.]+), stability (-?[0-9.na]+), area (\d+) px", out)
if len(lines) != 3 or len(js["masks"]) != 3 or js["best"] is not None: bad.append("3 masks expected: %r" % out)
for i, (idx, pi, st, area) in enumerate(lines):
    stab = np.float32((logits[i] > 1).sum()) / np.float32((logits[i] > -1).sum())
    m = js["masks"][i]
    if int(idx) != i or abs(float(pi) - iou[i]) > 6e-5 or int(area) != masks[i].sum() or abs(float(st) - stab) > 6e-5:
        bad.append("line %d: %r" % (i, (idx, pi, st, area)))
    if m["index"] != i or np.float32(m["predicted_iou"]) != iou[i] or m["area"] != masks[i].sum() or np.float32(m["stability_score"]) != stab:
        bad.append("json %d: %r" % (i, m))
print("ok" if not bad else "; ".join(bad))
PYEOF
)
    if [ "$res" = ok ]; then t_ok "printed lines and masks.json agree with the arrays (stability recomputed)"
    else t_fail "printed lines and masks.json agree with the arrays" "$res"; fi
    t_run "predict --multimask --best" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $Q --multimask --best \
        --json -o "$T_TMP/best"
    res=$("$PY" - "$T_TMP/mm" "$T_TMP/best" <<'PYEOF'
import sys, json, numpy as np
a, b = sys.argv[1], sys.argv[2]
k = int(np.argmax(np.load(a + "/iou_predictions.npy")))
ok = (np.load(b + "/masks.npy").shape[0] == 1 and np.array_equal(np.load(b + "/masks.npy")[0], np.load(a + "/masks.npy")[k])
      and np.array_equal(np.load(b + "/low_res_logits.npy")[0], np.load(a + "/low_res_logits.npy")[k])
      and np.load(b + "/iou_predictions.npy")[0] == np.load(a + "/iou_predictions.npy")[k]
      and json.load(open(b + "/masks.json"))["best"] == k)
print("ok" if ok else "best is not mask %d of the multimask run" % k)
PYEOF
)
    if [ "$res" = ok ]; then t_ok "--best keeps the mask of the highest predicted IoU, alone"
    else t_fail "--best keeps the mask of the highest predicted IoU" "$res"; fi
    "$PY" -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1])[2:3])" \
        "$T_TMP/mm/low_res_logits.npy" "$T_TMP/one_mask.npy"
    "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $Q --mask-input "$T_TMP/one_mask.npy" -o "$T_TMP/mi1" >/dev/null 2>&1
    t_run "--mask-input of a multimask file with --mask-index 2" "$SAMC" predict -m "$T_TMP/tiny.samw" -i $F/image.png $Q \
        --mask-input "$T_TMP/mm/low_res_logits.npy" --mask-index 2 -o "$T_TMP/mi2"
    if [ -s "$T_TMP/mi1/logits.npy" ] && cmp -s "$T_TMP/mi1/logits.npy" "$T_TMP/mi2/logits.npy"; then
        t_ok "--mask-index 2 gives the bits of a file holding mask 2 alone"
    else t_fail "--mask-index 2 gives the bits of a file holding mask 2 alone"; fi
fi
t_rejects "a multimask file without --mask-index" "holds 3 masks: pick one with --mask-index K" "$SAMC" predict \
    -m "$T_TMP/tiny.samw" -i $F/image.png $Q --mask-input "$T_TMP/mm/low_res_logits.npy" -o "$T_TMP/bad"
t_no_output "a multimask file without --mask-index"
t_rejects "--mask-index past the last mask" "--mask-index 3, but .* holds 3 masks" "$SAMC" predict \
    -m "$T_TMP/tiny.samw" -i $F/image.png $Q --mask-input "$T_TMP/mm/low_res_logits.npy" --mask-index 3 -o "$T_TMP/bad"
t_rejects "--mask-index without --mask-input" "--mask-index goes with --mask-input" "$SAMC" predict \
    -m "$T_TMP/tiny.samw" -i $F/image.png $Q --mask-index 1 -o "$T_TMP/bad"
t_run "predict -h" "$SAMC" predict -h
t_run "preprocess -h" "$SAMC" preprocess -h
t_summary
