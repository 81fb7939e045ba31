# Python-side ALBERT reference and fixtures (tests/tools/test_albert_*.py):
# the torch reference against tiny_random's BERT reference, the committed
# albert_tiny_random fixtures and their TF1 bundles. Host Python with torch
# and pytest; reported as skipped (77) when they are missing.
if(NOT CMAKE_CROSSCOMPILING AND EXISTS /usr/bin/python3)
  execute_process(COMMAND /usr/bin/python3 -c "import torch, pytest"
                  RESULT_VARIABLE EDGEBERT_ALBERT_PY_MISSING
                  OUTPUT_QUIET ERROR_QUIET)
  if(EDGEBERT_ALBERT_PY_MISSING)
    add_test(NAME albert_ref_pytest
      COMMAND /bin/sh -c "echo 'SKIPPED: /usr/bin/python3 lacks torch or pytest (python3-torch python3-pytest)'; exit 77")
  else()
    add_test(NAME albert_ref_pytest
      COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider
              "${CMAKE_SOURCE_DIR}/tests/tools/test_albert_ref.py"
              "${CMAKE_SOURCE_DIR}/tests/tools/test_albert_tf.py")
  endif()
  set_tests_properties(albert_ref_pytest PROPERTIES SKIP_RETURN_CODE 77)
endif()

# The C++ side: conversion of the HF fixtures, f32 logits against their
# reference.json, int8 across Highway targets, bad layer mappings.
edgebert_test(albert_test SOURCES albert_test.cc
  LIBS edgebert edgebert_convert_lib edgebert_kernels_ref)
target_include_directories(albert_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")
