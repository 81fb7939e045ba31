# Converter, safetensors reader and checksum tests (tests/convert_test.cc).
edgebert_test(convert_test SOURCES convert_test.cc
  LIBS edgebert_convert_lib edgebert_safetensors)
