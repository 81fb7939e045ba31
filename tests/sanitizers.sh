#!/usr/bin/env bash
# The sanitizer stage of tests/run_all.sh (issue 13), each in its own build
# directory (ccache when installed):
#   build-asan  gcc, ASan + UBSan (-fno-sanitize-recover: the first report
#               fails the test): every ctest suite except the *_shared ones
#               (the trained-model accuracy runs on ../shared: ~10x slower
#               under ASan, and they exercise no code the others do not);
#   build-tsan  gcc, TSan: thread_pool_test (ThreadPool, and one Model with
#               many Taggers sharing one pool) and thread_pool_stress_test
#               (lost wake-ups: short loops, oversubscribed pools, SIGSTOP);
#   build-fuzz  clang 14, libFuzzer + ASan + UBSan: every tests/fuzz/fuzz_*
#               harness for EDGEBERT_FUZZ_SECONDS (default 30) each
#               (tests/fuzz/run.sh).
# Exits 1 if any stage fails; prints one summary line per stage.
set -uo pipefail
cd "$(dirname "$0")/.."
launcher=()
command -v ccache >/dev/null &&
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
            -DCMAKE_C_COMPILER_LAUNCHER=ccache)

configure() {  # DIR SANITIZERS
  mkdir -p "$1"
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DEDGEBERT_SANITIZE=$2" "${launcher[@]}" >"$1/configure.log" 2>&1 ||
    { cat "$1/configure.log"; return 1; }
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
asan() {
  configure build-asan address,undefined && nice cmake --build build-asan &&
    ctest --test-dir build-asan -E '_shared$' --output-on-failure --timeout 900
}
tsan() {
  configure build-tsan thread &&
    nice cmake --build build-tsan --target thread_pool_test \
      thread_pool_stress_test &&
    ctest --test-dir build-tsan -R '^thread_pool_(stress_)?test$' \
      --output-on-failure --timeout 900
}
fuzz() { bash tests/fuzz/run.sh "${EDGEBERT_FUZZ_SECONDS:-30}"; }

status=0
summary=()
for stage in asan tsan fuzz; do
  t0=$(date +%s)
  if "$stage"; then result=passed; else result=FAILED; status=1; fi
  summary+=("$stage $result ($(($(date +%s) - t0))s)")
done
echo "== sanitizers: ${summary[*]}"
exit $status
