# CLI contract and end-to-end accuracy (tests/cli_test.cc), as subprocesses.
edgebert_test(cli_test SOURCES cli_test.cc LIBS edgebert)
target_include_directories(cli_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")
string(REPLACE ";" " " EB_EMU "${CMAKE_CROSSCOMPILING_EMULATOR}")
target_compile_definitions(cli_test PRIVATE
  EDGEBERT_CLI_PATH="$<TARGET_FILE:edgebert_cli>"
  EDGEBERT_CONVERT_PATH="$<TARGET_FILE:edgebert-convert>"
  EDGEBERT_EMULATOR="${EB_EMU}")
add_dependencies(cli_test edgebert_cli edgebert-convert)

# Native tool that compares `edgebert tag --tokens` outputs of two CPUs
# (used by ports/cross_test.sh; not a ctest).
if(NOT CMAKE_CROSSCOMPILING)
  add_executable(cross_compare cross_compare.cc)
  target_include_directories(cross_compare PRIVATE "${NLOHMANN_INCLUDE_DIR}")
endif()
