edgebert_test(model_test SOURCES model_test.cc LIBS edgebert edgebert_convert_lib)
target_include_directories(model_test PRIVATE "${NLOHMANN_INCLUDE_DIR}")

# int8 accuracy acceptance on ../shared's trained taggers.
edgebert_test(accuracy_test SHARED SOURCES accuracy_test.cc
  LIBS edgebert edgebert_convert_lib)
