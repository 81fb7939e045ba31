// Elementwise activations (Highway, dynamic dispatch once per call), all
// built on det_math-inl.h: bit-identical on every FMA target. Scalar double
// references: activation_ref.h; bounds: kernel_tolerances.h.
#ifndef EDGEBERT_RUNTIME_KERNELS_ACTIVATION_H_
#define EDGEBERT_RUNTIME_KERNELS_ACTIVATION_H_

#include <cstddef>
#include <cstdint>

namespace edgebert::kernels {

// Activation after a fully-connected layer (the values are det::kAct*).
enum class Act : uint8_t {
  kNone = 0,
  kGeluErf = 1,   // 0.5 v (1 + erf(v / sqrt2))
  kGeluTanh = 2,  // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))
  kRelu = 3,      // max(v, 0)
};

// x[r, c] = act(x[r, c] + bias[c]) for an rows x cols matrix; `bias` may be
// null. act == kGeluErf is the same function as BiasGeluErf (kernels.h).
void BiasActivation(float* x, const float* bias, size_t rows, size_t cols,
                    Act act);

// y[i] = tanh(x[i]) / sigmoid(x[i]) (det::Tanh / det::Sigmoid); x and y may
// alias.
void Tanh(const float* x, size_t n, float* y);
void Sigmoid(const float* x, size_t n, float* y);

}  // namespace edgebert::kernels

#endif  // EDGEBERT_RUNTIME_KERNELS_ACTIVATION_H_
