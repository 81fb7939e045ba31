# 32-bit Arm Linux, hard float (Debian armhf; 32-bit Raspberry Pi OS on
# Pi 2 v1.1 and later). Debian's armhf baseline is ARMv7-A + VFPv3-D16; we
# require NEON + VFPv4 (every Cortex-A7/A53/A72/A76) so that Highway compiles
# its NEON target statically: Highway has no dynamic dispatch on armhf.
#   ports/make_sysroot.sh armhf sysroots/armhf
#   cmake -S . -B build-armhf -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(EDGEBERT_TRIPLE arm-linux-gnueabihf)
set(EDGEBERT_DEB_ARCH armhf)
set(EDGEBERT_QEMU_ARCH arm)
set(EDGEBERT_QEMU_CPU_DEFAULT cortex-a7)

set(_eb_arm_flags
    "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -mfp16-format=ieee")
set(CMAKE_C_FLAGS_INIT "${_eb_arm_flags}")
# -Wno-psabi: silences GCC's note that passing some std:: types changed in
# GCC 7.1; everything here is built by GCC 12.
set(CMAKE_CXX_FLAGS_INIT "${_eb_arm_flags} -Wno-psabi")

# The f32 GEMMs use the Highway kernel (runtime/kernels/gemm_f32_hwy.*) here;
# -DEDGEBERT_XNNPACK=AUTO opts into Debian's armhf libXNNPACK instead.
set(EDGEBERT_XNNPACK OFF CACHE STRING
    "Use XNNPACK for f32 GEMMs: AUTO (if found), ON (required), OFF")

include("${CMAKE_CURRENT_LIST_DIR}/linux-cross-common.cmake")
