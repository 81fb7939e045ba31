#!/usr/bin/env bash
# cross_test.sh ARCH [CPU...]
#
# Cross-builds edgebert for ARCH (arm64 | armhf) against Debian bookworm
# target packages and runs the ctest suite under qemu-user once per emulated
# CPU. Default CPUs:
#   arm64: cortex-a72 (Pi 4, NEON, no dot product), cortex-a76 (Pi 5, NEON +
#          dotprod), max (SVE2, 512-bit vectors: Highway picks SVE2),
#          max,sve-default-vector-length=16 (SVE2_128, as Neoverse N2) and
#          max,sve-default-vector-length=32 (SVE_256, as Neoverse V1)
#   armhf: cortex-a7 (Pi 2/3 class, NEON-VFPv4)
# A CPU may carry qemu properties, as the last two. CPUs with a fixed SVE
# vector length run only the int8/f32 kernel suites (gemm_i8_test,
# kernel_test) unless CTEST_ARGS is set, and only the int8 half of the x86
# consistency check; every CPU runs `edgebert info`, whose int8_kernel must
# be the one expected for the CPU (e.g. SVE2_128:dotprod; see
# expected_int8_kernel).
# Exits non-zero if the sysroot, configure, build or any CPU's tests fail, or
# if no tests are registered.
#
# Environment (all optional):
#   EDGEBERT_SYSROOTS       sysroot cache dir (default <repo>/sysroots)
#   EDGEBERT_CROSS_BUILD    build dir (default <repo>/build-ARCH)
#   EDGEBERT_CROSS_TARGETS  ninja targets, space separated (default: all)
#   EDGEBERT_CMAKE_ARGS     extra cmake configure arguments
#   EDGEBERT_CROSS_USE_SHARED=1  let tests use ../shared (off by default:
#                           large models under emulation are slow)
#   CTEST_ARGS              extra ctest arguments (e.g. "-R kernel")
#   JOBS                    build parallelism (default 2)
set -uo pipefail

usage() { echo "usage: $0 arm64|armhf [CPU...]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
arch=$1
shift
case "$arch" in
  arm64)
    toolchain=aarch64-linux-gnu
    # shellcheck disable=SC2054  # commas are qemu CPU properties
    cpus=(cortex-a72 cortex-a76 max max,sve-default-vector-length=16
          max,sve-default-vector-length=32) ;;
  armhf) toolchain=arm-linux-gnueabihf; cpus=(cortex-a7) ;;
  *) usage ;;
esac
[[ $# -gt 0 ]] && cpus=("$@")

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sysroot=${EDGEBERT_SYSROOTS:-$repo/sysroots}/$arch
build=${EDGEBERT_CROSS_BUILD:-$repo/build-$arch}
jobs=${JOBS:-2}

now() { date +%s; }
step() { echo "== cross_test[$arch]: $*"; }
die() { echo "cross_test[$arch]: FAILED: $*" >&2; exit 1; }

# Host tools (cmake, ninja, flatc, the cross compilers, qemu-user); a no-op
# when all are installed.
bash "$repo/ports/debian-deps.sh" --cross || die "ports/debian-deps.sh --cross"

t0=$(now)
step "sysroot $sysroot"
"$repo/ports/make_sysroot.sh" "$arch" "$sysroot" || die "make_sysroot.sh"
t_sysroot=$(($(now) - t0))

cmake_args=(
  -S "$repo" -B "$build" -G Ninja
  -DCMAKE_BUILD_TYPE=Release
  "-DCMAKE_TOOLCHAIN_FILE=$repo/toolchains/$toolchain.cmake"
  "-DEDGEBERT_SYSROOT=$sysroot"
  -DEDGEBERT_BUILD_TESTS=ON
)
if [[ "${EDGEBERT_CROSS_USE_SHARED:-0}" != 1 ]]; then
  # A path that never exists: tests needing ../shared skip themselves.
  cmake_args+=("-DEDGEBERT_SHARED_DIR=$build/no-shared-dir")
fi
# shellcheck disable=SC2206  # word splitting of user-supplied args intended
cmake_args+=(${EDGEBERT_CMAKE_ARGS:-})

t1=$(now)
step "configure $build"
cmake "${cmake_args[@]}" || die "cmake configure"
step "build (-j$jobs) ${EDGEBERT_CROSS_TARGETS:-all}"
# shellcheck disable=SC2086
ninja -C "$build" -j "$jobs" ${EDGEBERT_CROSS_TARGETS:-} || die "build"
t_build=$(($(now) - t1))

case "$arch" in arm64) qarch=aarch64 ;; armhf) qarch=arm ;; esac
native=${EDGEBERT_NATIVE_BUILD:-$repo/build}

# The int8 kernel `edgebert info` must name under each emulated CPU (empty:
# not asserted). Every aarch64 CPU with the dot product extension runs sdot,
# whatever Highway target (NEON, SVE, SVE2, SVE_256, SVE2_128) it picks.
expected_int8_kernel() {
  case "$arch:$1" in
    arm64:cortex-a72) echo "NEON:neon" ;;
    arm64:cortex-a76) echo "NEON:dotprod" ;;
    arm64:max) echo "SVE2:dotprod" ;;
    arm64:max,sve-default-vector-length=16) echo "SVE2_128:dotprod" ;;
    arm64:max,sve-default-vector-length=32) echo "SVE_256:dotprod" ;;
    *) echo "" ;;
  esac
}

# A small int8 model for `info` (tiny_random fixture, converted natively).
info_model=$build/info-check/tiny-int8.ebm
if [[ -x $native/bin/edgebert-convert ]]; then
  mkdir -p "$build/info-check"
  "$native/bin/edgebert-convert" --input "$repo/tests/fixtures/tiny_random" \
    --output "$info_model" --precision int8 \
    --calibration "$repo/tests/fixtures/tiny_random/calib.txt" --quiet ||
    die "edgebert-convert of the info-check model"
fi

# Prints "passed (<kernel>)" or a FAILED line; returns 1 on a mismatch.
check_info_kernel() {
  local cpu=$1 want got
  want=$(expected_int8_kernel "$cpu")
  [[ -f $info_model ]] || { echo "skipped (no native build)"; return 0; }
  got=$(QEMU_CPU=$cpu "$repo/ports/qemu-run.sh" --arch "$qarch" \
          --sysroot "$sysroot" -- "$build/bin/edgebert" info \
          --model "$info_model" |
        sed -n 's/^ *"int8_kernel": "\(.*\)",\{0,1\}$/\1/p')
  if [[ -z $want ]]; then echo "not asserted ($got)"; return 0; fi
  if [[ $got == "$want" ]]; then echo "passed ($got)"; return 0; fi
  echo "FAILED (int8_kernel '$got', want '$want')"
  return 1
}

subset_regex='^(gemm_i8_test|kernel_test)$'
declare -A result seconds info
status=0
for cpu in "${cpus[@]}"; do
  step "ctest with QEMU_CPU=$cpu"
  t2=$(now)
  args=${CTEST_ARGS:-}
  if [[ -z $args && $cpu == *sve-default-vector-length=* ]]; then
    args="-R $subset_regex"
  fi
  # shellcheck disable=SC2086
  if QEMU_CPU=$cpu ctest --test-dir "$build" --output-on-failure \
       --no-tests=error -j "$jobs" $args; then
    result[$cpu]=passed
  else
    result[$cpu]=FAILED
    status=1
  fi
  info[$cpu]=$(check_info_kernel "$cpu") || status=1
  seconds[$cpu]=$(($(now) - t2))
done

# Same model + input as x86 -> same entities (needs the native build).
consistency=skipped
full_cpus=() int8_cpus=()
for cpu in "${cpus[@]}"; do
  if [[ $cpu == *sve-default-vector-length=* ]]; then int8_cpus+=("$cpu")
  else full_cpus+=("$cpu"); fi
done
if [[ -x $native/bin/cross_compare ]]; then
  step "consistency with x86 ($native)"
  consistency=passed
  emulator="$repo/ports/qemu-run.sh --arch $qarch --sysroot $sysroot --"
  if [[ ${#full_cpus[@]} -gt 0 ]] &&
     ! "$repo/tests/cross_consistency.sh" "$native" "$build" "$emulator" \
       "${full_cpus[@]}"; then
    consistency=FAILED
    status=1
  fi
  # Fixed-length SVE CPUs: int8 only (their int8 kernel routing is what
  # differs; the f32 kernels there are covered by kernel_test).
  if [[ ${#int8_cpus[@]} -gt 0 ]] &&
     ! EDGEBERT_CONSISTENCY_PRECISIONS=int8 \
       "$repo/tests/cross_consistency.sh" "$native" "$build" "$emulator" \
       "${int8_cpus[@]}"; then
    consistency=FAILED
    status=1
  fi
elif [[ "${CI:-}" == true ]]; then
  consistency="FAILED (no native build at $native)"
  status=1
fi

# Shared-data subset (the *_shared ctests skip without ../shared, and
# under emulation by default): pd-tiny int8 `eval` on the first 50 People's
# Daily dev sentences under the first CPU must print the same counts and F1
# as natively (int8 is bit-identical across CPUs).
shared_subset=skipped
shared=${EDGEBERT_SHARED_DIR:-$repo/../shared}
if [[ -x $native/bin/edgebert-convert &&
      -f $shared/models/pd-tiny/model.safetensors &&
      -f $shared/data/peoples_daily/example.dev ]]; then
  step "shared-data subset: pd-tiny int8 eval, 50 PD dev sentences, ${cpus[0]}"
  work=$build/shared-subset
  mkdir -p "$work"
  awk 'NF == 0 { if (++n == 50) exit } { print }' \
    "$shared/data/peoples_daily/example.dev" >"$work/pd50.bio"
  strip_run() { sed -e 's/"seconds":[^,}]*,\{0,1\}//' -e 's/"data":"[^"]*",\{0,1\}//'; }
  if "$native/bin/edgebert-convert" --input "$shared/models/pd-tiny" \
       --output "$work/pd-tiny-int8.ebm" --quiet &&
     "$native/bin/edgebert" eval --model "$work/pd-tiny-int8.ebm" \
       --data "$work/pd50.bio" | strip_run >"$work/native.json" &&
     QEMU_CPU=${cpus[0]} "$repo/ports/qemu-run.sh" --arch "$qarch" \
       --sysroot "$sysroot" -- "$build/bin/edgebert" eval \
       --model "$work/pd-tiny-int8.ebm" --data "$work/pd50.bio" |
       strip_run >"$work/emulated.json" &&
     [[ -s $work/native.json ]] &&
     cmp -s "$work/native.json" "$work/emulated.json"; then
    shared_subset="passed ($(cat "$work/emulated.json"))"
  else
    shared_subset=FAILED
    status=1
    diff "$work/native.json" "$work/emulated.json" >&2
  fi
fi

echo
echo "== cross_test[$arch] summary (sysroot ${t_sysroot}s," \
     "configure+build ${t_build}s)"
for cpu in "${cpus[@]}"; do
  printf '   %-8s %-34s %-7s %4ss  info int8_kernel: %s\n' "$arch" "$cpu" \
         "${result[$cpu]}" "${seconds[$cpu]}" "${info[$cpu]}"
done
echo "   consistency with x86: $consistency"
echo "   shared-data subset (${cpus[0]}): $shared_subset"
[[ $status -eq 0 ]] || echo "cross_test[$arch]: FAILED" >&2
exit $status
