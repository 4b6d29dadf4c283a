#!/usr/bin/env bash
# make bench's encoder comparison (issue 19), called by bench/run.sh: samc's encoder with each
# GEMM library beside ONNX Runtime's, interleaved in one run, at the same thread count and in
# the same environment (OPENBLAS_CORETYPE included).
#   samc in process    bench_image_encoder: the first forward pass, then warm ones (a program
#                      that encodes many images), ViT-B (and ViT-H unless SAMC_BENCH_QUICK=1),
#                      with this build's GEMM library and with the other one (build/ or
#                      build-dnnl/, made here when the library is installed: libdnnl-dev)
#   samc encode        the whole process on the random ViT-B .samw and the benchmark PNG
#   the click          bench_decoder with the other library (this build's is bench/run.sh's)
#   ONNX Runtime       ort_encoder.js (npm onnxruntime-node) on the official encoder exported
#                      to ONNX by export_encoder.py, once, into $tmpdir/samc_bench_onnx_vit_{b,h}/:
#                      the fresh process to its first embedding, then warm session.run
# ONNX Runtime runs when node finds onnxruntime-node (SAMC_ORT_NODE_PATH: the node_modules
# folder it was installed into) and the model was exported or a python can export it (torch,
# onnx and segment_anything: bench/run.sh's SAMC_PYTHON and SAMC_OFFICIAL_SAM); otherwise the
# table says how to enable it.
# usage: compare.sh BINDIR OUT THREADS VITB_SAMW IMAGE
# Writes OUT/compare_table.txt (printed by bench/run.sh) and OUT/compare_keys.txt ("key value"
# lines for results.json); the raw outputs are OUT/cmp_*.txt.
set -u
bindir=$1 out=$2 threads=$3 vitb=$4 img=$5
quick=${SAMC_BENCH_QUICK:-0}
tmpdir=${SAMC_BENCH_TMP:-/tmp}
here=$(dirname "$0")
table=$out/compare_table.txt keys=$out/compare_keys.txt
: >"$table"
: >"$keys"
. "$here/../lib.sh"
key() { echo "$1 $2" >>"$keys"; }
say() { echo "$@" >>"$table"; }
run() { # name, command...: output in OUT/cmp_NAME.txt; 1 when it failed
    echo "  running $1 ..." >&2
    local f=$out/cmp_$1.txt
    shift
    "$@" >"$f" 2>&1 && return 0
    echo "bench: $* failed:" >&2
    tail -n 5 "$f" >&2
    return 1
}
# the GEMM library a samc binary reports ("OpenBLAS 0.3.21 (Haswell)", "oneDNN 2.6.3 (avx512_core)")
gemm_of() { "$1" --version 2>/dev/null | sed -n 's/^gemm: //p'; }

# the builds: this one, and the one with the other GEMM library when it can be made here (a
# make of its own: this run's make flags would carry this build's GEMM)
this_gemm=$(gemm_of "$bindir/samc")
case "$this_gemm" in
oneDNN*) other_dir=build other_make=openblas ;;
*) other_dir=build-dnnl other_make=dnnl ;;
esac
builds=$bindir other_note=""
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s GEMM=$other_make "$other_dir/samc" \
    "$other_dir/bench/bench_image_encoder" "$other_dir/bench/bench_decoder" >"$out/cmp_build.txt" 2>&1; then
    builds="$bindir $other_dir"
else
    other_note="the other GEMM library's build (make GEMM=$other_make) failed: $(tail -n 1 "$out/cmp_build.txt"); for oneDNN: apt-get install libdnnl-dev"
fi
# a short name per build for the files: its folder with / as _
tag() { echo "$1" | tr / _; }

# ONNX Runtime: node, the package, the exported models
ort_note="" node_ok=0
[ -n "${SAMC_ORT_NODE_PATH:-}" ] && export NODE_PATH="$SAMC_ORT_NODE_PATH${NODE_PATH:+:$NODE_PATH}"
if ! command -v node >/dev/null 2>&1; then
    ort_note="not available: no node. To enable: apt-get install nodejs npm; npm install --ignore-scripts onnxruntime-node in a folder D; SAMC_ORT_NODE_PATH=D/node_modules"
elif ! node -e "require('onnxruntime-node')" >/dev/null 2>&1; then
    ort_note="not available: node does not find onnxruntime-node. To enable: npm install --ignore-scripts onnxruntime-node in a folder D; SAMC_ORT_NODE_PATH=D/node_modules"
else
    node_ok=1
fi
py=""
for cand in ${SAMC_PYTHON:-python3 /usr/bin/python3}; do
    if "$cand" -c 'import torch, onnx, segment_anything' >/dev/null 2>&1; then py=$cand; break; fi
done
shapes=b
[ "$quick" = 1 ] || shapes="b h"
ort_shapes=""
for s in $shapes; do
    [ "$node_ok" = 1 ] || break
    m=$tmpdir/samc_bench_onnx_vit_$s/encoder.onnx
    if [ ! -f "$m" ]; then
        if [ -z "$py" ]; then
            ort_note="$ort_note${ort_note:+; }ViT-$s not exported: no python imports torch, onnx and segment_anything (apt-get install python3-torch python3-torchvision python3-onnx; SAMC_OFFICIAL_SAM=/path/to/segment-anything)"
            continue
        fi
        echo "  exporting the official ViT-$s encoder to ONNX, once (ViT-B: minutes; ViT-H: 12 minutes, 12 GB of RAM, 2.5 GB of disk) ..." >&2
        mkdir -p "$(dirname "$m")"
        if ! "$py" "$here/export_encoder.py" "$s" "$m.tmp" >"$out/cmp_export_$s.txt" 2>&1; then
            ort_note="$ort_note${ort_note:+; }ViT-$s export failed (see $out/cmp_export_$s.txt)"
            rm -f "$m.tmp"
            continue
        fi
        mv "$m.tmp" "$m"
    fi
    # ONNX Runtime's session holds ViT-B in 7 GB; ViT-H is given 16
    mem_kb=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo 2>/dev/null)
    if [ "$s" = h ] && [ "${mem_kb:-0}" -lt 16000000 ]; then
        ort_note="$ort_note${ort_note:+; }ViT-H skipped: $(calc "${mem_kb:-0} / 1048576") GB of RAM available, 16 wanted"
        continue
    fi
    ort_shapes="$ort_shapes $s"
done

# interleaved: each round runs every contender once, so that a change of the machine's load
# falls on all of them; ViT-B two rounds of two warm passes, ViT-H one round of one
for s in $shapes; do
    rounds=2 warm=2
    [ "$s" = h ] && rounds=1 warm=1
    for r in $(seq 1 $rounds); do
        for b in $builds; do
            run "enc_${s}_$(tag "$b")_$r" "$b/bench/bench_image_encoder" "$s" "$threads" 1024 0 "$warm"
        done
        case " $ort_shapes " in *" $s "*)
            run "ort_${s}_$r" "$bindir/bench/bench_process" node "$here/ort_encoder.js" \
                "$tmpdir/samc_bench_onnx_vit_$s/encoder.onnx" "$threads" "$warm" ;;
        esac
        if [ "$s" = b ] && [ -n "$vitb" ]; then
            for b in $builds; do
                run "encode_b_$(tag "$b")_$r" "$bindir/bench/bench_process" "$b/samc" encode -m "$vitb" -i "$img" \
                    -o "$out/cmp_embedding.npy" --threads "$threads"
            done
        fi
    done
done
[ "$other_note" ] || run "dec_$(tag "$other_dir")" "$other_dir/bench/bench_decoder" "$threads" 21

# min over the rounds' files of KEY (files that lack it are skipped)
min_of() { # key files...
    local k=$1
    shift
    awk -v k="$k" '$1 == k { if (m == "" || $2 < m) m = $2 } END { print m }' "$@" 2>/dev/null
}
max_of() {
    local k=$1
    shift
    awk -v k="$k" '$1 == k { if ($2 > m) m = $2 } END { print m }' "$@" 2>/dev/null
}

row() { printf '%-44s %14s   %-34s %s\n' "$1" "$2" "$3" "$4" >>"$table"; }
say "the encoder against ONNX Runtime (issue 19): random weights, $threads threads, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset: OpenBLAS picks)}, contenders interleaved"
say "  in process: a 1024x1024 preprocessed input; first = the first forward pass, warm = the best later one"
printf '  %-40s %-34s %9s %9s %9s\n' contender "GEMM kernel" first warm "peak RSS" >>"$table"
for s in $shapes; do
    S=$(echo "$s" | tr '[:lower:]' '[:upper:]')
    for b in $builds; do
        fs=$(ls "$out"/cmp_enc_${s}_$(tag "$b")_*.txt 2>/dev/null)
        [ -n "$fs" ] || continue
        lib=$(gemm_of "$b/samc")
        first=$(min_of forward_s $fs) warm_s=$(min_of warm_min_s $fs) rss=$(max_of peak_rss_mb $fs)
        printf '  %-40s %-34s %8ss %8ss %6s MB\n' "samc ViT-$S ($b)" "$lib" "$first" "$warm_s" "$rss" >>"$table"
        lk=$(echo "$lib" | sed 's/ .*//' | tr '[:upper:]' '[:lower:]')
        key "compare_samc_${lk}_vit_${s}_first_s" "$first"
        key "compare_samc_${lk}_vit_${s}_warm_s" "$warm_s"
        key "compare_samc_${lk}_vit_${s}_peak_rss_mb" "$rss"
    done
    fs=$(ls "$out"/cmp_ort_${s}_*.txt 2>/dev/null)
    if [ -n "$fs" ]; then
        printf '  %-40s %-34s %8ss %8ss %6s MB\n' "ONNX Runtime $(value ort_version "$(echo $fs | cut -d' ' -f1)") ViT-$S" \
            "its own (MLAS)" "$(min_of ort_first_run_s $fs)" "$(min_of ort_warm_min_s $fs)" "$(max_of peak_rss_mb $fs)" >>"$table"
        key "compare_ort_vit_${s}_first_s" "$(min_of ort_first_run_s $fs)"
        key "compare_ort_vit_${s}_warm_s" "$(min_of ort_warm_min_s $fs)"
        key "compare_ort_vit_${s}_process_s" "$(min_of ort_process_s $fs)"
        key "compare_ort_vit_${s}_peak_rss_mb" "$(max_of peak_rss_mb $fs)"
    fi
done
if [ -n "$vitb" ]; then
    say "  whole process to the embedding, ViT-B (samc encode: loading, PNG, preprocessing, the .npy; ONNX Runtime: node start, session, first run):"
    for b in $builds; do
        fs=$(ls "$out"/cmp_encode_b_$(tag "$b")_*.txt 2>/dev/null)
        [ -n "$fs" ] || continue
        printf '  %-40s %-34s %8ss %9s %6s MB\n' "samc encode ($b)" "$(gemm_of "$b/samc")" "$(min_of wall_s $fs)" "" \
            "$(max_of peak_rss_mb $fs)" >>"$table"
        lk=$(gemm_of "$b/samc" | sed 's/ .*//' | tr '[:upper:]' '[:lower:]')
        key "compare_encode_${lk}_vit_b_process_s" "$(min_of wall_s $fs)"
        key "compare_encode_${lk}_vit_b_peak_rss_mb" "$(max_of peak_rss_mb $fs)"
    done
    fs=$(ls "$out"/cmp_ort_b_*.txt 2>/dev/null)
    [ -n "$fs" ] && printf '  %-40s %-34s %8ss\n' "ONNX Runtime, fresh process" "" "$(min_of ort_process_s $fs)" >>"$table"
fi

# the goals: the best samc build at most ONNX Runtime's warm time in process, the whole samc
# encode process faster than ONNX Runtime's fresh one, and the click and RSS no worse than
# samc's before issue 19, as the issue measured them on this machine kind: 14.6 ms, 0.60 GB for
# ViT-B in process and 0.55 GB for the whole ViT-B encode
say
printf '%-48s %14s   %-30s %s\n' target measured goal met >>"$table"
for s in $ort_shapes; do
    S=$(echo "$s" | tr '[:lower:]' '[:upper:]')
    best="" best_b=""
    for b in $builds; do
        w=$(min_of warm_min_s "$out"/cmp_enc_${s}_$(tag "$b")_*.txt)
        [ -n "$w" ] || continue
        if [ -z "$best" ] || awk "BEGIN { exit !($w < $best) }"; then best=$w best_b=$b; fi
    done
    o=$(min_of ort_warm_min_s "$out"/cmp_ort_${s}_*.txt)
    [ -n "$best" ] && [ -n "$o" ] || continue
    printf '%-48s %14s   %-30s %s\n' "ViT-$S in process, warm: samc ($best_b)" "$best s" "<= ONNX Runtime's $o s" \
        "$(ok "$best <= $o")" >>"$table"
    printf '%-48s %14s\n' "  ONNX Runtime / samc" "$(calc "$o / $best")x" >>"$table"
    if [ "$s" = b ]; then
        rss=$(max_of peak_rss_mb "$out"/cmp_enc_b_$(tag "$best_b")_*.txt)
        printf '%-48s %14s   %-30s %s\n' "  its peak RSS" "$rss MB" "<= 600 MB (before issue 19)" \
            "$(ok "$rss <= 600")" >>"$table"
    fi
    key "compare_vit_${s}_ort_over_samc" "$(calc "$o / $best")"
done
op=$(min_of ort_process_s "$out"/cmp_ort_b_*.txt)
for b in $builds; do
    w=$(min_of wall_s "$out"/cmp_encode_b_$(tag "$b")_*.txt)
    [ -n "$w" ] || continue
    rss=$(max_of peak_rss_mb "$out"/cmp_encode_b_$(tag "$b")_*.txt)
    if [ -n "$op" ]; then
        printf '%-48s %14s   %-30s %s\n' "ViT-B whole process: samc encode ($b)" "$w s" \
            "< ONNX Runtime's $op s" "$(ok "$w < $op")" >>"$table"
    else
        printf '%-48s %14s   %-30s\n' "ViT-B whole process: samc encode ($b)" "$w s" "(no ONNX Runtime run)" >>"$table"
    fi
    printf '%-48s %14s   %-30s %s\n' "  its peak RSS" "$rss MB" "<= 550 MB (before issue 19)" \
        "$(ok "$rss <= 550")" >>"$table"
done
for b in $builds; do
    f=$out/dec.txt
    [ "$b" = "$bindir" ] || f=$out/cmp_dec_$(tag "$b").txt
    c=$(value decoder_single_ms "$f")
    [ -n "$c" ] || continue
    printf '%-48s %14s   %-30s %s\n' "one click ($b)" "$c ms" "<= 14.6 ms" "$(ok "$c <= 14.6")" >>"$table"
    key "compare_click_$(gemm_of "$b/samc" | sed 's/ .*//' | tr '[:upper:]' '[:lower:]')_ms" "$c"
done
[ -z "$other_note" ] || say "  $other_note"
[ -z "$ort_note" ] || say "  ONNX Runtime: $ort_note"
exit 0
