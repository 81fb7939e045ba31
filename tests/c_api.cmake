# The C API (libedgebert.so) from a C99 program: tests/c_api_test.c on the
# demo model, converted to int8 by the fixture test c_api_model.
set(EB_C_API_MODEL "${CMAKE_CURRENT_BINARY_DIR}/c_api_resume_tiny.ebm")
add_test(NAME c_api_model COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR}
  $<TARGET_FILE:edgebert-convert> --quiet --precision int8
  --input "${CMAKE_SOURCE_DIR}/quantize/demo/resume-tiny"
  --output "${EB_C_API_MODEL}")
set_tests_properties(c_api_model PROPERTIES FIXTURES_SETUP c_api_model)

add_executable(c_api_test c_api_test.c)
set_target_properties(c_api_test PROPERTIES C_STANDARD 99
  C_STANDARD_REQUIRED ON)
target_link_libraries(c_api_test PRIVATE edgebert_c Threads::Threads)
add_test(NAME c_api_test COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR}
  $<TARGET_FILE:c_api_test> "${EB_C_API_MODEL}")
set_tests_properties(c_api_test PROPERTIES FIXTURES_REQUIRED c_api_model
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
