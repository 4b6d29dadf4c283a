# samc trace / samc diff / samc hash: traces of sam-tiny at different thread counts and modes,
# a trace against the official embedding, bad input.
. test/cli/lib.sh
F=test/fixtures/sam-tiny
"$SAMC" convert --decoder-heads 4 $F/model.pth "$T_TMP/tiny.samw" >/dev/null 2>&1 || t_fail "convert sam-tiny"
PR="--point 150,100,1 --point 40,170,0 --box 20,30,200,180 --multimask"

t_run "trace, fast mode, 1 thread" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png $PR --threads 1 -o "$T_TMP/f1"
t_run "trace, fast mode, 2 threads" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png $PR --threads 2 -o "$T_TMP/f2"

# the manifest names the official modules, in forward order, with PyTorch's shapes
want="image_encoder.patch_embed 1x16x16x64
image_encoder.blocks.0 1x16x16x64
image_encoder.blocks.3 1x16x16x64
image_encoder.neck 1x32x16x16
prompt_encoder.sparse_embeddings 1x4x32
prompt_encoder.dense_embeddings 1x32x16x16
mask_decoder.transformer.layers.0.queries 1x9x32
mask_decoder.transformer.layers.1.keys 1x256x32
mask_decoder.transformer.final_attn_token_to_image 1x9x32
mask_decoder.transformer.norm_final_attn 1x9x32
mask_decoder.output_upscaling 1x4x64x64
mask_decoder.output_hypernetworks_mlps 1x4x4
mask_decoder.iou_prediction_head 1x4
low_res_masks 1x3x64x64
masks 1x3x200x300"
got=$(awk -F'\t' '{print $2, $4}' "$T_TMP/f1/manifest.tsv" 2>/dev/null | grep -Fx -f <(echo "$want"))
if [ "$got" = "$want" ]; then t_ok "manifest names and shapes"; else t_fail "manifest names and shapes" "$got"; fi
n=$(wc -l <"$T_TMP/f1/manifest.tsv" 2>/dev/null)
if [ "${n:-0}" -eq "$(ls "$T_TMP/f1"/*.npy | wc -l)" ] && [ ! -e "$T_TMP/f1/manifest.tsv.tmp" ]; then
    t_ok "one npy per manifest line, no temp files"; else t_fail "one npy per manifest line, no temp files"; fi

# fast mode: no difference at all between thread counts (threshold 0: any bit is over)
if "$SAMC" diff "$T_TMP/f1" "$T_TMP/f2" --threshold 0 >"$T_TMP/d12" 2>&1 && grep -q ' 0 over threshold' "$T_TMP/d12"
then t_ok "fast mode: 1 vs 2 threads, zero difference"; else t_fail "fast mode: 1 vs 2 threads, zero difference" "$(tail -3 "$T_TMP/d12")"; fi

# reference mode: likewise, and every output's hash is the same
t_run "trace, reference mode, 1 thread" "$SAMC" trace --reference -m "$T_TMP/tiny.samw" -i $F/image.png $PR --threads 1 -o "$T_TMP/r1"
t_run "trace, reference mode, 2 threads" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png $PR --threads 2 --reference -o "$T_TMP/r2"
if "$SAMC" diff "$T_TMP/r1" "$T_TMP/r2" --threshold 0 >/dev/null 2>&1; then t_ok "reference mode: 1 vs 2 threads, zero difference"
else t_fail "reference mode: 1 vs 2 threads, zero difference"; fi
"$SAMC" hash "$T_TMP/r1" 2>&1 | sed "s|$T_TMP/r1/||" >"$T_TMP/h1"
"$SAMC" hash "$T_TMP/r2" 2>&1 | sed "s|$T_TMP/r2/||" >"$T_TMP/h2"
if [ "$(wc -l <"$T_TMP/h1")" -ge 20 ] && cmp -s "$T_TMP/h1" "$T_TMP/h2"; then t_ok "samc hash: same hashes at 1 and 2 threads"
else t_fail "samc hash: same hashes at 1 and 2 threads" "$(head -3 "$T_TMP/h1")"; fi

# fast vs reference: different bits, within the fixtures' tolerance (1e-4 of max |B|)
if "$SAMC" diff "$T_TMP/f1" "$T_TMP/r1" --threshold 1e-4 >"$T_TMP/dfr" 2>&1 && ! "$SAMC" diff "$T_TMP/f1" "$T_TMP/r1" --threshold 0 >/dev/null 2>&1
then t_ok "fast vs reference: close, not equal"; else t_fail "fast vs reference: close, not equal" "$(tail -3 "$T_TMP/dfr")"; fi

# a trace against the official embedding, stored under the trace's tensor name
mkdir -p "$T_TMP/official" && cp $F/embedding.npy "$T_TMP/official/image_encoder.neck.npy"
"$SAMC" diff "$T_TMP/f1" "$T_TMP/official" --threshold 1e-4 >"$T_TMP/dof" 2>&1; rc=$?
line=$(grep '^image_encoder.neck ' "$T_TMP/dof")
max_abs=$(echo "$line" | awk '{print $3}')
if [ $rc -eq 0 ] && [ -n "$line" ] && [ "$max_abs" != "0" ] && grep -q '1 tensors compared, 0 over' "$T_TMP/dof"
then t_ok "trace vs official embedding: within 1e-4, not zero ($max_abs)"; else t_fail "trace vs official embedding" "rc $rc: $line"; fi
"$SAMC" diff "$T_TMP/f1" "$T_TMP/official" --threshold 1e-9 >"$T_TMP/dof" 2>&1; rc=$?
if [ $rc -eq 3 ] && grep -q 'image_encoder.neck.*first over threshold' "$T_TMP/dof"; then t_ok "a tighter threshold is exceeded (exit 3)"
else t_fail "a tighter threshold is exceeded (exit 3)" "rc $rc"; fi

# the outputs of a trace with a mask input against the official outputs of that case
C=$F/cases/iterative_mask_input
IM="--point 214.82238888106957,183.0760240981015,1 --point 89.754321959474012,148.14969657514973,0"
t_run "trace with a mask input" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png $IM --mask-input $C/mask_input.npy \
    -o "$T_TMP/im"
mkdir -p "$T_TMP/im_ref" && cp $C/low_res_logits.npy "$T_TMP/im_ref/low_res_masks.npy" && cp $C/logits.npy "$T_TMP/im_ref/masks.npy"
if "$SAMC" diff "$T_TMP/im" "$T_TMP/im_ref" --threshold 1e-3 >"$T_TMP/dim" 2>&1 && grep -q '2 tensors compared, 0 over' "$T_TMP/dim"
then t_ok "mask-input trace outputs match the official case"; else t_fail "mask-input trace outputs match the official case" "$(tail -4 "$T_TMP/dim")"; fi

# a second trace into the same folder replaces the first
t_run "trace again into the same folder" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png --point 10,10,1 -o "$T_TMP/f1"
if grep -q 'masks	.*1x1x200x300' "$T_TMP/f1/manifest.tsv"; then t_ok "new manifest"; else t_fail "new manifest"; fi

# usage and bad input: a message, exit 1 or 2, nothing written
t_run "trace -h" "$SAMC" trace -h
"$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png --frobnicate -o "$T_TMP/bad" >/dev/null 2>&1
if [ $? -eq 2 ]; then t_ok "unknown option: exit 2"; else t_fail "unknown option: exit 2"; fi
t_no_output() { if [ ! -e "$T_TMP/bad" ]; then t_ok "$1: no output"; else t_fail "$1: no output"; rm -rf "$T_TMP/bad"; fi; }
t_rejects "trace: missing model" "no-such.samw" "$SAMC" trace -m "$T_TMP/no-such.samw" -i $F/image.png -o "$T_TMP/bad"
t_no_output "trace: missing model"
t_rejects "trace: missing image" "no-such.png" "$SAMC" trace -m "$T_TMP/tiny.samw" -i "$T_TMP/no-such.png" -o "$T_TMP/bad"
t_no_output "trace: missing image"
t_rejects "trace: bad --point" "expected 3 comma-separated" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png \
    --point 1,2 -o "$T_TMP/bad"
t_no_output "trace: bad --point"
t_rejects "trace: mask input of the wrong shape" "mask input .*shape" "$SAMC" trace -m "$T_TMP/tiny.samw" \
    -i $F/image.png --mask-input $F/embedding.npy -o "$T_TMP/bad"
t_no_output "trace: mask input of the wrong shape"
t_rejects "trace: no output folder" "no output folder" "$SAMC" trace -m "$T_TMP/tiny.samw" -i $F/image.png
t_rejects "diff: missing folder" "cannot open" "$SAMC" diff "$T_TMP/r1" "$T_TMP/no-such"
t_summary
