#!/usr/bin/env bash
# Builds every libFuzzer harness (tests/fuzz/fuzz_*.cc) with clang 14, ASan and
# UBSan into build-fuzz/ and runs each for SECONDS (default 60), starting from
# its committed seed corpus tests/fuzz/corpus/<name>/ (fuzz_model also gets
# those seeds freshly converted by the converter being tested, when
# tests/tools/make_fuzz_model_seeds.py can run). New inputs go to a scratch
# corpus; a crash, leak, timeout or sanitizer report stops that
# harness, is saved as build-fuzz/artifacts/<name>-*, and fails the script.
#   tests/fuzz/run.sh [SECONDS] [NAME...]   e.g. run.sh 30 fuzz_tokenizer
# EDGEBERT_FUZZ_RUNS=N runs N inputs per harness instead of a time limit;
# EDGEBERT_FUZZ_CMAKE_ARGS adds configure arguments.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
build=build-fuzz

mkdir -p "$build"
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGEBERT_FUZZ=ON \
  -DEDGEBERT_SANITIZE=address,undefined -DEDGEBERT_BUILD_TESTS=OFF \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache \
  ${EDGEBERT_FUZZ_CMAKE_ARGS:-} >"$build/configure.log" 2>&1 || { cat "$build/configure.log"; exit 1; }
names=("$@")
if ((${#names[@]} == 0)); then
  for src in tests/fuzz/fuzz_*.cc; do names+=("$(basename "$src" .cc)"); done
fi
# Only the harnesses and the converter (for fuzz_model's seeds): the shared
# C library and the Python module are not linked with the fuzzer runtime.
nice cmake --build "$build" -j2 --target "${names[@]}" edgebert-convert ||
  exit 1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$build/artifacts"
limit=(-max_total_time="$secs")
[[ -n "${EDGEBERT_FUZZ_RUNS:-}" ]] && limit=(-runs="$EDGEBERT_FUZZ_RUNS")
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for name in "${names[@]}"; do
  corpus="$work/$name"
  mkdir -p "$corpus"
  if [[ "$name" == fuzz_model ]]; then
    /usr/bin/python3 tests/tools/make_fuzz_model_seeds.py \
      --convert "$build/bin/edgebert-convert" --out "$corpus" >/dev/null ||
      echo "(fresh fuzz_model seeds not made; using the committed ones)"
  fi
  seeds=()
  [[ -d "tests/fuzz/corpus/$name" ]] && seeds=("tests/fuzz/corpus/$name")
  echo "== $name (${limit[*]})"
  if "$build/bin/$name" "${limit[@]}" -timeout=20 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" \
      "$corpus" "${seeds[@]}" >"$work/$name.log" 2>&1; then
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec)" \
      "$work/$name.log" | tr '\n' ' '
    echo "-> ok"
  else
    tail -n 60 "$work/$name.log"
    echo "-> FAILED ($name; artifacts in $build/artifacts/)"
    status=1
  fi
done
exit $status
