# Dependencies, found as plain headers + libraries so that the same code works
# natively and against a cross sysroot (CMAKE_SYSROOT / CMAKE_FIND_ROOT_PATH).

find_package(Threads REQUIRED)

function(edgebert_find_lib var header lib)
  find_path(${var}_INCLUDE_DIR ${header})
  find_library(${var}_LIBRARY ${lib})
  if(NOT ${var}_INCLUDE_DIR OR NOT ${var}_LIBRARY)
    message(FATAL_ERROR "edgebert: ${header} / lib${lib} not found "
                        "(install the Debian -dev package)")
  endif()
  add_library(eb::${lib} UNKNOWN IMPORTED)
  set_target_properties(eb::${lib} PROPERTIES
      IMPORTED_LOCATION "${${var}_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${${var}_INCLUDE_DIR}")
endfunction()

edgebert_find_lib(HWY hwy/highway.h hwy)
edgebert_find_lib(PTHREADPOOL pthreadpool.h pthreadpool)
edgebert_find_lib(UTF8PROC utf8proc.h utf8proc)
set_property(TARGET eb::pthreadpool APPEND PROPERTY
    INTERFACE_LINK_LIBRARIES Threads::Threads)

# Header-only.
find_path(FLATBUFFERS_INCLUDE_DIR flatbuffers/flatbuffers.h REQUIRED)
find_path(NLOHMANN_INCLUDE_DIR nlohmann/json.hpp REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
find_path(DOCTEST_INCLUDE_DIR doctest/doctest.h)
# XXH64 (runtime/model/checksum.h) is compiled inline from libxxhash-dev's
# header: no run-time library.
find_path(XXHASH_INCLUDE_DIR xxhash.h REQUIRED)
add_library(eb::xxhash INTERFACE IMPORTED)
set_target_properties(eb::xxhash PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${XXHASH_INCLUDE_DIR}")

# flatc runs on the build machine, never from the sysroot.
find_program(FLATC flatc NO_CMAKE_FIND_ROOT_PATH REQUIRED)

# XNNPACK (amd64/arm64 only in Debian).
set(EDGEBERT_HAVE_XNNPACK OFF)
if(NOT EDGEBERT_XNNPACK STREQUAL "OFF")
  find_path(XNNPACK_INCLUDE_DIR xnnpack.h)
  find_library(XNNPACK_LIBRARY XNNPACK)
  find_library(CPUINFO_LIBRARY cpuinfo)
  if(XNNPACK_INCLUDE_DIR AND XNNPACK_LIBRARY AND CPUINFO_LIBRARY)
    set(EDGEBERT_HAVE_XNNPACK ON)
    add_library(eb::xnnpack UNKNOWN IMPORTED)
    set_target_properties(eb::xnnpack PROPERTIES
        IMPORTED_LOCATION "${XNNPACK_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${XNNPACK_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${CPUINFO_LIBRARY};eb::pthreadpool")
  elseif(EDGEBERT_XNNPACK STREQUAL "ON")
    message(FATAL_ERROR "EDGEBERT_XNNPACK=ON but XNNPACK was not found "
                        "(install libxnnpack-dev)")
  endif()
endif()
message(STATUS "edgebert: XNNPACK f32 GEMM backend: ${EDGEBERT_HAVE_XNNPACK}")
