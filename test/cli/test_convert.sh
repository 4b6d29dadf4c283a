#!/usr/bin/env bash
# samc convert: the CLI around weights/convert.c (formats and values are in test/test_weights.c).
source test/cli/lib.sh
F=test/fixtures

t_run "help exits 0" "$SAMC" convert -h
t_run "converts sam-small (official decoder: 8 heads by default)" "$SAMC" convert $F/sam-small/model.pth "$T_TMP/small.samw"
t_run "converts sam-tiny with --decoder-heads 4" "$SAMC" convert --decoder-heads 4 $F/sam-tiny/model.pth "$T_TMP/tiny.samw"
if grep -q "depth 4, heads 4, window 5, 2 global blocks; prompt dim 32, decoder depth 2, heads 4" "$T_TMP/out"; then
    t_ok "reports the inferred sam-tiny config"
else
    t_fail "reports the inferred sam-tiny config" "$(cat "$T_TMP/out")"
fi
if [ "$(head -c 4 "$T_TMP/tiny.samw")" = "SAMW" ]; then t_ok "output starts with SAMW"; else t_fail "output starts with SAMW"; fi

t_run "converts the legacy sam-tiny" "$SAMC" convert --decoder-heads 4 $F/sam-tiny/model_legacy.pth "$T_TMP/legacy.samw"
t_run "converts the safetensors sam-tiny" "$SAMC" convert --decoder-heads 4 $F/sam-tiny/model.safetensors "$T_TMP/st.samw"
if cmp -s "$T_TMP/tiny.samw" "$T_TMP/legacy.samw" && cmp -s "$T_TMP/tiny.samw" "$T_TMP/st.samw"; then
    t_ok "all three formats give the same .samw"
else
    t_fail "all three formats give the same .samw"
fi
t_rejects "sam-tiny without --decoder-heads" "give it with .-decoder-heads" "$SAMC" convert $F/sam-tiny/model.pth "$T_TMP/x.samw"
[ -e "$T_TMP/x.samw" ] && t_fail "no output after an error" || t_ok "no output after an error"
t_rejects "missing input" "no-such-file" "$SAMC" convert "$T_TMP/no-such-file.pth" "$T_TMP/x.samw"
t_rejects "not a checkpoint" "not a PyTorch" "$SAMC" convert $F/sam-tiny/image.png "$T_TMP/x.samw"
head -c 100000 $F/sam-tiny/model.pth > "$T_TMP/trunc.pth"
t_rejects "truncated checkpoint" "end-of-central-directory" "$SAMC" convert --decoder-heads 4 "$T_TMP/trunc.pth" "$T_TMP/x.samw"
head -c 30000 $F/sam-tiny/model_legacy.pth > "$T_TMP/trunc_legacy.pth"
t_rejects "truncated legacy checkpoint" "truncated" "$SAMC" convert --decoder-heads 4 "$T_TMP/trunc_legacy.pth" "$T_TMP/x.samw"
t_rejects "bad --decoder-heads" "decoder-heads" "$SAMC" convert --decoder-heads 0 $F/sam-tiny/model.pth "$T_TMP/x.samw"
t_rejects "missing output argument" "needs an input" "$SAMC" convert $F/sam-tiny/model.pth

# --- samc verify and samc info of a model: every byte checked (issue 16, item 6) --------------
t_run "verify an intact model" "$SAMC" verify "$T_TMP/tiny.samw"
# the digest is the SHA-256 of the header and tensor table (weights/FORMAT.md): 160 + table_bytes
tb=$(od -An -t u8 -j 24 -N 8 "$T_TMP/tiny.samw" | tr -d ' ')
want=$(head -c $((160 + tb)) "$T_TMP/tiny.samw" | sha256sum | cut -d' ' -f1)
if grep -q "ok (tensor data intact, .*digest $want)" "$T_TMP/out"; then t_ok "verify prints the header-and-table digest"
else t_fail "verify prints the header-and-table digest" "want $want: $(cat "$T_TMP/out")"; fi
t_run "info of a model" "$SAMC" info "$T_TMP/tiny.samw"
if grep -q "^format: samw" "$T_TMP/out" && grep -q "^tensors: 202" "$T_TMP/out" && grep -q "^digest: $want" "$T_TMP/out" &&
    grep -q "^data: intact" "$T_TMP/out"; then t_ok "info: facts, digest, data checked"
else t_fail "info: facts, digest, data checked" "$(cat "$T_TMP/out")"; fi
cp "$T_TMP/tiny.samw" "$T_TMP/flip.samw"
sz=$(stat -c %s "$T_TMP/flip.samw")
printf '\x40' | dd of="$T_TMP/flip.samw" bs=1 seek=$((sz - 1000)) conv=notrunc 2>/dev/null
t_rejects "verify: one byte of tensor data changed" "flip.samw: tensor data checksum mismatch" "$SAMC" verify \
    "$T_TMP/tiny.samw" "$T_TMP/flip.samw"
if grep -q "tiny.samw: ok" "$T_TMP/out"; then t_ok "verify: the intact file before it is reported ok"
else t_fail "verify: the intact file before it is reported ok" "$(cat "$T_TMP/out")"; fi
t_rejects "info: one byte of tensor data changed" "tensor data checksum mismatch" "$SAMC" info "$T_TMP/flip.samw"
head -c 5000 "$T_TMP/tiny.samw" >"$T_TMP/trunc.samw"
t_rejects "verify: a truncated model" "truncated" "$SAMC" verify "$T_TMP/trunc.samw"
t_rejects "verify: not a model" "not a samc weight file" "$SAMC" verify $F/sam-tiny/image.png
t_rejects "verify: nothing to verify" "give the .samw files" "$SAMC" verify

# an existing output is replaced only by a complete new one
echo old > "$T_TMP/keep.samw"
"$SAMC" convert $F/sam-tiny/model.pth "$T_TMP/keep.samw" >/dev/null 2>&1
if [ "$(cat "$T_TMP/keep.samw")" = old ]; then t_ok "failed convert leaves the old output"; else t_fail "failed convert leaves the old output"; fi
t_summary
