# samc everything: options, bad input, and the three output files on the sam-tiny fixture
# (the official run there keeps one mask of area 23833, see fixtures/sam-tiny/everything).
. test/cli/lib.sh

M="$T_TMP/tiny.samw"
O="$T_TMP/res"
FIX=test/fixtures/sam-tiny
"$SAMC" convert --decoder-heads 4 "$FIX/model.pth" "$M" >/dev/null 2>&1 || t_fail "convert the sam-tiny model"
# one thread except where the thread count is the point: the suite also runs under ASan
TINY="--points-per-side 8 --pred-iou-thresh 0 --stability-score-thresh 0 --box-nms-thresh 0.7 --threads 1"

t_run "help" "$SAMC" everything -h
t_rejects "needs model, image and output" "needs -m MODEL" "$SAMC" everything -m "$M"
t_rejects "unknown option" "unknown option" "$SAMC" everything --frobnicate 3
t_rejects "bad output mode" "output-mode" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O" --output-mode rle
t_rejects "zero points per side" "points-per-side" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O" --points-per-side 0
t_rejects "non-numeric threshold" "pred-iou-thresh" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O" --pred-iou-thresh x
t_rejects "overlap ratio of 1" "crop_overlap_ratio" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O" --crop-overlap-ratio 1
t_rejects "missing model" "nope.samw" "$SAMC" everything -m "$T_TMP/nope.samw" -i "$FIX/image.png" -o "$O"
t_rejects "not an image" "PNG" "$SAMC" everything -m "$M" -i "$FIX/model.pth" -o "$O"
if [ -e "$O/masks.npy" ] || [ -e "$O/annotations.json" ]; then t_fail "no output after errors"; else t_ok "no output after errors"; fi

t_run "binary_mask run" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O" $TINY --threads 2
if [ -s "$O/masks.npy" ] && [ -s "$O/annotations.json" ] && [ -s "$O/overlay.png" ]; then t_ok "three outputs"; else t_fail "three outputs"; fi
if head -c 128 "$O/masks.npy" | grep -aq "'shape': (1, 200, 300)"; then t_ok "masks.npy is 1 x 200 x 300"; else t_fail "masks.npy is 1 x 200 x 300"; fi
if grep -q '"area": 23833, "bbox": \[0, 0, 299, 199\]' "$O/annotations.json" && ! grep -q segmentation "$O/annotations.json"; then
    t_ok "record as the official one"; else t_fail "record as the official one" "$(head -c 300 "$O/annotations.json")"; fi
if "$SAMC" info "$O/overlay.png" | grep -q "width: 300"; then t_ok "overlay is a 300-wide PNG"; else t_fail "overlay is a 300-wide PNG"; fi

t_run "coco_rle run" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O/coco" $TINY --output-mode coco_rle
if grep -Eq '"segmentation": \{"size": \[200, 300\], "counts": "[0-o\\]+"\}, "area": 23833' "$O/coco/annotations.json"; then
    t_ok "coco counts string"; else t_fail "coco counts string" "$(head -c 300 "$O/coco/annotations.json")"; fi
t_run "uncompressed_rle run" "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O/rle" $TINY --output-mode uncompressed_rle
if grep -Eq '"segmentation": \{"size": \[200, 300\], "counts": \[[0-9]' "$O/rle/annotations.json"; then
    t_ok "uncompressed counts list"; else t_fail "uncompressed counts list"; fi
# the 1-pixel counts of the uncompressed RLE add up to the area
area=$(grep -o '"counts": \[[0-9, ]*\]' "$O/rle/annotations.json" | tr -d '"counts:[] ' | tr ',' '\n' | awk 'NR % 2 == 0 { s += $1 } END { print s }')
if [ "$area" = 23833 ]; then t_ok "RLE area"; else t_fail "RLE area" "got $area"; fi
# same bits at any thread count
"$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O/t1" $TINY --threads 1 >/dev/null 2>&1
if cmp -s "$O/masks.npy" "$O/t1/masks.npy" && cmp -s "$O/annotations.json" "$O/t1/annotations.json"; then
    t_ok "thread count does not change the output"; else t_fail "thread count does not change the output"; fi
if "$SAMC" everything -m "$M" -i "$FIX/image.png" -o "$O/v" $TINY --verbose 2>&1 | grep -Eq 'encoder [0-9.]+ s, decoder [0-9.]+ s, post-processing [0-9.]+ s'; then
    t_ok "verbose time split"; else t_fail "verbose time split"; fi
# one crop layer, on the trained sam-demo model: every crop contributes, and every record
# comes from the image or one of the four layer-1 crops of a 256 x 256 image (overlap
# int(512/1500 * 256) = 87, crops 172 wide at 0 and 85)
D="$T_TMP/demo.samw"
"$SAMC" convert --decoder-heads 4 test/fixtures/sam-demo/model.pth "$D" >/dev/null 2>&1 || t_fail "convert the sam-demo model"
t_run "crop layer run" "$SAMC" everything -m "$D" -i test/fixtures/sam-demo/image.png -o "$O/crop" --points-per-side 8 \
    --pred-iou-thresh 0 --stability-score-thresh 0 --crop-n-layers 1 --min-mask-region-area 50 --threads 1
crops=$(grep -o '"crop_box": \[[0-9, ]*\]' "$O/crop/annotations.json" | sort -u | tr -d '\n')
want='"crop_box": [0, 0, 172, 172]"crop_box": [0, 0, 256, 256]"crop_box": [0, 85, 172, 171]"crop_box": [85, 0, 171, 172]"crop_box": [85, 85, 171, 171]'
if [ "$crops" = "$want" ]; then t_ok "crop boxes of layer 1"; else t_fail "crop boxes of layer 1" "$crops"; fi
t_summary
