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
# --keep-f32 takes a comma-separated list; an unknown name is refused.
add_test(NAME convert_cli_keep_f32
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/tiny_random_keep.ebm"
          --calibration "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random/calib.txt"
          --keep-f32 layer.0.ffn.out.weight,embeddings.word --quiet)
add_test(NAME convert_cli_keep_f32_error
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/never_keep.ebm"
          --keep-f32 layer.0.ffn.out.weight,nonesuch --quiet)
set_tests_properties(convert_cli_keep_f32_error PROPERTIES
  PASS_REGULAR_EXPRESSION "--keep-f32 'nonesuch' is not")
# --two-pass takes a comma-separated list (or auto / none); an unknown name
# is refused.
add_test(NAME convert_cli_two_pass
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/tiny_random_two_pass.ebm"
          --calibration "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random/calib.txt"
          --two-pass layer.0.attention.qkv.weight,layer.1.ffn.out.weight
          --quiet)
add_test(NAME convert_cli_two_pass_error
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/never_two_pass.ebm"
          --two-pass auto,nonesuch --quiet)
set_tests_properties(convert_cli_two_pass_error PROPERTIES
  PASS_REGULAR_EXPRESSION "--two-pass 'nonesuch' is not")
add_test(NAME convert_cli_error
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --input "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
          --output "${CMAKE_CURRENT_BINARY_DIR}/never.ebm" --precision int4)
set_tests_properties(convert_cli_error PROPERTIES WILL_FAIL TRUE)
