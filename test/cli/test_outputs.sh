#!/usr/bin/env bash
# Where outputs may go: a rename replaces only a regular file. A FIFO, a character device
# (/dev/null, /dev/full: made here with mknod, never the machine's own) and a symbolic link to
# one are written in place and stay what they were; a link to a regular file keeps the link
# and replaces its target; "-" is standard output; a directory or a dangling link is refused
# with a message. Run as root this matters most: root may rename over anything in /dev.
source test/cli/lib.sh
F=test/fixtures
I=$F/sam-demo/image.png
M="$T_TMP/demo.samw"
"$SAMC" convert --decoder-heads 4 $F/sam-demo/model.pth "$M" >/dev/null 2>&1 || t_fail "convert sam-demo"
"$SAMC" encode -m "$M" -i $I -o "$T_TMP/want.npy" >/dev/null 2>&1 || t_fail "encode to a new file"
"$SAMC" dump $I -o "$T_TMP/dump.npy" >/dev/null 2>&1 || t_fail "dump to a new file"

# a FIFO: the reader gets the whole output, the FIFO stays a FIFO
mkfifo "$T_TMP/fifo"
timeout 60 cat "$T_TMP/fifo" >"$T_TMP/from_fifo" &
reader=$!
t_run "encode into a FIFO" timeout 60 "$SAMC" encode -m "$M" -i $I -o "$T_TMP/fifo"
wait $reader
if [ -p "$T_TMP/fifo" ]; then t_ok "the FIFO is still a FIFO"; else t_fail "the FIFO is still a FIFO" "$(ls -l "$T_TMP/fifo")"; fi
if cmp -s "$T_TMP/from_fifo" "$T_TMP/want.npy"; then t_ok "the FIFO's reader got the embedding"; else t_fail "the FIFO's reader got the embedding"; fi

# "-": standard output, byte for byte the file output
"$SAMC" encode -m "$M" -i $I -o - >"$T_TMP/stdout.npy" 2>/dev/null
if cmp -s "$T_TMP/stdout.npy" "$T_TMP/want.npy"; then t_ok "encode -o - writes standard output"; else t_fail "encode -o - writes standard output"; fi
# a link like /dev/stdout (ours: a regression must not replace the machine's own)
ln -s /proc/self/fd/1 "$T_TMP/stdout"
"$SAMC" dump $I -o "$T_TMP/stdout" >"$T_TMP/devstdout.npy" 2>/dev/null
if cmp -s "$T_TMP/devstdout.npy" "$T_TMP/dump.npy"; then t_ok "dump -o a link to /proc/self/fd/1 writes the stream"; else t_fail "dump -o a link to /proc/self/fd/1 writes the stream"; fi
if [ -L "$T_TMP/stdout" ]; then t_ok "the stdout link stays"; else t_fail "the stdout link stays"; fi

# character devices of our own
if mknod "$T_TMP/null" c 1 3 2>/dev/null && mknod "$T_TMP/full" c 1 7 2>/dev/null; then
    t_run "encode into a null device" "$SAMC" encode -m "$M" -i $I -o "$T_TMP/null"
    if [ -c "$T_TMP/null" ]; then t_ok "the null device is still a device"; else t_fail "the null device is still a device" "$(ls -l "$T_TMP/null")"; fi
    t_rejects "encode into a full device fails" "No space left|cannot write" "$SAMC" encode -m "$M" -i $I -o "$T_TMP/full"
    if [ -c "$T_TMP/full" ]; then t_ok "the full device is still a device"; else t_fail "the full device is still a device" "$(ls -l "$T_TMP/full")"; fi
    ln -s "$T_TMP/null" "$T_TMP/to_null"
    t_run "dump into a link to a device" "$SAMC" dump $I -o "$T_TMP/to_null"
    if [ -L "$T_TMP/to_null" ] && [ -c "$T_TMP/null" ]; then t_ok "the link and the device stay"; else t_fail "the link and the device stay"; fi
    leftovers=$(find "$T_TMP" -name '*.tmp.*' | wc -l)
    if [ "$leftovers" = 0 ]; then t_ok "no temporary files left"; else t_fail "no temporary files left" "$leftovers"; fi
else
    t_ok "mknod not permitted here (not root): the FIFO and link cases only"
fi

# a link to a regular file: the link stays, the target gets the output
echo old >"$T_TMP/target.npy"
ln -s "$T_TMP/target.npy" "$T_TMP/link.npy"
t_run "encode through a link" "$SAMC" encode -m "$M" -i $I -o "$T_TMP/link.npy"
if [ -L "$T_TMP/link.npy" ] && cmp -s "$T_TMP/target.npy" "$T_TMP/want.npy"; then t_ok "the link stays, its target is replaced"
else t_fail "the link stays, its target is replaced" "$(ls -l "$T_TMP/link.npy" "$T_TMP/target.npy")"; fi

# refused, with a message, nothing created
mkdir "$T_TMP/adir"
t_rejects "a directory as the output file" "is a directory" "$SAMC" encode -m "$M" -i $I -o "$T_TMP/adir"
ln -s "$T_TMP/nowhere/x.npy" "$T_TMP/dangling.npy"
t_rejects "a dangling link as the output file" "symbolic link to nothing" "$SAMC" dump $I -o "$T_TMP/dangling.npy"
if [ -L "$T_TMP/dangling.npy" ] && [ ! -e "$T_TMP/nowhere" ]; then t_ok "the dangling link is left alone"; else t_fail "the dangling link is left alone"; fi
# Output sets (predict, everything, preprocess): all files in place together or none.
T=$F/sam-tiny
"$SAMC" convert --decoder-heads 4 $T/model.pth "$T_TMP/tiny.samw" >/dev/null 2>&1 || t_fail "convert sam-tiny"
P="-m $T_TMP/tiny.samw -i $T/image.png --embedding $T/embedding.npy --plain-embedding --point 120,80,1"
# a single-mask result replaces a multimask one whole: no mask_1.png / mask_2.png left over
# shellcheck disable=SC2086
"$SAMC" predict $P --multimask -o "$T_TMP/set" >/dev/null 2>&1
# shellcheck disable=SC2086
t_run "predict over an earlier set" "$SAMC" predict $P -o "$T_TMP/set"
if [ "$(ls "$T_TMP/set" | tr '\n' ' ')" = "iou_predictions.npy logits.npy low_res_logits.npy mask_0.png masks.npy " ]; then
    t_ok "only the new set is there"; else t_fail "only the new set is there" "$(ls "$T_TMP/set")"; fi
# a folder holding something else is refused before any work, and left as it was
mkdir "$T_TMP/mine" && echo keep >"$T_TMP/mine/notes.txt"
# shellcheck disable=SC2086
t_rejects "predict into a folder of other files" "holds 'notes.txt', not an output" "$SAMC" predict $P -o "$T_TMP/mine"
if [ "$(ls "$T_TMP/mine")" = notes.txt ]; then t_ok "the other files are left alone"; else t_fail "the other files are left alone"; fi
mkdir -p "$T_TMP/blocked/mask_0.png"
# shellcheck disable=SC2086
t_rejects "a folder named like an output in the way" "holds 'mask_0.png'" "$SAMC" predict $P -o "$T_TMP/blocked"
# a later file cannot be written (files capped at 100 KB: logits.npy is 240 KB): nothing in place
# shellcheck disable=SC2086
(ulimit -f 100; trap '' XFSZ; exec "$SAMC" predict $P -o "$T_TMP/capped") >"$T_TMP/out" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "logits.npy" "$T_TMP/out"; then t_ok "a write failure is an error naming the file"
else t_fail "a write failure is an error naming the file" "exit $rc: $(cat "$T_TMP/out")"; fi
if [ ! -e "$T_TMP/capped" ] && [ -z "$(ls -d "$T_TMP"/capped.* 2>/dev/null)" ]; then t_ok "after a write failure: no output, no temporaries"
else t_fail "after a write failure: no output, no temporaries" "$(ls -d "$T_TMP"/capped*)"; fi
# killed in the middle (SIGXFSZ at the cap): nothing in place; the next run removes the leftovers
# shellcheck disable=SC2086
(ulimit -f 100; exec "$SAMC" predict $P -o "$T_TMP/killed") >/dev/null 2>&1
if [ ! -e "$T_TMP/killed" ] && [ -n "$(ls -d "$T_TMP"/killed.tmp.* 2>/dev/null)" ]; then t_ok "killed: no output, a temporary folder"
else t_fail "killed: no output, a temporary folder" "$(ls -d "$T_TMP"/killed* 2>&1)"; fi
echo partial >"$T_TMP/set/logits.npy.tmp.999999999" # an older samc's leftover (no such process)
# shellcheck disable=SC2086
t_run "predict after a killed run" "$SAMC" predict $P -o "$T_TMP/killed"
# shellcheck disable=SC2086
t_run "predict into a folder with a stale temporary file" "$SAMC" predict $P -o "$T_TMP/set"
if [ -z "$(ls -d "$T_TMP"/killed.tmp.* "$T_TMP"/set/*.tmp.* 2>/dev/null)" ]; then t_ok "stale temporaries removed"
else t_fail "stale temporaries removed" "$(ls -d "$T_TMP"/killed.tmp.* "$T_TMP"/set/*.tmp.* 2>&1)"; fi
t_rejects "everything into a folder of other files" "holds 'notes.txt'" "$SAMC" everything -m "$T_TMP/tiny.samw" \
    -i $T/image.png --points-per-side 4 -o "$T_TMP/mine"
t_rejects "preprocess into a folder of other files" "holds 'notes.txt'" "$SAMC" preprocess $T/image.png -o "$T_TMP/mine"
t_run "preprocess twice into one folder" "$SAMC" preprocess $T/image.png --img-size 64 -o "$T_TMP/pre"
t_run "  (the second time)" "$SAMC" preprocess $T/image.png --img-size 64 -o "$T_TMP/pre"
t_rejects "the current folder as an output set" "a name of its own" "$SAMC" preprocess $T/image.png -o .
t_summary
