# Shared part of the Linux cross toolchain files. The including file sets
#   EDGEBERT_TRIPLE    GNU triple of the Debian cross compiler (g++-<triple>)
#   EDGEBERT_DEB_ARCH  Debian architecture (arm64, armhf): default sysroot name
#   EDGEBERT_QEMU_ARCH qemu-user suffix (aarch64, arm)
#   EDGEBERT_QEMU_CPU_DEFAULT  CPU model emulated by default
# before including this file.
#
# Layout: the C library and libstdc++ of the target come from the Debian
# cross compiler packages (/usr/<triple>); the third-party libraries come
# from EDGEBERT_SYSROOT, a directory of target .debs extracted by
# ports/make_sysroot.sh (it has no libc, so it is not a CMAKE_SYSROOT).

set(CMAKE_SYSTEM_NAME Linux)

# Sysroot: -DEDGEBERT_SYSROOT=... or $EDGEBERT_SYSROOT, else
# <repo>/sysroots/<deb arch>. Exported to the environment so that
# try_compile() projects, which re-read this file, see the same value.
get_filename_component(_eb_repo "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT EDGEBERT_SYSROOT)
  if(DEFINED ENV{EDGEBERT_SYSROOT} AND NOT "$ENV{EDGEBERT_SYSROOT}" STREQUAL "")
    set(EDGEBERT_SYSROOT "$ENV{EDGEBERT_SYSROOT}")
  else()
    set(EDGEBERT_SYSROOT "${_eb_repo}/sysroots/${EDGEBERT_DEB_ARCH}")
  endif()
endif()
get_filename_component(EDGEBERT_SYSROOT "${EDGEBERT_SYSROOT}" ABSOLUTE)
set(EDGEBERT_SYSROOT "${EDGEBERT_SYSROOT}" CACHE PATH
    "Extracted target .debs (ports/make_sysroot.sh ${EDGEBERT_DEB_ARCH} DIR)")
set(ENV{EDGEBERT_SYSROOT} "${EDGEBERT_SYSROOT}")
if(NOT EXISTS "${EDGEBERT_SYSROOT}/usr/include/hwy/highway.h")
  message(FATAL_ERROR "EDGEBERT_SYSROOT=${EDGEBERT_SYSROOT} has no "
          "usr/include/hwy/highway.h; create it with: "
          "ports/make_sysroot.sh ${EDGEBERT_DEB_ARCH} ${EDGEBERT_SYSROOT}")
endif()

set(CMAKE_C_COMPILER "${EDGEBERT_TRIPLE}-gcc")
set(CMAKE_CXX_COMPILER "${EDGEBERT_TRIPLE}-g++")
# Debian multiarch: find_library() looks in <root>/usr/lib/<triple>.
set(CMAKE_LIBRARY_ARCHITECTURE "${EDGEBERT_TRIPLE}")

set(CMAKE_FIND_ROOT_PATH "${EDGEBERT_SYSROOT};/usr/${EDGEBERT_TRIPLE}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Shared libraries in the sysroot depend on each other (libXNNPACK ->
# libcpuinfo, libpthreadpool); let the linker resolve those there.
set(_eb_libdirs
    "${EDGEBERT_SYSROOT}/usr/lib/${EDGEBERT_TRIPLE}"
    "${EDGEBERT_SYSROOT}/lib/${EDGEBERT_TRIPLE}")
set(_eb_link "")
foreach(_d IN LISTS _eb_libdirs)
  string(APPEND _eb_link " -Wl,-rpath-link,${_d}")
endforeach()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_eb_link}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_eb_link}")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "${_eb_link}")

# Tests run under qemu-user through ports/qemu-run.sh; $QEMU_CPU at test time
# overrides EDGEBERT_QEMU_CPU, so one build serves all emulated CPUs.
set(EDGEBERT_QEMU_CPU "${EDGEBERT_QEMU_CPU_DEFAULT}" CACHE STRING
    "qemu-${EDGEBERT_QEMU_ARCH} -cpu model for ctest (env QEMU_CPU overrides)")
set(CMAKE_CROSSCOMPILING_EMULATOR
    "${_eb_repo}/ports/qemu-run.sh;--arch;${EDGEBERT_QEMU_ARCH};--sysroot;${EDGEBERT_SYSROOT};--cpu;${EDGEBERT_QEMU_CPU};--")

list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES
     EDGEBERT_SYSROOT EDGEBERT_QEMU_CPU)
