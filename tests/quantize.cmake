# Converter, safetensors reader and checksum tests (tests/convert_test.cc).
edgebert_test(convert_test SHARED SOURCES convert_test.cc
  LIBS edgebert_convert_lib edgebert_safetensors)

# The int8 path (tests/quantize_int8_test.cc): calibration, smoothing, guard.
edgebert_test(quantize_int8_test SHARED SOURCES quantize_int8_test.cc
  LIBS edgebert_convert_lib edgebert)

# The CLI itself: converts the fixture; a refused precision exits non-zero.
add_test(NAME convert_cli
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/tiny_random.ebm")
add_test(NAME convert_cli_int8_calibrated
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/tiny_random_int8.ebm"
          --precision int8
          --calibration "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random/calib.txt"
          --smooth-alpha 0.5 --min-fidelity 0.5 --calibration-limit 40)
add_test(NAME convert_cli_error
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/never.ebm" --precision int4)
set_tests_properties(convert_cli_error PROPERTIES WILL_FAIL TRUE)
