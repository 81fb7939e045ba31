# owned by the kernels component
edgebert_test(kernel_test SOURCES kernel_test.cc LIBS edgebert_kernels_ref)
edgebert_test(activation_lstm_test SOURCES activation_lstm_test.cc
  LIBS edgebert_kernels_ref)
