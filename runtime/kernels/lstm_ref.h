// Scalar double reference of kernels::LstmSequence (lstm.h): same contract,
// h R and the gates in double (std::exp, std::tanh), h rounded to float
// per step only where it is stored. Tests only.
#ifndef EDGEBERT_RUNTIME_KERNELS_LSTM_REF_H_
#define EDGEBERT_RUNTIME_KERNELS_LSTM_REF_H_

#include <cstddef>

namespace edgebert::kernels::ref {

void LstmSequence(const float* xz, size_t xz_stride, size_t t, size_t units,
                  const float* recurrent, bool backward, float* h,
                  size_t h_stride);

}  // namespace edgebert::kernels::ref

#endif  // EDGEBERT_RUNTIME_KERNELS_LSTM_REF_H_
