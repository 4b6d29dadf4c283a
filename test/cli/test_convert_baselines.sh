#!/usr/bin/env bash
# samc convert / info / verify on the study's baseline checkpoints (RITM, FocalClick, SimpleClick =
# CFR-ICL): official {'state_dict', 'config'} .pth -> version-2 .samw (weights/FORMAT.md).
# Expected config values, key and element counts are the fixtures' fixture.json; the pickle,
# format and model checks in detail are in test/test_baseline_ckpt.c.
source test/cli/lib.sh
B=test/fixtures/baselines
RITM=$B/ritm/checkpoint/hrnet8_ocr16_itermask_RANDOM.pth
FOCAL=$B/focalclick/checkpoint/segformerB0_S2_comb_RANDOM.pth
SIMPLE=$B/simpleclick/checkpoint/plainvit_small448_RANDOM.pth

# t_has NAME PATTERN...: every extended regex matches a line of the last command's output
t_has() {
    local n=$1 p; shift
    for p in "$@"; do
        if ! grep -Eq -- "$p" "$T_TMP/out"; then t_fail "$n" "no line /$p/: $(head -c 400 "$T_TMP/out")"; return; fi
    done
    t_ok "$n"
}

t_run "help exits 0" "$SAMC" convert -h
t_has "help names the baselines" "RITM" "FocalClick" "SimpleClick"

t_run "converts RITM" "$SAMC" convert $RITM "$T_TMP/ritm.samw"
t_has "RITM: family and counts" "ritm.samw: ritm, 1895 tensors \(314 of them int64 BatchNorm counters\), 2269773 values"
t_run "converts FocalClick" "$SAMC" convert $FOCAL "$T_TMP/focal.samw"
t_has "FocalClick: family and counts" "focal.samw: focalclick, 257 tensors .*, 3741676 values"
t_run "converts SimpleClick (CFR-ICL)" "$SAMC" convert $SIMPLE "$T_TMP/simple.samw"
t_has "SimpleClick: family, counts and the inert loss object" "simple.samw: simpleclick, 166 tensors, 2288785 values" \
    "kept as inert values \(nothing imported or run\): .*cross_entropy_loss\.CrossEntropyLoss"

t_run "info of the RITM checkpoint" "$SAMC" info $RITM
t_has "info .pth: RITM config" "^family: ritm$" "^class: isegm.model.is_hrnet_model.HRNetModel$" "^config: width=8$" \
    "^config: ocr_width=16$" "^config: small=false$" "^tensors: 1895 " "^values: 2269773$"
t_run "info of the FocalClick checkpoint" "$SAMC" info $FOCAL
t_has "info .pth: FocalClick config" "^family: focalclick$" "^config: model_version=b0$" "^config: pipeline_version=s2$" \
    "^tensors: 257 "
t_run "info of the SimpleClick checkpoint" "$SAMC" info $SIMPLE
t_has "info .pth: SimpleClick config" "^family: simpleclick$" "^config: backbone_params.embed_dim=128$" \
    "^config: backbone_params.depth=8$" "^config: backbone_params.num_heads=2$" \
    "^config: backbone_params.patch_size=14,14$" "^config: neck_params.out_dims=24,48,96,192$" \
    "^unknown_classes: .*CrossEntropyLoss" "^tensors: 166$"

t_run "info of the RITM .samw" "$SAMC" info "$T_TMP/ritm.samw"
t_has "info .samw: family, config, counts, data checked" "^format: samw$" "^family: ritm$" "^config: width=8$" \
    "^config: norm_layer=torch.nn.modules.batchnorm.BatchNorm2d$" "^tensors: 1895 \(314 of them int64" \
    "^values: 2269773$" "^data: intact"
t_run "info of the SimpleClick .samw" "$SAMC" info "$T_TMP/simple.samw"
t_has "info .samw: nested config" "^config: backbone_params.num_heads=2$" \
    "^config: head_params.loss_decode=<object isegm.model.modeling.transformer_helper.cross_entropy_loss.CrossEntropyLoss>$"
t_run "verify the FocalClick .samw" "$SAMC" verify "$T_TMP/focal.samw"
# the digest is the SHA-256 of the header, config text and table: [0, table_offset + table_bytes)
to=$(od -An -t u8 -j 16 -N 8 "$T_TMP/focal.samw" | tr -d ' ')
tb=$(od -An -t u8 -j 24 -N 8 "$T_TMP/focal.samw" | tr -d ' ')
want=$(head -c $((to + tb)) "$T_TMP/focal.samw" | sha256sum | cut -d' ' -f1)
t_has "verify: digest over header, config and table" "digest $want"

t_run "converting again gives the same file" "$SAMC" convert $RITM "$T_TMP/ritm2.samw"
if cmp -s "$T_TMP/ritm.samw" "$T_TMP/ritm2.samw"; then t_ok "conversion is deterministic"
else t_fail "conversion is deterministic"; fi
t_run "convert to /dev/null (checked in a scratch file)" "$SAMC" convert $SIMPLE /dev/null

for cut in 1000 30000 4000000; do
    head -c $cut $SIMPLE >"$T_TMP/cut.pth"
    t_rejects "truncated checkpoint ($cut bytes)" "cut.pth: " "$SAMC" convert "$T_TMP/cut.pth" "$T_TMP/x.samw"
done
[ -e "$T_TMP/x.samw" ] && t_fail "no output after an error" || t_ok "no output after an error"
t_rejects "info of a truncated checkpoint" "end-of-central-directory" "$SAMC" info "$T_TMP/cut.pth"
echo old >"$T_TMP/keep.samw"
"$SAMC" convert "$T_TMP/cut.pth" "$T_TMP/keep.samw" >/dev/null 2>&1
if [ "$(cat "$T_TMP/keep.samw")" = old ]; then t_ok "failed convert leaves the old output"
else t_fail "failed convert leaves the old output"; fi
t_summary
