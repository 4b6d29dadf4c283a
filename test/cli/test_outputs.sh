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
t_summary
