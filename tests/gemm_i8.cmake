# int8 GEMM + quantization codec (owned by the gemm_i8 component).
edgebert_test(gemm_i8_test SOURCES gemm_i8_test.cc LIBS edgebert_kernels_ref)
edgebert_test(attention_i8_test SOURCES attention_i8_test.cc
  LIBS edgebert_kernels_ref)
