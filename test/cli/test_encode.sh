#!/usr/bin/env bash
# samc encode: the embedding of a PNG (resize, normalise, pad, image encoder) against the
# official predictor.features, bad inputs, and no output unless it all worked.
source test/cli/lib.sh
F=test/fixtures

"$SAMC" convert --decoder-heads 4 $F/sam-tiny/model.pth "$T_TMP/tiny.samw" >/dev/null 2>&1
"$SAMC" convert $F/sam-small/model.pth "$T_TMP/small.samw" >/dev/null 2>&1
no_output() { if [ -e "$T_TMP/x.npy" ]; then t_fail "$1: no output file"; else t_ok "$1: no output file"; fi; }

t_run "help exits 0" "$SAMC" encode -h
mkdir -p "$T_TMP/tiny" "$T_TMP/small"
t_run "encodes sam-tiny's image" "$SAMC" encode -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png \
    -o "$T_TMP/tiny/embedding.npy"
t_run "sam-tiny matches embedding.npy within 1e-4 x max" "$SAMC" diff "$T_TMP/tiny" $F/sam-tiny --threshold 1e-4
t_run "encodes sam-small's image (64x64 tokens)" "$SAMC" encode -m "$T_TMP/small.samw" -i $F/sam-small/image.png \
    -o "$T_TMP/small/embedding.npy"
t_run "sam-small matches embedding.npy within 1e-4 x max" "$SAMC" diff "$T_TMP/small" $F/sam-small --threshold 1e-4

"$SAMC" encode --threads 1 -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png -o "$T_TMP/t1.npy" >/dev/null 2>&1
"$SAMC" encode --threads 2 -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png -o "$T_TMP/t2.npy" >/dev/null 2>&1
if [ -s "$T_TMP/t1.npy" ] && cmp -s "$T_TMP/t1.npy" "$T_TMP/t2.npy"; then t_ok "same bytes at 1 and 2 threads"
else t_fail "same bytes at 1 and 2 threads"; fi

# --timings: every phase once, none negative, the phases adding up to the total; the same bytes
"$SAMC" encode --timings -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png -o "$T_TMP/tt.npy" 2>"$T_TMP/timings"
phases="read_image load_model preprocess patch_embed products attention elementwise neck image_terms set_image_other write_output total"
if [ "$(awk '$1 == "timing" { printf "%s ", $2 }' "$T_TMP/timings")" = "$phases " ] &&
    awk '$1 == "timing" && $2 != "total" { if ($3 < -1e-4) bad = 1; s += $3 } $2 == "total" { t = $3 }
         END { exit !(!bad && t > 0 && s > 0.98 * t && s < 1.02 * t + 1e-4) }' "$T_TMP/timings"; then
    t_ok "--timings: each phase once, the phases add up to the total"
else t_fail "--timings: each phase once, the phases add up to the total" "$(cat "$T_TMP/timings")"; fi
if cmp -s "$T_TMP/t1.npy" "$T_TMP/tt.npy" || cmp -s "$T_TMP/t2.npy" "$T_TMP/tt.npy"; then t_ok "--timings: the same bytes"
else t_fail "--timings: the same bytes"; fi

t_rejects "no model" "no model" "$SAMC" encode -i $F/sam-tiny/image.png -o "$T_TMP/x.npy"
t_rejects "no image" "no image" "$SAMC" encode -m "$T_TMP/tiny.samw" -o "$T_TMP/x.npy"
t_rejects "no output" "no output" "$SAMC" encode -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png
t_rejects "unknown option" "unknown option" "$SAMC" encode --frobnicate
t_rejects "bad --threads" "threads" "$SAMC" encode --threads 0 -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png \
    -o "$T_TMP/x.npy"
t_rejects "model that is not a .samw" "not a samc weight file" "$SAMC" encode -m $F/sam-tiny/model.pth \
    -i $F/sam-tiny/image.png -o "$T_TMP/x.npy"
no_output "model that is not a .samw"
t_rejects "missing image" "no-such" "$SAMC" encode -m "$T_TMP/tiny.samw" -i "$T_TMP/no-such.png" -o "$T_TMP/x.npy"
no_output "missing image"
t_rejects "image that is neither a PNG nor a volume" "unrecognised file format \(supported: PNG, JPEG, NIfTI, DICOM\)" "$SAMC" encode -m "$T_TMP/tiny.samw" -i $F/sam-tiny/model.pth \
    -o "$T_TMP/x.npy"
no_output "image that is neither a PNG nor a volume"
t_rejects "unwritable output" "no-such-dir" "$SAMC" encode -m "$T_TMP/tiny.samw" -i $F/sam-tiny/image.png \
    -o "$T_TMP/no-such-dir/x.npy"
t_summary
