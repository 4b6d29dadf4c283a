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

# an existing output is replaced only by a complete new one
echo old > "$T_TMP/keep.samw"
"$SAMC" convert $F/sam-tiny/model.pth "$T_TMP/keep.samw" >/dev/null 2>&1
if [ "$(cat "$T_TMP/keep.samw")" = old ]; then t_ok "failed convert leaves the old output"; else t_fail "failed convert leaves the old output"; fi
t_summary
