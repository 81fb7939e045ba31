#!/usr/bin/env bash
# qemu-run.sh --arch aarch64|arm --sysroot DIR [--cpu CPU] [--] PROGRAM ARGS...
#
# CMAKE_CROSSCOMPILING_EMULATOR for the toolchains/ files: runs a target
# binary under qemu-user with
#   - the cross compiler's libc/libstdc++ as loader prefix (-L /usr/<triple>,
#     or $QEMU_LD_PREFIX if set),
#   - the sysroot's Debian libraries (libhwy, libXNNPACK, ...) on the guest's
#     LD_LIBRARY_PATH,
#   - the emulated CPU taken from $QEMU_CPU if set, else --cpu. One build thus
#     serves every CPU: `QEMU_CPU=max ctest ...`.
# The guest sees the host's file system, so paths in arguments work as is.
set -euo pipefail

arch="" sysroot="" cpu=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --sysroot) sysroot=$2; shift 2 ;;
    --cpu) cpu=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
if [[ -z "$arch" || $# -eq 0 ]]; then
  echo "usage: $0 --arch aarch64|arm --sysroot DIR [--cpu CPU] [--]" \
       "PROGRAM ARGS..." >&2
  exit 2
fi

case "$arch" in
  aarch64) triple=aarch64-linux-gnu ;;
  arm) triple=arm-linux-gnueabihf ;;
  *) echo "qemu-run.sh: --arch must be aarch64 or arm, got '$arch'" >&2
     exit 2 ;;
esac

qemu=""
for q in "qemu-$arch" "qemu-$arch-static"; do
  if command -v "$q" >/dev/null; then qemu=$q; break; fi
done
if [[ -z "$qemu" ]]; then
  echo "qemu-run.sh: qemu-$arch not found (apt-get install qemu-user)" >&2
  exit 127
fi

cpu=${QEMU_CPU:-$cpu}
args=(-L "${QEMU_LD_PREFIX:-/usr/$triple}")
[[ -n "$cpu" ]] && args+=(-cpu "$cpu")
libpath=""
if [[ -n "$sysroot" ]]; then
  libpath="$sysroot/usr/lib/$triple:$sysroot/lib/$triple"
fi
if [[ -n "${EDGEBERT_GUEST_LD_LIBRARY_PATH:-}" ]]; then
  libpath="$EDGEBERT_GUEST_LD_LIBRARY_PATH${libpath:+:$libpath}"
fi
[[ -n "$libpath" ]] && args+=(-E "LD_LIBRARY_PATH=$libpath")
# Lets test suites shrink their largest shapes (tests/test_env.h).
args+=(-E EDGEBERT_EMULATED=1)
# A host LD_PRELOAD names host-architecture libraries: hide it from the guest.
[[ -n "${LD_PRELOAD:-}" ]] && args+=(-U LD_PRELOAD)
exec "$qemu" "${args[@]}" "$@"
