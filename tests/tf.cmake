# TensorFlow checkpoint reader, label maps and --inspect
# (tests/tf_bundle_test.cc, tests/labels_test.cc, tests/inspect_test.cc).
edgebert_test(tf_bundle_test SOURCES tf_bundle_test.cc
  LIBS edgebert_tf_bundle)
target_include_directories(tf_bundle_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

edgebert_test(labels_test SOURCES labels_test.cc LIBS edgebert_labels)
