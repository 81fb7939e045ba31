# TensorFlow checkpoint reader, label maps and --inspect
# (tests/tf_bundle_test.cc, tests/labels_test.cc, tests/inspect_test.cc).
edgebert_test(tf_bundle_test SOURCES tf_bundle_test.cc
  LIBS edgebert_tf_bundle)
target_include_directories(tf_bundle_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

edgebert_test(labels_test SOURCES labels_test.cc LIBS edgebert_labels)

edgebert_test(inspect_test SOURCES inspect_test.cc LIBS edgebert_inspect)

# The TF1 folder reader through Convert (tests/tf_convert_test.cc).
edgebert_test(tf_convert_test SOURCES tf_convert_test.cc
  LIBS edgebert_convert_lib)
target_include_directories(inspect_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

# The flag itself: one JSON line per tensor of the committed TF fixture.
add_test(NAME convert_cli_inspect
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --inspect "${CMAKE_SOURCE_DIR}/tests/fixtures/tf/seed_softmax")
set_tests_properties(convert_cli_inspect PROPERTIES PASS_REGULAR_EXPRESSION
  "{\"name\":\"bert/encoder/layer_1/attention/self/query/kernel\",\"dtype\":\"float32\",\"shape\":\\[64,64\\]}")
add_test(NAME convert_cli_inspect_error
  COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:edgebert-convert>
          --inspect "${CMAKE_SOURCE_DIR}/tests/fixtures/labels")
set_tests_properties(convert_cli_inspect_error PROPERTIES WILL_FAIL TRUE)

# The fixture writer (tests/tools/write_tf_checkpoint.py) against the
# committed fixtures and TF's own bytes; host Python, skipped (77) without
# numpy / python3-snappy.
if(NOT CMAKE_CROSSCOMPILING AND EXISTS /usr/bin/python3)
  add_test(NAME tf_writer_check
    COMMAND /usr/bin/python3 "${CMAKE_SOURCE_DIR}/tests/tools/check_tf_writer.py"
            "${CMAKE_SOURCE_DIR}" "${EDGEBERT_SHARED_DIR}")
  set_tests_properties(tf_writer_check PROPERTIES SKIP_RETURN_CODE 77)
endif()

# TF1 folders through the converter and the CLI against a float64 torch run
# of the TF graph (tests/tools/check_tf_convert.py): softmax (f32 + int8),
# CRF and BiLSTM-CRF seed-style checkpoints. Host Python with torch; skipped
# (77) without it. The non-shared entry uses tests/fixtures/tiny_random and
# random sentences (2 stacked LSTM cells); the _shared one resume-tiny on the
# Resume dev sentences that fit the 128-token window.
if(NOT CMAKE_CROSSCOMPILING AND EXISTS /usr/bin/python3)
  add_test(NAME tf_convert_heads
    COMMAND /usr/bin/python3 "${CMAKE_SOURCE_DIR}/tests/tools/check_tf_convert.py"
            --bin $<TARGET_FILE_DIR:edgebert-convert>
            --hf "${CMAKE_SOURCE_DIR}/tests/fixtures/tiny_random"
            --random 60 --max-seq-len 48 --lstm-units 16 --lstm-layers 2
            --heads softmax,crf,crf-output,bilstm-crf
            --int8-f1 0.9)
  add_test(NAME tf_convert_shared
    COMMAND /usr/bin/python3 "${CMAKE_SOURCE_DIR}/tests/tools/check_tf_convert.py"
            --bin $<TARGET_FILE_DIR:edgebert-convert>
            --hf "${EDGEBERT_SHARED_DIR}/models/resume-tiny"
            --bio "${EDGEBERT_SHARED_DIR}/data/resume_ner/dev.char.bio"
            --bilstm-every 6)
  set_tests_properties(tf_convert_heads tf_convert_shared PROPERTIES
    SKIP_RETURN_CODE 77)
endif()

# Bad TF input through the converter CLI: exit 1, one error line naming the
# problem, no output file (tests/tools/check_tf_convert_errors.py).
if(NOT CMAKE_CROSSCOMPILING AND EXISTS /usr/bin/python3)
  add_test(NAME tf_convert_errors
    COMMAND /usr/bin/python3
            "${CMAKE_SOURCE_DIR}/tests/tools/check_tf_convert_errors.py"
            $<TARGET_FILE:edgebert-convert> "${CMAKE_SOURCE_DIR}")
  set_tests_properties(tf_convert_errors PROPERTIES SKIP_RETURN_CODE 77)
endif()
