# owned by the ops component
edgebert_test(gemm_f32_test SOURCES gemm_f32_test.cc LIBS edgebert_ops
  edgebert_kernels_ref)
