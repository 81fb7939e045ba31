#!/usr/bin/env bash
# cross_consistency.sh NATIVE_BUILD CROSS_BUILD EMULATOR_ARGS CPU...
#
# Issue "Raspberry Pi": for the same model files and input, the emulated
# CPUs must give the same entities as x86. Models are converted once,
# natively (the same .ebm runs everywhere): pd-tiny from ../shared when
# present, else the committed tiny_random fixture; f32 and int8; and the
# ALBERT fixture albert_tiny_random/inner_groups, int8; both again with int8
# attention (--attention int8, kernels/attention_i8.h). The input
# is tests/fixtures/cross/pd_dev_240.txt (People's Daily dev sentences): the
# first 200 for int8 (entities must be identical), the first 40 for f32
# (logits within tolerance; f32 under qemu costs ~1.5 s a sentence); the
# int8-attention models take the first 60 (their kernels are the int8 GEMM
# micro-kernels the other int8 models cover, and attention_i8_test runs on
# every emulated CPU), to keep CI within its time budget.
# For each CPU, `edgebert tag --tokens` runs under qemu and its output is
# compared with the native one by the native tool cross_compare: entities
# and token labels identical; f32 logits within its named tolerance; int8
# logits and scores bit-identical (--exact, see cross_compare.cc). Exits 1 on
# any mismatch. EDGEBERT_CONSISTENCY_PRECISIONS (default "f32 int8") limits
# the precisions checked.
set -uo pipefail
native=$1 cross=$2 emulator=$3
shift 3
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sample=$repo/tests/fixtures/cross/pd_dev_240.txt
work=$cross/consistency
mkdir -p "$work"
for b in edgebert edgebert-convert cross_compare; do
  [[ -x $native/bin/$b ]] || { echo "cross_consistency: $native/bin/$b missing (build natively first)" >&2; exit 1; }
done

shared=${EDGEBERT_SHARED_DIR:-$repo/../shared}
if [[ -f $shared/models/pd-tiny/model.safetensors ]]; then
  src=$shared/models/pd-tiny name=pd-tiny
else
  src=$repo/tests/fixtures/tiny_random name=tiny_random
fi
status=0
# check NAME SRC PREC [CONVERT_ARGS...]: convert SRC once natively, tag the
# sample natively and under each CPU, compare. CHECK_LINES overrides the
# number of int8 lines.
check() {
  local name=$1 src=$2 prec=$3 lines=${CHECK_LINES:-200}
  shift 3
  [[ $prec == f32 ]] && lines=40
  local input=$work/input-$prec.txt
  head -n "$lines" "$sample" > "$input"
  local model=$work/$name-$prec.ebm extra=() mode=()
  [[ $prec == int8 ]] && extra=(--calibration "$sample" "$@") mode=(--exact)
  "$native/bin/edgebert-convert" --input "$src" --output "$model" \
    --precision "$prec" "${extra[@]}" >/dev/null 2>"$work/convert.log" ||
    { cat "$work/convert.log" >&2; exit 1; }
  "$native/bin/edgebert" tag --tokens --model "$model" < "$input" \
    > "$work/ref-$name-$prec.jsonl" || exit 1
  for cpu in "${cpus[@]}"; do
    local out=$work/$cpu-$name-$prec.jsonl
    # shellcheck disable=SC2086
    QEMU_CPU=$cpu $emulator "$cross/bin/edgebert" tag --tokens \
      --model "$model" < "$input" > "$out"
    printf '%-12s %-5s %-11s ' "$name" "$prec" "$cpu"
    "$native/bin/cross_compare" "$work/ref-$name-$prec.jsonl" "$out" \
      "${mode[@]}" || status=1
  done
}
cpus=("$@")
for prec in ${EDGEBERT_CONSISTENCY_PRECISIONS:-f32 int8}; do
  check "$name" "$src" "$prec"
  # ALBERT (issue 9): shared weight sets, E -> H mapping; the committed
  # fixture with 2 groups x 2 inner layers, int8 bit-identical.
  [[ $prec == int8 ]] || continue
  check albert-inner "$repo/tests/fixtures/albert_tiny_random/inner_groups" int8
  # int8 attention: int32 products, det_math softmax, bit-identical too.
  CHECK_LINES=60 check "$name-attn8" "$src" int8 --attention int8
  CHECK_LINES=60 check albert-inner-attn8 \
    "$repo/tests/fixtures/albert_tiny_random/inner_groups" int8 --attention int8
done
exit $status
