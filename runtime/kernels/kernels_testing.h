// Test-only views of the f32 kernels' building blocks. Test library only
// (edgebert_kernels_ref).
#ifndef EDGEBERT_RUNTIME_KERNELS_KERNELS_TESTING_H_
#define EDGEBERT_RUNTIME_KERNELS_KERNELS_TESTING_H_

#include <cstddef>

namespace edgebert::kernels {

// y[i] = exp(x[i]) for x[i] <= 0 as the softmax computes it
// (det::ExpNonPositive: 0 below -64). x and y may alias.
void ExpNonPositive(const float* x, size_t n, float* y);

// True when the dispatched target has a fused multiply-add (HWY_NATIVE_FMA).
// All such targets give bit-identical results for every kernel of
// kernels.h, for GemmI8 and for the Highway f32 GEMM (contract in
// det_math-inl.h).
bool ActiveTargetHasFma();

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_KERNELS_TESTING_H_
