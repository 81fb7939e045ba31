// Scalar double references of runtime/kernels/activation.h (libm std::erf,
// std::tanh, std::exp); outputs rounded to float at the end. Tests only.
#ifndef EDGEBERT_RUNTIME_KERNELS_ACTIVATION_REF_H_
#define EDGEBERT_RUNTIME_KERNELS_ACTIVATION_REF_H_

#include <cstddef>

#include "runtime/kernels/activation.h"

namespace edgebert::kernels::ref {

// v = x + bias rounded to float (as the kernel's first step), then act(v)
// in double.
double Activate(double v, Act act);
void BiasActivation(float* x, const float* bias, size_t rows, size_t cols,
                    Act act);
double Sigmoid(double x);

}  // namespace edgebert::kernels::ref

#endif  // EDGEBERT_RUNTIME_KERNELS_ACTIVATION_REF_H_
