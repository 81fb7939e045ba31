# owned by the head component
edgebert_test(head_test SHARED
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/head_test.cc
  LIBS edgebert_head)
