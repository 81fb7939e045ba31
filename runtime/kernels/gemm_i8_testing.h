// Test hooks of the int8 GEMM. Test library only (edgebert_kernels_ref).
#ifndef EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TESTING_H_
#define EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TESTING_H_

namespace edgebert::kernels {

// When true, NEON uses the non-dotprod kernel even on CPUs with the dot
// product extension. No effect elsewhere. Set it between GEMM calls only.
void GemmI8DisableDotProdForTest(bool disable);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_GEMM_I8_TESTING_H_
