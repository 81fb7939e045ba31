# 64-bit Arm Linux (Debian arm64; Raspberry Pi 4/5 on 64-bit Raspberry Pi OS).
# Baseline ARMv8-A + NEON; Highway dispatches NEON / SVE / SVE2 at run time.
#   ports/make_sysroot.sh arm64 sysroots/arm64
#   cmake -S . -B build-arm64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
# Tests run under qemu-aarch64 -cpu ${EDGEBERT_QEMU_CPU} (env QEMU_CPU wins):
# cortex-a72 = Pi 4 (no dot product), cortex-a76 = Pi 5 (dotprod), max = SVE2.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(EDGEBERT_TRIPLE aarch64-linux-gnu)
set(EDGEBERT_DEB_ARCH arm64)
set(EDGEBERT_QEMU_ARCH aarch64)
set(EDGEBERT_QEMU_CPU_DEFAULT cortex-a72)
include("${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake")
