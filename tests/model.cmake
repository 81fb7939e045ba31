edgebert_test(model_test SOURCES model_test.cc LIBS edgebert edgebert_convert_lib)
target_include_directories(model_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

# int8 accuracy acceptance on ../shared's trained taggers.
edgebert_test(accuracy_test SHARED SOURCES accuracy_test.cc
  LIBS edgebert edgebert_convert_lib)
# Heads of the TensorFlow NER pipelines against a torch reference.
edgebert_test(tf_heads_test SOURCES tf_heads_test.cc
  LIBS edgebert edgebert_convert_lib edgebert_kernels_ref)
target_include_directories(tf_heads_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

# Hostile and changing model files (issue 13): layouts, checksums, bounds,
# truncation while in use.
edgebert_test(model_file_test SOURCES model_file_test.cc
  LIBS edgebert edgebert_convert_lib)
# int8 attention at model level (tiny_random fixture, both attention modes).
edgebert_test(attention_i8_model_test SOURCES attention_i8_model_test.cc
  LIBS edgebert edgebert_convert_lib)
target_include_directories(attention_i8_model_test PRIVATE
  "${NLOHMANN_INCLUDE_DIR}")
