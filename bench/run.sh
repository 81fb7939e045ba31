#!/usr/bin/env bash
# bert-base-shaped benchmark of edgebert f32 vs int8, with ONNX Runtime as the
# peer, all measured in ONE run; writes bench/RESULTS.md and, next to it,
# bench/RESULTS.svg (p50 by sequence length 8-256, bench/chart.py).
#
#   bash bench/run.sh [--build-dir DIR] [--work DIR] [--iters N] [--no-ort]
#                     [--no-drop-caches] [--calib-lines N] [--results FILE]
#
#   --build-dir  CMake build dir (default build/; configured Release)
#   --work       scratch dir for the random checkpoint, .ebm/.onnx files and
#                raw JSON lines (default /tmp/edgebert-bench; ~1.5 GB)
#   --iters      timed iterations per (seq, threads) (default 30)
#   --no-ort     skip the ONNX Runtime peer
#   --no-drop-caches  do not drop the page cache before each model's first
#                load (load_ms is then warm)
#   --calib-lines  int8 calibration sentences (default 200; the int8
#                conversion runs the f32 model over them, ~1-2 min for 200)
#   --wait-load L  before measuring, wait (at most 10 min) until the 1-minute
#                load average is below L (e.g. 0.5); the wait is recorded
#   --results    output markdown (default bench/RESULTS.md; the chart goes
#                to the same path with .svg)
#
# Needs: cmake, ninja, /usr/bin/python3 with numpy (+ torch and python3-onnx
# for the ORT peer), /usr/bin/time (Debian package `time`), node + npm for the
# ORT peer (on first use `npm ci --ignore-scripts` in bench/ort installs the
# pinned onnxruntime-node, from the npm cache or else the registry; if both
# fail the run has no ORT rows and RESULTS.md says so). The checkpoint is random
# (bench/make_bert_base.py), so only speed/size/memory are meaningful here.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$REPO/build"
WORK=/tmp/edgebert-bench
ITERS=30
ORT=1
DROP=1
CALIB_LINES=200
WAIT_LOAD=""
RESULTS="$REPO/bench/RESULTS.md"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-dir) BUILD="$(realpath -m "$2")"; shift 2 ;;
    --work) WORK="$(realpath -m "$2")"; shift 2 ;;
    --iters) ITERS="$2"; shift 2 ;;
    --no-ort) ORT=0; shift ;;
    --no-drop-caches) DROP=0; shift ;;
    --calib-lines) CALIB_LINES="$2"; shift 2 ;;
    --wait-load) WAIT_LOAD="$2"; shift 2 ;;
    --results) RESULTS="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
PY=/usr/bin/python3
SHARED="$REPO/../shared"
[[ -d "$SHARED" ]] || SHARED=/work/shared
RAW="$WORK/raw"
mkdir -p "$WORK" "$RAW"
rm -f "$RAW"/*
log() { echo "[bench $(date +%T)] $*" >&2; }
START=$(date +%s)

# Machine state, recorded before anything heavy runs.
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | sed -n 1p), family $(lscpu | sed -n 's/^CPU family: *//p' | sed -n 1p) model $(lscpu | sed -n 's/^Model: *//p' | sed -n 1p), $(grep -q avx512_vnni /proc/cpuinfo && echo avx512_vnni || echo 'no avx512_vnni')"
  echo "nproc=$(nproc)"
  echo "uptime_start=$(uptime)"
  echo "git=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
} > "$RAW/machine.txt"
log "$(uptime)"

# 1. Build.
log "building in $BUILD"
cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >"$RAW/cmake.log" 2>&1 ||
  { cat "$RAW/cmake.log" >&2; exit 1; }
cmake --build "$BUILD" -j2 --target edgebert_cli edgebert-convert >"$RAW/build.log" 2>&1 ||
  { tail -n 40 "$RAW/build.log" >&2; exit 1; }
EB="$BUILD/bin/edgebert"
CONVERT="$BUILD/bin/edgebert-convert"
[[ -x "$EB" ]] || EB="$BUILD/bin/edgebert_cli"

# 2. Random bert-base checkpoint (+ f32 ONNX for the peer), deterministic seed.
CKPT="$WORK/bert-base"
ONNX_F32="$WORK/bert-base-f32.onnx"
ONNX_I8="$WORK/bert-base-int8.onnx"
if [[ ! -f "$CKPT/model.safetensors" || ( $ORT == 1 && ! -f "$ONNX_F32" ) ]]; then
  log "writing random bert-base checkpoint to $CKPT"
  ONNX_ARG=()
  [[ $ORT == 1 ]] && ONNX_ARG=(--onnx "$ONNX_F32")
  "$PY" "$REPO/bench/make_bert_base.py" --out "$CKPT" "${ONNX_ARG[@]}" >&2
  rm -f "$ONNX_I8"
fi

# 3. Calibration text: 200 People's Daily sentences, else committed demo text.
CALIB="$WORK/calibration.txt"
PD_DEV="$SHARED/data/peoples_daily/example.dev"
# Sentences FROM..TO (1-based) of a `char TAG` file, one per line.
bio_sentences() {
  awk -v from="$2" -v to="$3" '
    function out() { if (s != "") { n++; if (n >= from && n <= to) print s }; s = "" }
    NF == 0 { out(); next } { s = s $1 } END { out() }' "$1"
}
if [[ -f "$PD_DEV" ]]; then
  bio_sentences "$PD_DEV" 1 "$CALIB_LINES" > "$CALIB"
  CALIB_SRC="first $CALIB_LINES sentences of peoples_daily/example.dev"
else
  sed -n "1,${CALIB_LINES}p" "$REPO/quantize/demo/calibration.txt" > "$CALIB"
  CALIB_SRC="quantize/demo/calibration.txt"
fi
# Sentences for the `tag` RSS measurement: the next 100 (or the demo sample).
TAGTXT="$WORK/tag.txt"
if [[ -f "$PD_DEV" ]]; then
  bio_sentences "$PD_DEV" $((CALIB_LINES + 1)) $((CALIB_LINES + 100)) > "$TAGTXT"
else
  cp "$REPO/quantize/demo/sample.txt" "$TAGTXT"
fi
echo "calibration=$CALIB_SRC" >> "$RAW/machine.txt"
echo "tag_lines=$(wc -l < "$TAGTXT")" >> "$RAW/machine.txt"

# 4. Convert (timed; stderr kept for the quantization summary).
convert() {  # name input precision [extra args]
  local name=$1 in=$2 prec=$3; shift 3
  local t0 t1
  t0=$(date +%s.%N)
  if "$CONVERT" --input "$in" --output "$WORK/$name.ebm" --precision "$prec" "$@" \
      >"$RAW/convert-$name.log" 2>&1; then
    t1=$(date +%s.%N)
    echo "{\"name\":\"$name\",\"precision\":\"$prec\",\"bytes\":$(stat -c %s "$WORK/$name.ebm"),\"convert_s\":$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")}" \
      >> "$RAW/files.jsonl"
  else
    log "convert $name failed: $(tail -n 1 "$RAW/convert-$name.log")"
    echo "{\"name\":\"$name\",\"precision\":\"$prec\",\"error\":$(tail -n 1 "$RAW/convert-$name.log" | "$PY" -c 'import json,sys; print(json.dumps(sys.stdin.read().strip()))')}" \
      >> "$RAW/files.jsonl"
    rm -f "$WORK/$name.ebm"
  fi
}
log "converting"
rm -f "$WORK"/*.ebm
convert bert-base-f32 "$CKPT" f32
convert bert-base-int8 "$CKPT" int8 --calibration "$CALIB"
PD_TINY="$SHARED/models/pd-tiny"
if [[ -d "$PD_TINY" ]]; then
  convert pd-tiny-f32 "$PD_TINY" f32
  convert pd-tiny-int8 "$PD_TINY" int8 --calibration "$CALIB"
fi

drop_caches() {
  if [[ $DROP == 1 ]] && sync && (echo 3 > /proc/sys/vm/drop_caches) 2>/dev/null; then
    echo cold
  else
    echo warm
  fi
}

# Optionally wait for a quiet machine; record the load measurements start at.
if [[ -n "$WAIT_LOAD" ]]; then
  for _ in $(seq 60); do
    awk -v l="$WAIT_LOAD" '{ exit !($1 < l) }' /proc/loadavg && break
    log "load $(cut -d' ' -f1 /proc/loadavg) >= $WAIT_LOAD, waiting"
    sleep 10
  done
fi
echo "uptime_measure=$(uptime)" >> "$RAW/machine.txt"
log "measuring; $(uptime)"

# 5. edgebert bench: each model's first load after dropping the page cache;
# bert-base over the chart's sequence lengths, pd-tiny at 32 and 128.
CHART_SEQS=8,16,32,64,128,256
for name in bert-base-f32 bert-base-int8 pd-tiny-f32 pd-tiny-int8; do
  [[ -f "$WORK/$name.ebm" ]] || continue
  seqs=32,128
  [[ $name == bert-base-* ]] && seqs=$CHART_SEQS
  state=$(drop_caches)
  log "edgebert bench $name (first load $state)"
  "$EB" bench --model "$WORK/$name.ebm" --seq "$seqs" --threads 1,2 \
    --iters "$ITERS" | sed "s/^{/{\"name\":\"$name\",\"cache\":\"$state\",/" \
    >> "$RAW/edgebert.jsonl"
done

# Per-op profile of bert-base int8 and f32 at seq 128, 1 thread.
for name in bert-base-int8 bert-base-f32; do
  [[ -f "$WORK/$name.ebm" ]] || continue
  log "edgebert bench --profile $name"
  "$EB" bench --model "$WORK/$name.ebm" --seq 128 --threads 1 \
    --iters "$ITERS" --profile | sed "s/^{/{\"name\":\"$name\",/" \
    >> "$RAW/profile.jsonl"
done

# Where memory goes: weights the runtime copies/repacks vs. maps, arena.
for name in bert-base-f32 bert-base-int8 pd-tiny-f32 pd-tiny-int8; do
  [[ -f "$WORK/$name.ebm" ]] || continue
  "$EB" info --model "$WORK/$name.ebm" | "$PY" -c '
import json, sys
j = json.load(sys.stdin)
print(json.dumps({"name": sys.argv[1], "file_bytes": j["file_bytes"],
                  "shared_weight_bytes": j["shared_weight_bytes"],
                  "arena_bytes": j["arena_bytes"],
                  "tensor_bytes_by_dtype": j["tensor_bytes_by_dtype"]}))' "$name" \
    >> "$RAW/info.jsonl"
done

# 6. Peak RSS of `edgebert tag` (whole process, /usr/bin/time -v).
for name in bert-base-f32 bert-base-int8; do
  [[ -f "$WORK/$name.ebm" ]] || continue
  log "edgebert tag $name ($(wc -l < "$TAGTXT") lines) under /usr/bin/time -v"
  /usr/bin/time -v "$EB" tag --model "$WORK/$name.ebm" < "$TAGTXT" \
    > "$RAW/tag-$name.out" 2> "$RAW/tag-$name.time"
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$RAW/tag-$name.time")
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$RAW/tag-$name.time")
  echo "{\"name\":\"$name\",\"max_rss_kb\":$rss_kb,\"wall\":\"$wall\",\"lines\":$(wc -l < "$RAW/tag-$name.out")}" \
    >> "$RAW/tag.jsonl"
done

# 7. ONNX Runtime peer (f32 export, and int8 as quantize_dynamic would make it).
# Setup step: bench/ort's onnxruntime-node, pinned by package-lock.json, is
# installed with `npm ci --ignore-scripts` (the npm cache first, then the
# registry; the package ships its prebuilt binaries, no install script runs).
# Without it the run goes on without the peer and RESULTS.md says why.
if [[ $ORT == 1 && ! -d "$REPO/bench/ort/node_modules/onnxruntime-node" ]]; then
  npm_ci() { (cd "$REPO/bench/ort" && npm ci --ignore-scripts --no-audit --no-fund "$@") \
               >>"$RAW/npm.log" 2>&1; }
  log "installing onnxruntime-node in bench/ort (npm ci, log in $RAW/npm.log)"
  if npm_ci --offline; then
    echo "ort_install=npm ci --offline (npm cache)" >> "$RAW/machine.txt"
  elif npm_ci; then
    echo "ort_install=npm ci (registry)" >> "$RAW/machine.txt"
  else
    log "npm ci failed (no cache, registry unreachable?): no ORT peer in this run"
    echo "ort=not installable (npm ci from cache and registry failed: $(tail -n 1 "$RAW/npm.log"))" \
      >> "$RAW/machine.txt"
    ORT=0
  fi
fi
if [[ $ORT == 1 ]]; then
  if [[ ! -f "$ONNX_I8" ]]; then
    log "quantizing ONNX model"
    "$PY" "$REPO/bench/ort/quantize_onnx.py" "$ONNX_F32" "$ONNX_I8" >&2
  fi
  for p in f32 int8; do
    echo "{\"name\":\"ort-bert-base-$p\",\"precision\":\"$p\",\"bytes\":$(stat -c %s "$WORK/bert-base-$p.onnx")}" \
      >> "$RAW/files.jsonl"
  done
  state=$(drop_caches)
  log "ORT bench f32 (first load $state)"
  node "$REPO/bench/ort/bench.js" --model "$ONNX_F32" --seq "$CHART_SEQS" \
    --threads 1,2 --iters "$ITERS" \
    | sed "s/^{/{\"name\":\"ort-bert-base-f32\",\"cache\":\"$state\",/" >> "$RAW/ort.jsonl"
  state=$(drop_caches)
  log "ORT bench int8 (first load $state)"
  node "$REPO/bench/ort/bench.js" --model "$ONNX_I8" --seq "$CHART_SEQS" \
    --threads 1,2 --iters "$ITERS" \
    | sed "s/^{/{\"name\":\"ort-bert-base-int8\",\"cache\":\"$state\",/" >> "$RAW/ort.jsonl"
  log "ORT int8 vs f32 logits"
  node "$REPO/bench/ort/bench.js" --model "$ONNX_I8" --ref "$ONNX_F32" >> "$RAW/ort.jsonl"
fi

echo "uptime_end=$(uptime)" >> "$RAW/machine.txt"
echo "elapsed_s=$(( $(date +%s) - START ))" >> "$RAW/machine.txt"
echo "iters=$ITERS" >> "$RAW/machine.txt"
CHART="${RESULTS%.md}.svg"
"$PY" "$REPO/bench/chart.py" "$RAW" "$CHART"
"$PY" "$REPO/bench/report.py" "$RAW" "$RESULTS"
log "wrote $RESULTS and $CHART (raw JSON lines in $RAW)"
